"""A tenant's users: rights, lookups within the tenant, names taken.

Every lookup takes the tenant it is made for and finds nothing outside it, so a caller cannot
reach another company's users by id.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from helin.store.accounts import hash_password
from helin.store.tables import (
    User,
)

RIGHTS = ("tenant_admin", "manager", "agent")
"""The rights a tenant admin gives (never ``operator``), in the order they are listed."""


ADD_ON_RIGHTS = frozenset({"manager", "agent"})
"""Rights that need the tenant's call-center add-on."""


def rights_of(user: User) -> list[str]:
    return [right for right in RIGHTS if getattr(user, right)]


def in_tenant(session: Session, tenant_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id)
            .options(selectinload(User.numbers))
            .order_by(User.username)
        )
    )


def get(session: Session, tenant_id: int, user_id: int) -> User | None:
    """The tenant's user ``user_id``; None for an unknown id or another tenant's user."""
    found = session.get(User, user_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def name_taken(session: Session, username: str) -> bool:
    """Whether anyone (in any tenant, or an operator) signs in as ``username``."""
    return session.scalar(select(User.id).where(User.username == username)) is not None


def forget_presented(session: Session, tenant_id: int, e164: str, keep: int | None) -> list[int]:
    """Users of the tenant who showed ``e164`` on their calls out show their own number again
    (except user ``keep``, the number's new owner); their ids."""
    ids = list(
        session.scalars(
            select(User.id).where(
                User.tenant_id == tenant_id,
                User.presented_number == e164,
                User.id != (keep if keep is not None else -1),
            )
        )
    )
    if ids:
        session.execute(update(User).where(User.id.in_(ids)).values(presented_number=None))
    return ids


def count(session: Session, tenant_id: int) -> int:
    return session.scalar(select(func.count(User.id)).where(User.tenant_id == tenant_id)) or 0


def has_tenant_admin(session: Session, tenant_id: int) -> bool:
    """Whether an enabled tenant admin of the tenant exists."""
    found = select(User.id).where(
        User.tenant_id == tenant_id, User.tenant_admin, User.disabled.is_(False)
    )
    return session.scalar(found.limit(1)) is not None


def add(
    session: Session,
    tenant_id: int,
    *,
    username: str,
    display_name: str,
    email: str | None,
    password: str,
    rights: Iterable[str],
) -> User:
    """A new user of the tenant with ``rights`` (only the argon2 hash of ``password`` kept)."""
    given = set(rights)
    user = User(
        tenant_id=tenant_id,
        username=username,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        **{right: right in given for right in RIGHTS},
    )
    session.add(user)
    session.flush()
    return user
