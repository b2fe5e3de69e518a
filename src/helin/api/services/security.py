"""Who is asking, and what they may do: a web session (cookie plus CSRF header) or a personal
API token (bearer), and the rights checks every operation starts with.

``authenticate`` turns a request's headers and cookies into a ``Principal``. Requests with the
session cookie that change something (POST, PUT, PATCH, DELETE) must carry the session's CSRF
token in ``X-CSRF-Token``; bearer requests need none (a browser never adds them by itself).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from helin.api.context import ApiContext
from helin.api.services.errors import Forbidden, NotSignedIn
from helin.store import tokens
from helin.store.tables import AuthToken, User

COOKIE = "helin_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user, as the services need them (no live ORM object)."""

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


def authenticate(
    ctx: ApiContext, headers: Mapping[str, str], cookies: Mapping[str, str], method: str
) -> Principal:
    """The principal behind a request's bearer token or session cookie (``NotSignedIn`` or
    ``Forbidden`` otherwise); for sessions, unsafe ``method``s must carry the CSRF header."""
    scheme, _, credentials = headers.get("Authorization", "").partition(" ")
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        if scheme.lower() == "bearer" and credentials:
            found = tokens.find(session, credentials.strip(), "api", now)
            if found is None:
                raise NotSignedIn("invalid or revoked token")
            return Principal.of(found[0], found[1].id, via_session=False)
        cookie = cookies.get(COOKIE)
        if not cookie:
            raise NotSignedIn("sign in first")
        found = tokens.find(session, cookie, "session", now)
        if found is None:
            raise NotSignedIn("your session has ended; sign in again")
        user, row = found
        if method not in SAFE_METHODS:
            sent = headers.get(CSRF_HEADER, "")
            if not row.csrf or not hmac.compare_digest(sent, row.csrf):
                raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Principal.of(user, row.id, via_session=True)


def csrf_token(ctx: ApiContext, me: Principal) -> str:
    """The CSRF token of ``me``'s session, for a page's scripts (empty for a bearer token)."""
    if not me.via_session:
        return ""
    with ctx.sessions() as session:
        row = session.get(AuthToken, me.token_id)
        return (row.csrf or "") if row is not None else ""


def may_manage(me: Principal) -> bool:
    """Managers and tenant admins manage their company's groups, clips and history."""
    return (me.manager or me.tenant_admin) and me.tenant_id is not None


def tenant_admin(me: Principal) -> Principal:
    """The signed-in tenant admin (``Forbidden`` for anyone else, operators included)."""
    if not me.tenant_admin or me.tenant_id is None:
        raise Forbidden("needs the tenant admin right")
    return me


def operator(me: Principal) -> Principal:
    """The signed-in operator (``Forbidden`` for anyone else)."""
    if not me.operator:
        raise Forbidden("needs the operator right")
    return me
