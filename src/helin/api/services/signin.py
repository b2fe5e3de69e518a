"""Signing in and out, and personal API tokens (the other way to be signed in).

Failed sign-ins are slowed and then blocked per client address and per user name
(``helin.api.throttle``); a user name's block spares the addresses where that user signed in
lately, so that nobody can lock its owner out by guessing from elsewhere.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from helin.api.context import ApiContext
from helin.api.schemas.auth import NewToken, SignedIn, TokenPublic
from helin.api.services.errors import Conflict, NotFound, NotSignedIn, TooManyAttempts
from helin.api.services.security import Principal
from helin.api.throttle import LoginThrottle
from helin.store import accounts, audit, tokens
from helin.store.tables import AuthToken, User

log = logging.getLogger(__name__)

SESSION_SECONDS = tokens.SESSION_SECONDS
"""A web session (and its cookie) ends after this long without a request."""


class WrongCredentials(NotSignedIn):
    """The user name or password is wrong; answer only after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__("wrong user name or password")
        self.delay = delay
        """Seconds the throttle makes this failure wait."""


def sign_in(
    ctx: ApiContext,
    throttle: LoginThrottle,
    username: str,
    password: str,
    client: str,
    user_agent: str,
) -> tuple[SignedIn, str]:
    """A new web session for the user, from the ``client`` address: the answer and the
    session's secret (for the cookie). ``TooManyAttempts`` while blocked; ``WrongCredentials``
    (with the delay the throttle imposes) for a wrong name or password or a disabled user."""
    keys = [f"ip:{client}", f"user:{username.lower()}"]
    now = ctx.clock()
    wait = throttle.blocked(keys[:1], now.timestamp())
    name_wait = throttle.blocked(keys[1:], now.timestamp())
    if name_wait > 0 and not _trusted(ctx, username, client, now):
        wait = max(wait, name_wait)
    if wait > 0:
        raise TooManyAttempts("too many failed sign-ins; try again later", int(wait) + 1)
    with ctx.sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        ok = user is not None and not user.disabled
        # verify even for unknown users, so the answer takes as long either way
        ok = accounts.verify_password(user.password_hash if user else None, password) and ok
        if ok and user is not None:
            issued = tokens.issue(session, user.id, "session", user_agent, now, client)
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
        raise WrongCredentials(delay)
    throttle.succeeded(keys[1], now.timestamp())
    return result, issued.token


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


def sign_out(ctx: ApiContext, me: Principal) -> None:
    """End the session (or revoke the token) ``me`` came with."""
    with ctx.sessions.begin() as session:
        tokens.revoke(session, me.user_id, me.token_id, ctx.clock())


def list_tokens(ctx: ApiContext, me: Principal) -> list[TokenPublic]:
    with ctx.sessions() as session:
        return [_public(row) for row in tokens.api_tokens(session, me.user_id)]


def create_token(ctx: ApiContext, me: Principal, name: str) -> NewToken:
    """A new personal API token; its secret is in the answer only."""
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        if len(tokens.api_tokens(session, me.user_id)) >= tokens.API_TOKENS_PER_USER:
            raise Conflict(f"at most {tokens.API_TOKENS_PER_USER} tokens; revoke one")
        issued = tokens.issue(session, me.user_id, "api", name, now)
        audit.record(
            session,
            user_id=me.user_id,
            action="token.create",
            object_type="token",
            object_id=issued.row.id,
            at=now,
            details={"name": name},
        )
        return NewToken(token=issued.token, **_public(issued.row).model_dump())


def revoke_token(ctx: ApiContext, me: Principal, token_id: int) -> None:
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        live = {row.id for row in tokens.api_tokens(session, me.user_id)}
        if token_id not in live or not tokens.revoke(session, me.user_id, token_id, now):
            raise NotFound("no such token")
        audit.record(
            session,
            user_id=me.user_id,
            action="token.revoke",
            object_type="token",
            object_id=token_id,
            at=now,
        )


def _public(row: AuthToken) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        name=row.name,
        created_at=row.created_at.isoformat(),
        last_used_at=row.last_used_at.isoformat() if row.last_used_at else None,
    )
