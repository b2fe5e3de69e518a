"""What the call layer needs to route numbers: groups and users with their numbers.

Entries out (``helin.directory``), from which ``app.py`` builds the switch's ``Directory``.
Only tenants with the call-center add-on have groups here; every enabled user of any tenant is
listed, for direct calls and calls out.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.directory import GroupEntry, UserEntry
from helin.store.tables import Group, Membership, PauseReason, Tenant, Trunk, User


def load_groups(session: Session) -> list[GroupEntry]:
    groups = session.scalars(
        select(Group)
        .join(Group.tenant)
        .where(Tenant.call_center)
        .options(
            selectinload(Group.numbers),
            selectinload(Group.tenant),
            selectinload(Group.dispositions),
        )
        .order_by(Group.id)
    ).all()
    return [
        GroupEntry(
            id=str(group.id),
            name=group.name,
            tenant_id=str(group.tenant_id),
            numbers=tuple(n.e164 for n in sorted(group.numbers, key=lambda n: n.id)),
            record=group.tenant.recording,
            dispositions=tuple(d.code for d in group.dispositions if d.active),
        )
        for group in groups
    ]


def load_users(session: Session) -> list[UserEntry]:
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
    reasons: dict[int, list[tuple[int, str]]] = {}
    for reason in session.scalars(
        select(PauseReason).where(PauseReason.active).order_by(PauseReason.code)
    ):
        reasons.setdefault(reason.tenant_id, []).append((reason.code, str(reason.id)))
    rows = []
    for user in users:
        assert user.tenant is not None
        groups = (
            tuple(str(m.group_id) for m in sorted(user.memberships, key=lambda m: m.group_id))
            if user.agent and user.tenant.call_center
            else ()
        )
        rows.append(
            UserEntry(
                id=str(user.id),
                name=user.display_name or user.username,
                tenant_id=str(user.tenant_id),
                numbers=tuple(n.e164 for n in sorted(user.numbers, key=lambda n: n.id)),
                groups=groups,
                presented_number=user.presented_number,
                record=user.tenant.recording,
                pause_reasons=tuple(reasons.get(user.tenant.id, ())),
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
