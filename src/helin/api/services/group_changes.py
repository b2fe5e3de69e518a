"""The managers' changes to their company's groups, and the tenant admin's new and deleted
groups.

A change is stored and committed first, then the running engine is told (the group's
configuration, the member events) and the call layer reloads its directory when names or
members change. Who may change a group is who may see it (``groups.managed_group``); only a
tenant admin of a company with the call-center add-on creates and deletes groups.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helin.acd.events import Event, GroupOverrideSet, GroupRemoved, MemberRemoved
from helin.acd.model import OverflowKind
from helin.api.context import ApiContext
from helin.api.schemas.groups import (
    CalendarUpdate,
    GroupCreate,
    GroupDetail,
    GroupUpdate,
    MemberUpdate,
    OverrideUpdate,
)
from helin.api.services.errors import Conflict, Forbidden, Invalid, NotFound
from helin.api.services.groups import NOT_FOUND, get_group, hhmm, managed_group
from helin.api.services.security import Principal
from helin.store import audit, groups, runtime
from helin.store.provisioning.schema import DAYS
from helin.store.provisioning.yamlsource import Problem
from helin.store.tables import Group, Number, Tenant, User
from helin.store.tables.callcenter import OVERFLOW_ACTIONS


def _audit(
    session: Session,
    me: Principal,
    ctx: ApiContext,
    action: str,
    group_id: int,
    details: dict[str, Any] | None = None,
) -> None:
    """The audit-log row of a change to a group by ``me``."""
    audit.record(
        session,
        user_id=me.user_id,
        action=action,
        object_type="group",
        object_id=group_id,
        at=ctx.clock(),
        details=details,
    )


def _invalid(problems: list[Problem], where: str = "body") -> Invalid:
    return Invalid.at(*(((where, *p.path), p.message) for p in problems))


def engine_follows(
    ctx: ApiContext, group_id: int, *, member_of: int | None = None, extra: tuple[Event, ...] = ()
) -> None:
    """After the commit: tell the engine about the stored group (and a member)."""
    with ctx.sessions() as session:
        events = runtime.engine.group_events(session, group_id, member_of)
    for event in (*events, *extra):
        ctx.live.feed(event)


def update_group(ctx: ApiContext, me: Principal, group_id: int, body: GroupUpdate) -> GroupDetail:
    """Name, policy, queue settings, overflow actions; only what is given changes."""
    given = body.model_fields_set
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        if body.name is not None and groups.name_taken(session, group, body.name):
            raise _invalid([Problem(("name",), f"another group is called {body.name!r}")])
        renamed = body.name is not None and body.name != group.name
        if body.name is not None:
            group.name = body.name
        fields: dict[str, Any] = {name: getattr(body, name) for name in given - {"name"}}
        problems = groups.apply_settings(session, group, fields)
        if problems:
            raise _invalid(problems)
        _audit(
            session,
            me,
            ctx,
            "group.update",
            group_id,
            body.model_dump(mode="json", exclude_unset=True),
        )
    engine_follows(ctx, group_id)
    if renamed:
        ctx.live.directory_changed()
    return get_group(ctx, me, group_id)


def set_override(ctx: ApiContext, me: Principal, group_id: int, body: OverrideUpdate) -> None:
    """Open or close the group whatever its calendar says; None follows the calendar."""
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        group.override_mode = body.mode
        _audit(
            session,
            me,
            ctx,
            "group.override",
            group_id,
            {"mode": body.mode.value if body.mode else None},
        )
    mode = body.mode.value if body.mode else None
    engine_follows(ctx, group_id, extra=(GroupOverrideSet(group_id=str(group_id), mode=mode),))


def set_hours(ctx: ApiContext, me: Principal, group_id: int, body: CalendarUpdate) -> None:
    """The weekly opening hours and dated exceptions (and, when given, the time zone and
    holiday country), as a whole."""
    fields = {"hours": body.hours, "exceptions": body.exceptions}
    fields |= {name: getattr(body, name) for name in ("timezone", "holidays")}
    given = {"hours", "exceptions"} | (body.model_fields_set & {"timezone", "holidays"})
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        problems = groups.apply_settings(
            session, group, {k: v for k, v in fields.items() if k in given}
        )
        if problems:
            raise _invalid(problems)
        _audit(session, me, ctx, "group.hours", group_id, _calendar_details(body, given))
    engine_follows(ctx, group_id)


def _calendar_details(body: CalendarUpdate, given: set[str]) -> dict[str, Any]:
    """The new calendar as written, for the audit log."""
    details: dict[str, Any] = {
        "hours": {
            ",".join(DAYS[d] for d in days): [hhmm(*r) for r in ranges]
            for days, ranges in body.hours.items()
        },
        "exceptions": [
            {"date": e.day.isoformat(), "hours": [hhmm(*r) for r in e.hours], "note": e.note}
            for e in body.exceptions
        ],
    }
    return details | {
        name: getattr(body, name) for name in ("timezone", "holidays") if name in given
    }


def set_member(
    ctx: ApiContext, me: Principal, group_id: int, user_id: int, body: MemberUpdate
) -> None:
    """Add an agent of the company to the group, or change their order and weight."""
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        user = session.get(User, user_id)
        if user is None or user.tenant_id != group.tenant_id:
            raise NotFound("no such user")
        if not user.agent:
            raise _invalid(
                [Problem(("user_id",), "the user does not have the agent right")], "path"
            )
        row, created = groups.set_member(
            session, group, user, body.order, body.weight, body.priority
        )
        action = "group.member_add" if created else "group.member_update"
        details = {
            "user_id": user_id,
            "order": row.ring_order,
            "weight": row.weight,
            "priority": row.priority,
        }
        _audit(session, me, ctx, action, group_id, details)
    engine_follows(ctx, group_id, member_of=user_id)
    if created:
        ctx.live.directory_changed()


def remove_member(ctx: ApiContext, me: Principal, group_id: int, user_id: int) -> None:
    """Take an agent out of the group (a call ringing them for it stops ringing)."""
    with ctx.sessions.begin() as session:
        managed_group(session, me, group_id)
        row = groups.member(session, group_id, user_id)
        if row is None:
            raise NotFound("no such member")
        session.delete(row)
        _audit(session, me, ctx, "group.member_remove", group_id, {"user_id": user_id})
    removed = MemberRemoved(group_id=str(group_id), agent_id=str(user_id))
    engine_follows(ctx, group_id, extra=(removed,))
    ctx.live.directory_changed()


def _admin_of_call_center(session: Session, me: Principal) -> int:
    """The tenant of a tenant admin whose company has the call-center add-on (else
    ``Forbidden``)."""
    if not me.tenant_admin or me.tenant_id is None:
        raise Forbidden("only a tenant admin creates and deletes groups")
    if not session.scalar(select(Tenant.call_center).where(Tenant.id == me.tenant_id)):
        raise Forbidden("your company does not have the call-center add-on")
    return me.tenant_id


def create_group(ctx: ApiContext, me: Principal, body: GroupCreate) -> GroupDetail:
    """A new group (closed until it has opening hours or an override)."""
    with ctx.sessions.begin() as session:
        tenant = _admin_of_call_center(session, me)
        taken = session.scalar(
            select(Group.id).where(Group.tenant_id == tenant, Group.name == body.name)
        )
        if taken is not None:
            raise Conflict(f"your company already has a group called {body.name!r}")
        group = Group(tenant_id=tenant, name=body.name, policy=body.policy)
        session.add(group)
        session.flush()
        group_id = group.id
        _audit(session, me, ctx, "group.create", group_id, {"name": body.name})
    engine_follows(ctx, group_id)
    ctx.live.directory_changed()
    return get_group(ctx, me, group_id)


def delete_group(ctx: ApiContext, me: Principal, group_id: int) -> None:
    """Delete a group with no numbers left (callers still queued are ended; its call history
    stays)."""
    with ctx.sessions.begin() as session:
        tenant = _admin_of_call_center(session, me)
        group = groups.get(session, tenant, group_id)
        if group is None:
            raise NotFound(NOT_FOUND)
        numbers = list(session.scalars(select(Number.e164).where(Number.group_id == group_id)))
        if numbers:
            raise Conflict(
                f"the group still has numbers ({', '.join(numbers)}); take them away first"
            )
        used = session.scalars(
            select(Group.name).where(
                Group.tenant_id == tenant,
                Group.id != group_id,
                or_(
                    *(
                        (getattr(Group, f"{a}_kind") == OverflowKind.FORWARD_GROUP)
                        & (getattr(Group, f"{a}_target") == str(group_id))
                        for a in OVERFLOW_ACTIONS
                    )
                ),
            )
        ).all()
        if used:
            raise Conflict(f"groups overflow to it: {', '.join(used)}")
        _audit(session, me, ctx, "group.delete", group_id, {"name": group.name})
        session.delete(group)
    ctx.live.feed(GroupRemoved(group_id=str(group_id)))
    ctx.live.directory_changed()
