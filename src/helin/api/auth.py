"""Who is asking: a web session (cookie plus CSRF header) or a personal API token (bearer).

``principal`` is the FastAPI dependency every protected route uses. Requests with the session
cookie that change something (POST, PUT, PATCH, DELETE) must carry the session's CSRF token
in ``X-CSRF-Token``; bearer requests need none (a browser never adds them by itself).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from helin.api.context import ApiContext
from helin.store import tokens
from helin.store.tables import User

COOKIE = "helin_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user, as routes need them (no live ORM object)."""

    user_id: int
    username: str
    tenant_id: int | None
    operator: bool
    tenant_admin: bool
    manager: bool
    agent: bool
    token_id: int
    via_session: bool

    @classmethod
    def of(cls, user: User, token_id: int, via_session: bool) -> Principal:
        return cls(
            user_id=user.id,
            username=user.username,
            tenant_id=user.tenant_id,
            operator=user.operator,
            tenant_admin=user.tenant_admin,
            manager=user.manager,
            agent=user.agent,
            token_id=token_id,
            via_session=via_session,
        )


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx


Context = Annotated[ApiContext, Depends(context)]


def principal(request: Request, ctx: Context) -> Principal:
    return authenticate(ctx, request.headers, request.cookies, request.method)


def authenticate(
    ctx: ApiContext, headers: Mapping[str, str], cookies: Mapping[str, str], method: str
) -> Principal:
    """The principal behind a request's bearer token or session cookie (HTTPException 401 or
    403 otherwise); for sessions, unsafe ``method``s must carry the CSRF header."""
    scheme, _, credentials = headers.get("Authorization", "").partition(" ")
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        if scheme.lower() == "bearer" and credentials:
            found = tokens.find(session, credentials.strip(), "api", now)
            if found is None:
                raise HTTPException(401, "invalid or revoked token")
            return Principal.of(found[0], found[1].id, via_session=False)
        cookie = cookies.get(COOKIE)
        if not cookie:
            raise HTTPException(401, "sign in first")
        found = tokens.find(session, cookie, "session", now)
        if found is None:
            raise HTTPException(401, "your session has ended; sign in again")
        user, row = found
        if method not in SAFE_METHODS:
            sent = headers.get(CSRF_HEADER, "")
            if not row.csrf or not hmac.compare_digest(sent, row.csrf):
                raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
        return Principal.of(user, row.id, via_session=True)


Me = Annotated[Principal, Depends(principal)]
