"""Signing in and out, and personal API tokens."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select

from helin.api.context import ApiContext
from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.auth import Credentials, NewToken, SignedIn, TokenCreate, TokenPublic
from helin.api.services.security import COOKIE
from helin.api.throttle import LoginThrottle
from helin.store import accounts, audit, tokens
from helin.store.tables import AuthToken, User

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


@router.post("/login", response_model=SignedIn, responses={401: {}, 429: {}})
async def login(
    body: Credentials, request: Request, response: Response, ctx: ContextDep
) -> SignedIn:
    throttle = _throttle(request)
    client = request.client.host if request.client else "unknown"
    keys = [f"ip:{client}", f"user:{body.username.lower()}"]
    now = ctx.clock()
    wait = throttle.blocked(keys[:1], now.timestamp())
    name_wait = throttle.blocked(keys[1:], now.timestamp())
    if name_wait > 0 and not _trusted(ctx, body.username, client, now):
        wait = max(wait, name_wait)
    if wait > 0:
        raise HTTPException(
            429, "too many failed sign-ins; try again later", {"Retry-After": str(int(wait) + 1)}
        )
    with ctx.sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == body.username))
        ok = user is not None and not user.disabled
        # verify even for unknown users, so the answer takes as long either way
        ok = accounts.verify_password(user.password_hash if user else None, body.password) and ok
        if ok and user is not None:
            agent = request.headers.get("User-Agent", "")
            issued = tokens.issue(session, user.id, "session", agent, now, client)
            audit.record(
                session,
                user_id=user.id,
                action="auth.login",
                object_type="user",
                object_id=user.id,
                at=now,
            )
            result = SignedIn(
                user_id=user.id, username=user.username, csrf_token=issued.row.csrf or ""
            )
    if not ok:
        delay = throttle.failed(keys, now.timestamp())
        for key, until in throttle.blocks:
            log.warning("sign-in blocked for %s until %s after repeated failures", key, until)
        throttle.blocks.clear()
        await asyncio.sleep(delay)
        raise HTTPException(401, "wrong user name or password")
    throttle.succeeded(keys[1], now.timestamp())
    response.set_cookie(
        COOKIE,
        issued.token,
        max_age=tokens.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
        path="/",
    )
    return result


def _trusted(ctx: ApiContext, username: str, address: str, now: datetime) -> bool:
    """Whether the user signed in from this address lately: their user name's block, which
    anyone anywhere can set off, must not keep them out there."""
    if ctx.signin_trusted_days <= 0:
        return False
    since = now - timedelta(days=ctx.signin_trusted_days)
    with ctx.sessions() as session:
        trusted = tokens.signed_in_from(session, username, address, since)
    if trusted:
        log.info("sign-in for %r from %s: user name blocked, address trusted", username, address)
    return trusted


@router.post("/logout", status_code=204)
def logout(me: CurrentUser, response: Response, ctx: ContextDep) -> None:
    with ctx.sessions.begin() as session:
        tokens.revoke(session, me.user_id, me.token_id, ctx.clock())
    response.delete_cookie(COOKIE, path="/")


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(me: CurrentUser, ctx: ContextDep) -> list[TokenPublic]:
    with ctx.sessions() as session:
        return [_info(row) for row in tokens.api_tokens(session, me.user_id)]


@router.post("/tokens", response_model=NewToken, status_code=201, responses={409: {}})
def create_token(body: TokenCreate, me: CurrentUser, ctx: ContextDep) -> NewToken:
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        if len(tokens.api_tokens(session, me.user_id)) >= tokens.API_TOKENS_PER_USER:
            raise HTTPException(409, f"at most {tokens.API_TOKENS_PER_USER} tokens; revoke one")
        issued = tokens.issue(session, me.user_id, "api", body.name, now)
        audit.record(
            session,
            user_id=me.user_id,
            action="token.create",
            object_type="token",
            object_id=issued.row.id,
            at=now,
            details={"name": body.name},
        )
        return NewToken(token=issued.token, **_info(issued.row).model_dump())


@router.delete("/tokens/{token_id}", status_code=204, responses={404: {}})
def revoke_token(token_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        live = {row.id for row in tokens.api_tokens(session, me.user_id)}
        if token_id not in live or not tokens.revoke(session, me.user_id, token_id, now):
            raise HTTPException(404, "no such token")
        audit.record(
            session,
            user_id=me.user_id,
            action="token.revoke",
            object_type="token",
            object_id=token_id,
            at=now,
        )


def _info(row: AuthToken) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        name=row.name,
        created_at=row.created_at.isoformat(),
        last_used_at=row.last_used_at.isoformat() if row.last_used_at else None,
    )
