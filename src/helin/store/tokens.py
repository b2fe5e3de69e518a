"""Web sessions and personal API tokens: made, looked up, revoked.

A token is 32 random bytes (URL-safe base64) shown to its owner once; the store keeps only its
SHA-256, so a copy of the database lets nobody sign in. Sessions expire (``SESSION_SECONDS``
after their last use); API tokens last until revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from helin.store.tables import AuthToken, User

SESSION_SECONDS = 12 * 3600
"""A web session ends after this long without a request."""
API_TOKENS_PER_USER = 20


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    """The secret, shown once."""
    row: AuthToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session,
    user_id: int,
    kind: str,
    name: str,
    now: datetime,
    address: str | None = None,
) -> Issued:
    """A new session (with its CSRF token) or API token for ``user_id``; ``address`` is the
    client's, kept with a session."""
    token = secrets.token_urlsafe(32)
    row = AuthToken(
        user_id=user_id,
        kind=kind,
        name=name[:100],
        address=address[:45] if address else None,
        token_sha256=_digest(token),
        csrf=secrets.token_urlsafe(24) if kind == "session" else None,
        created_at=now,
        expires_at=now + timedelta(seconds=SESSION_SECONDS) if kind == "session" else None,
        last_used_at=now,
    )
    session.add(row)
    session.flush()
    return Issued(token, row)


def find(session: Session, token: str, kind: str, now: datetime) -> tuple[User, AuthToken] | None:
    """The enabled user and live token behind ``token`` (and a session's expiry pushed on)."""
    row = session.scalar(
        select(AuthToken).where(
            AuthToken.token_sha256 == _digest(token),
            AuthToken.kind == kind,
            AuthToken.revoked_at.is_(None),
        )
    )
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    row.last_used_at = now
    if row.kind == "session":
        row.expires_at = now + timedelta(seconds=SESSION_SECONDS)
    return user, row


def revoke(session: Session, user_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's tokens; False when they have no such live token."""
    result = session.execute(
        update(AuthToken)
        .where(
            AuthToken.id == token_id, AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def api_tokens(session: Session, user_id: int) -> list[AuthToken]:
    return list(
        session.scalars(
            select(AuthToken)
            .where(
                AuthToken.user_id == user_id,
                AuthToken.kind == "api",
                AuthToken.revoked_at.is_(None),
            )
            .order_by(AuthToken.id)
        )
    )


def signed_in_from(session: Session, username: str, address: str, since: datetime) -> bool:
    """Whether ``username`` signed in to the web app from ``address`` at ``since`` or later."""
    found = session.scalar(
        select(AuthToken.id)
        .join(User, User.id == AuthToken.user_id)
        .where(
            func.lower(User.username) == username.lower(),
            AuthToken.kind == "session",
            AuthToken.address == address,
            AuthToken.created_at >= since,
        )
        .limit(1)
    )
    return found is not None
