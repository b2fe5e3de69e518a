"""A tenant's numbers, owned by a user or a group; lookups within the tenant."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from helin.store.tables import (
    Group,
    Number,
    User,
)


def of_groups(session: Session, tenant_id: int) -> set[str]:
    """Every number owned by one of the tenant's groups."""
    rows = session.scalars(
        select(Number.e164)
        .join(Group, Number.group_id == Group.id)
        .where(Group.tenant_id == tenant_id)
    )
    return set(rows)


def _of_tenant(tenant_id: int) -> ColumnElement[bool]:
    return or_(
        Number.user_id.in_(select(User.id).where(User.tenant_id == tenant_id)),
        Number.group_id.in_(select(Group.id).where(Group.tenant_id == tenant_id)),
    )


def in_tenant(session: Session, tenant_id: int) -> list[Number]:
    return list(
        session.scalars(
            select(Number)
            .where(_of_tenant(tenant_id))
            .options(selectinload(Number.user), selectinload(Number.group))
            .order_by(Number.e164)
        )
    )


def get(session: Session, tenant_id: int, number_id: int) -> Number | None:
    return session.scalar(select(Number).where(Number.id == number_id, _of_tenant(tenant_id)))


def by_e164(session: Session, e164: str) -> Number | None:
    return session.scalar(select(Number).where(Number.e164 == e164))


def owner_name(row: Number) -> str:
    """``user 'ann'`` or ``group 'Support'``."""
    if row.user is not None:
        return f"user {row.user.username!r}"
    assert row.group is not None
    return f"group {row.group.name!r}"
