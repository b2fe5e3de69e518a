"""A tenant's call-center groups: finding them, and a manager's changes by the same rules as
provisioning.

Settings, calendars and overflow actions go through ``provision_groups.GroupSettings`` (the
validation and storage a provisioning file gets): clip names, overflow targets and hours mean
the same in the API as in the file. Problems come back with paths relative to the request
body. Members are set one at a time here. Nothing in this module commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from helin.acd.model import OverflowKind
from helin.store.provisioning.apply import Applier
from helin.store.provisioning.file import ProvisionSummary
from helin.store.provisioning.groups import GroupSettings
from helin.store.provisioning.schema import GroupSpec, ProvisionSpec
from helin.store.provisioning.yamlsource import Problem
from helin.store.tables import (
    CalendarException,
    Clip,
    Group,
    Membership,
    Tenant,
    User,
)
from helin.store.tables.enums import BUILTIN_CLIPS


def in_tenant(session: Session, tenant_id: int, group_id: int | None = None) -> list[Group]:
    """The call-center groups of a tenant with the add-on (or just ``group_id`` among them),
    by name, with everything a detail view shows loaded."""
    query = (
        select(Group)
        .join(Tenant, Group.tenant_id == Tenant.id)
        .where(Tenant.call_center, Group.tenant_id == tenant_id)
        .options(
            selectinload(Group.numbers),
            selectinload(Group.weekly_hours),
            selectinload(Group.dispositions),
            selectinload(Group.exceptions).selectinload(CalendarException.ranges),
            selectinload(Group.memberships)
            .selectinload(Membership.user)
            .selectinload(User.devices),
        )
        .order_by(Group.name, Group.id)
    )
    if group_id is not None:
        query = query.where(Group.id == group_id)
    return list(session.scalars(query))


def get(
    session: Session, tenant_id: int, group_id: int, *, call_center: bool = True
) -> Group | None:
    """One group of the tenant, nothing else loaded (for changing it). Managers see groups
    only while the tenant has the call-center add-on; ``call_center=False`` finds a group
    regardless (a tenant admin giving it a number)."""
    query = select(Group).where(Group.tenant_id == tenant_id, Group.id == group_id)
    if call_center:
        query = query.join(Tenant, Group.tenant_id == Tenant.id).where(Tenant.call_center)
    return session.scalar(query)


def apply_settings(session: Session, group: Group, fields: dict[str, Any]) -> list[Problem]:
    """Set ``GroupSpec`` fields (already validated: ``policy``, ``queue``, ``overflow``,
    ``hours``, ``exceptions``, ``timezone``, ``holidays``) on ``group``; only the fields given,
    and only those of ``queue`` and ``overflow`` that their models were given. The problems
    found against the database (unknown clip or overflow target); the caller rolls back."""
    spec = GroupSpec.model_construct(set(fields), name=group.name, **fields)
    applier = Applier(session, ProvisionSpec(), ProvisionSummary())
    GroupSettings(applier, (), group.tenant, group, spec, created=False).apply()
    session.flush()
    return applier.problems


def name_taken(session: Session, group: Group, name: str) -> bool:
    """Whether another group of the tenant already has ``name``."""
    other = session.scalar(
        select(Group.id).where(
            Group.tenant_id == group.tenant_id, Group.name == name, Group.id != group.id
        )
    )
    return other is not None


def clip_name(session: Session, tenant_id: int, ref: str | None) -> str | None:
    """A stored clip reference as the file and the API write it: the built-in clip's or the
    uploaded clip's name."""
    if ref is None or ref in BUILTIN_CLIPS or not ref.isdigit():
        return ref
    name = session.scalar(select(Clip.name).where(Clip.id == int(ref), Clip.tenant_id == tenant_id))
    return name if name is not None else ref


def target_name(session: Session, kind: OverflowKind, target: str | None) -> str | None:
    """A stored overflow target as written: a number, or the name of the group forwarded to."""
    if kind is not OverflowKind.FORWARD_GROUP or target is None or not target.isdigit():
        return target
    name = session.scalar(select(Group.name).where(Group.id == int(target)))
    return name if name is not None else target


def set_member(
    session: Session,
    group: Group,
    user: User,
    order: int | None,
    weight: int | None,
    priority: int | None = None,
) -> tuple[Membership, bool]:
    """Add ``user`` to ``group`` or change their order, weight and priority; (row, created).
    A new member without an order goes last; with no weight or priority, 1."""
    row = member(session, group.id, user.id)
    created = row is None
    if row is None:
        if order is None:
            last = session.scalar(
                select(func.max(Membership.ring_order)).where(Membership.group_id == group.id)
            )
            order = 0 if last is None else last + 1
        row = Membership(group_id=group.id, user_id=user.id, ring_order=order, weight=1, priority=1)
        session.add(row)
    elif order is not None:
        row.ring_order = order
    if weight is not None:
        row.weight = weight
    if priority is not None:
        row.priority = priority
    session.flush()
    return row, created


def member(session: Session, group_id: int, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
    )


def find(session: Session, name_or_id: str) -> int | str:
    """A group's id from its id or its name; otherwise why not (a message for the user)."""
    if name_or_id.isdigit() and session.get(Group, int(name_or_id)) is not None:
        return int(name_or_id)
    ids = list(session.scalars(select(Group.id).where(Group.name == name_or_id)))
    if len(ids) == 1:
        return ids[0]
    if ids:
        return f"several groups are named {name_or_id!r}; give its id ({', '.join(map(str, ids))})"
    return f"no group {name_or_id!r}"


def name(session: Session, group_id: int) -> str:
    return session.scalar(select(Group.name).where(Group.id == group_id)) or ""
