"""What the call layer needs to route numbers: groups and users with their numbers.

Plain rows out (``app.py`` turns them into the switch's ``Directory``). Only tenants with the
call-center add-on have groups here; every enabled user of any tenant is listed, for direct
calls and calls out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.store.tables import Group, Membership, Tenant, Trunk, User


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    name: str
    tenant_id: str
    numbers: tuple[str, ...]
    record: bool


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    name: str
    tenant_id: str
    numbers: tuple[str, ...]
    groups: tuple[str, ...]
    presented_number: str | None
    record: bool


def load_groups(session: Session) -> list[GroupRow]:
    groups = session.scalars(
        select(Group)
        .join(Group.tenant)
        .where(Tenant.call_center)
        .options(selectinload(Group.numbers), selectinload(Group.tenant))
        .order_by(Group.id)
    ).all()
    return [
        GroupRow(
            id=str(group.id),
            name=group.name,
            tenant_id=str(group.tenant_id),
            numbers=tuple(n.e164 for n in sorted(group.numbers, key=lambda n: n.id)),
            record=group.tenant.recording,
        )
        for group in groups
    ]


def load_users(session: Session) -> list[UserRow]:
    users = session.scalars(
        select(User)
        .where(User.tenant_id.is_not(None), User.disabled.is_(False))
        .options(
            selectinload(User.numbers),
            selectinload(User.tenant),
            selectinload(User.memberships).selectinload(Membership.group),
        )
        .order_by(User.id)
    ).all()
    rows = []
    for user in users:
        assert user.tenant is not None
        groups = (
            tuple(str(m.group_id) for m in sorted(user.memberships, key=lambda m: m.group_id))
            if user.agent and user.tenant.call_center
            else ()
        )
        rows.append(
            UserRow(
                id=str(user.id),
                name=user.display_name or user.username,
                tenant_id=str(user.tenant_id),
                numbers=tuple(n.e164 for n in sorted(user.numbers, key=lambda n: n.id)),
                groups=groups,
                presented_number=user.presented_number,
                record=user.tenant.recording,
            )
        )
    return rows


def load_outbound_uri(session: Session) -> str | None:
    """Where calls out go: the first enabled trunk (by name) that takes calls from helin."""
    return session.scalar(
        select(Trunk.outbound_uri)
        .where(Trunk.enabled, Trunk.outbound_uri.is_not(None))
        .order_by(Trunk.name)
        .limit(1)
    )
