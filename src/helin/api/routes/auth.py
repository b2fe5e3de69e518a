"""Signing in and out, and personal API tokens: ``/api/v1/auth/...``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from helin.api.deps import ContextDep, CurrentUser, RowId, ThrottleDep
from helin.api.schemas.auth import Credentials, NewToken, SignedIn, TokenCreate, TokenPublic
from helin.api.services import signin
from helin.api.services.security import COOKIE

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login", response_model=SignedIn, responses={401: {}, 429: {}})
async def login(
    body: Credentials, request: Request, response: Response, ctx: ContextDep, throttle: ThrottleDep
) -> SignedIn:
    client = request.client.host if request.client else "unknown"
    agent = request.headers.get("User-Agent", "")
    try:
        result, secret = signin.sign_in(ctx, throttle, body.username, body.password, client, agent)
    except signin.WrongCredentials as failed:
        await asyncio.sleep(failed.delay)
        raise
    response.set_cookie(
        COOKIE,
        secret,
        max_age=signin.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
        path="/",
    )
    return result


@router.post("/logout", status_code=204)
def logout(me: CurrentUser, response: Response, ctx: ContextDep) -> None:
    signin.sign_out(ctx, me)
    response.delete_cookie(COOKIE, path="/")


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(me: CurrentUser, ctx: ContextDep) -> list[TokenPublic]:
    return signin.list_tokens(ctx, me)


@router.post("/tokens", response_model=NewToken, status_code=201, responses={409: {}})
def create_token(body: TokenCreate, me: CurrentUser, ctx: ContextDep) -> NewToken:
    return signin.create_token(ctx, me, body.name)


@router.delete("/tokens/{token_id}", status_code=204, responses={404: {}})
def revoke_token(token_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    signin.revoke_token(ctx, me, token_id)
