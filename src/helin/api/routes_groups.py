"""The managers' endpoints: their company's call-center groups, live and to change.

A manager (or a tenant admin) sees and changes every group of their own company. Anyone else
gets 403 for the list and 404 for a group, as for another company's group: helin does not
reveal that it exists. A change is stored and committed first, then the running engine is
told (the group's configuration, the member events) and the call layer reloads its
directory when names or members change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helin.acd.events import Event, GroupOverrideSet, GroupRemoved, MemberRemoved
from helin.acd.model import AgentState, GroupStatus, OverflowKind
from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.devices import DeviceStatus
from helin.api.schemas.groups import (
    ActionPublic,
    AgentCounts,
    CalendarUpdate,
    CandidatePublic,
    ExceptionPublic,
    GroupCreate,
    GroupDetail,
    GroupSummary,
    GroupUpdate,
    MemberPublic,
    MemberUpdate,
    OverflowPublic,
    OverrideUpdate,
)
from helin.api.services.security import Principal
from helin.store import audit, group_edits
from helin.store.callcenter import OVERFLOW_ACTIONS, Membership
from helin.store.provision_schema import DAYS, OVERFLOW_COLUMNS, QueueSpec
from helin.store.tables import Group, Number, Tenant, User
from helin.store.yamlsource import Problem

router = APIRouter(prefix="/api/v1", tags=["groups"])

_BUSY = (AgentState.ON_CALL, AgentState.BUSY)
NOT_FOUND = "no such group"


def _may_manage(me: Principal) -> bool:
    return (me.manager or me.tenant_admin) and me.tenant_id is not None


def _group(session: Session, me: Principal, group_id: int, *, full: bool = False) -> Group:
    """The group if ``me`` may manage it (``full``: with what the detail shows loaded); 404
    otherwise, whether or not it exists."""
    group = None
    if _may_manage(me) and me.tenant_id is not None:
        if full:
            found = group_edits.tenant_groups(session, me.tenant_id, group_id)
            group = found[0] if found else None
        else:
            group = group_edits.tenant_group(session, me.tenant_id, group_id)
    if group is None:
        raise HTTPException(404, NOT_FOUND)
    return group


def _audit(
    session: Session,
    me: Principal,
    ctx: ContextDep,
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


def _invalid(problems: list[Problem], where: str = "body") -> HTTPException:
    return HTTPException(
        422,
        [{"loc": [where, *p.path], "msg": p.message, "type": "value_error"} for p in problems],
    )


def _summary(ctx: ContextDep, group: Group) -> tuple[GroupSummary, GroupStatus | None]:
    status = ctx.live.group_status(str(group.id))
    working = [m for m in status.members if m.logged_in] if status else []
    summary = GroupSummary(
        id=group.id,
        name=group.name,
        numbers=[n.e164 for n in group.numbers],
        policy=group.policy,
        override=group.override_mode,
        open=status.open if status else None,
        queued=status.queued if status else 0,
        longest_wait=round(status.longest_wait, 1) if status else 0.0,
        agents=AgentCounts(
            logged_in=len(working),
            available=sum(m.state is AgentState.AVAILABLE for m in working),
            busy=sum(m.state in _BUSY for m in working),
        ),
    )
    return summary, status


def _detail(ctx: ContextDep, session: Session, group: Group) -> GroupDetail:
    summary, status = _summary(ctx, group)
    live = {m.agent_id: m.logged_in for m in status.members} if status else {}
    weekly: dict[str, list[str]] = {}
    for hours in group.weekly_hours:
        weekly.setdefault(DAYS[hours.weekday], []).append(
            _hhmm(hours.start_minute, hours.end_minute)
        )
    members = [
        MemberPublic(
            user_id=m.user_id,
            username=m.user.username,
            name=m.user.display_name or m.user.username,
            order=m.ring_order,
            weight=m.weight,
            logged_in=live.get(str(m.user_id), m.logged_in),
            state=ctx.live.agent_state(str(m.user_id)).value,
            devices=[
                DeviceStatus(
                    id=d.id,
                    kind=d.kind.value,
                    label=d.label,
                    status=ctx.live.device_status(str(d.id)),
                )
                for d in sorted(m.user.devices, key=lambda d: d.id)
            ],
        )
        for m in group.memberships
    ]
    queue = QueueSpec.model_construct(
        **{
            name: getattr(group, name)
            for name in QueueSpec.model_fields
            if name not in ("greeting_clip", "comfort_clip")
        }
        | {
            "greeting_clip": group_edits.clip_name(session, group.tenant_id, group.greeting_clip),
            "comfort_clip": group_edits.clip_name(session, group.tenant_id, group.comfort_clip),
        }
    )
    return GroupDetail(
        **summary.model_dump(),
        timezone=group.timezone,
        holidays=group.holiday_country,
        hours={day: weekly[day] for day in DAYS if day in weekly},
        exceptions=[
            ExceptionPublic(
                date=e.day,
                hours=[_hhmm(r.start_minute, r.end_minute) for r in e.ranges],
                note=e.note,
            )
            for e in group.exceptions
        ],
        queue=queue,
        overflow=OverflowPublic(
            **{key: _action(session, group, prefix) for key, prefix in OVERFLOW_COLUMNS.items()}
        ),
        members=members,
    )


def _hhmm(start: int, end: int) -> str:
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in (start, end))


def _action(session: Session, group: Group, prefix: str) -> ActionPublic:
    kind = getattr(group, f"{prefix}_kind")
    return ActionPublic(
        action=kind,
        target=group_edits.target_name(session, kind, getattr(group, f"{prefix}_target")),
        clip=group_edits.clip_name(session, group.tenant_id, getattr(group, f"{prefix}_clip")),
    )


def _changed(
    ctx: ContextDep, group_id: int, *, member_of: int | None = None, extra: tuple[Event, ...] = ()
) -> None:
    """After the commit: tell the engine about the stored group (and a member)."""
    with ctx.sessions() as session:
        events = group_edits.engine_events(session, group_id, member_of)
    for event in (*events, *extra):
        ctx.live.feed(event)


def _read(ctx: ContextDep, me: Principal, group_id: int) -> GroupDetail:
    with ctx.sessions() as session:
        return _detail(ctx, session, _group(session, me, group_id, full=True))


@router.get("/groups", response_model=list[GroupSummary], responses={403: {}})
def list_groups(me: CurrentUser, ctx: ContextDep) -> list[GroupSummary]:
    """My company's call-center groups with their live state (managers, tenant admins)."""
    if not _may_manage(me) or me.tenant_id is None:
        raise HTTPException(403, "you do not have the manager right")
    with ctx.sessions() as session:
        return [_summary(ctx, g)[0] for g in group_edits.tenant_groups(session, me.tenant_id)]


@router.get("/groups/{group_id}", response_model=GroupDetail, responses={404: {}})
def get_group(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> GroupDetail:
    """Numbers, settings, calendar, override and the members with their live state."""
    return _read(ctx, me, group_id)


@router.patch("/groups/{group_id}", response_model=GroupDetail, responses={404: {}, 422: {}})
def update_group(
    group_id: RowId, body: GroupUpdate, me: CurrentUser, ctx: ContextDep
) -> GroupDetail:
    """Name, policy, queue settings, overflow actions; only what is given changes."""
    given = body.model_fields_set
    with ctx.sessions.begin() as session:
        group = _group(session, me, group_id)
        if body.name is not None and group_edits.name_taken(session, group, body.name):
            raise _invalid([Problem(("name",), f"another group is called {body.name!r}")])
        renamed = body.name is not None and body.name != group.name
        if body.name is not None:
            group.name = body.name
        fields: dict[str, Any] = {name: getattr(body, name) for name in given - {"name"}}
        problems = group_edits.apply_settings(session, group, fields)
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
    _changed(ctx, group_id)
    if renamed:
        ctx.live.directory_changed()
    return _read(ctx, me, group_id)


@router.put("/groups/{group_id}/override", status_code=204, responses={404: {}})
def set_override(group_id: RowId, body: OverrideUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Open or close the group whatever its calendar says; null follows the calendar."""
    with ctx.sessions.begin() as session:
        group = _group(session, me, group_id)
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
    _changed(ctx, group_id, extra=(GroupOverrideSet(group_id=str(group_id), mode=mode),))


@router.put("/groups/{group_id}/hours", status_code=204, responses={404: {}, 422: {}})
def set_hours(group_id: RowId, body: CalendarUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """The weekly opening hours and dated exceptions (and, when given, the time zone and
    holiday country), as a whole."""
    fields = {"hours": body.hours, "exceptions": body.exceptions}
    fields |= {name: getattr(body, name) for name in ("timezone", "holidays")}
    given = {"hours", "exceptions"} | (body.model_fields_set & {"timezone", "holidays"})
    with ctx.sessions.begin() as session:
        group = _group(session, me, group_id)
        problems = group_edits.apply_settings(
            session, group, {k: v for k, v in fields.items() if k in given}
        )
        if problems:
            raise _invalid(problems)
        _audit(session, me, ctx, "group.hours", group_id, _calendar_details(body, given))
    _changed(ctx, group_id)


def _calendar_details(body: CalendarUpdate, given: set[str]) -> dict[str, Any]:
    """The new calendar as written, for the audit log."""
    details: dict[str, Any] = {
        "hours": {
            ",".join(DAYS[d] for d in days): [_hhmm(*r) for r in ranges]
            for days, ranges in body.hours.items()
        },
        "exceptions": [
            {"date": e.day.isoformat(), "hours": [_hhmm(*r) for r in e.hours], "note": e.note}
            for e in body.exceptions
        ],
    }
    return details | {
        name: getattr(body, name) for name in ("timezone", "holidays") if name in given
    }


@router.put("/groups/{group_id}/members/{user_id}", status_code=204, responses={404: {}, 422: {}})
def set_member(
    group_id: RowId, user_id: RowId, body: MemberUpdate, me: CurrentUser, ctx: ContextDep
) -> None:
    """Add an agent of the company to the group, or change their order and weight."""
    with ctx.sessions.begin() as session:
        group = _group(session, me, group_id)
        user = session.get(User, user_id)
        if user is None or user.tenant_id != group.tenant_id:
            raise HTTPException(404, "no such user")
        if not user.agent:
            raise _invalid(
                [Problem(("user_id",), "the user does not have the agent right")], "path"
            )
        row, created = group_edits.set_member(session, group, user, body.order, body.weight)
        action = "group.member_add" if created else "group.member_update"
        details = {"user_id": user_id, "order": row.ring_order, "weight": row.weight}
        _audit(session, me, ctx, action, group_id, details)
    _changed(ctx, group_id, member_of=user_id)
    if created:
        ctx.live.directory_changed()


@router.delete("/groups/{group_id}/members/{user_id}", status_code=204, responses={404: {}})
def remove_member(group_id: RowId, user_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    """Take an agent out of the group (a call ringing them for it stops ringing)."""
    with ctx.sessions.begin() as session:
        _group(session, me, group_id)
        row = group_edits.member(session, group_id, user_id)
        if row is None:
            raise HTTPException(404, "no such member")
        session.delete(row)
        _audit(session, me, ctx, "group.member_remove", group_id, {"user_id": user_id})
    removed = MemberRemoved(group_id=str(group_id), agent_id=str(user_id))
    _changed(ctx, group_id, extra=(removed,))
    ctx.live.directory_changed()


@router.get(
    "/groups/{group_id}/candidates", response_model=list[CandidatePublic], responses={404: {}}
)
def list_candidates(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> list[CandidatePublic]:
    """The company's enabled users with the agent right: who may be added to the group."""
    with ctx.sessions() as session:
        group = _group(session, me, group_id)
        members = set(
            session.scalars(select(Membership.user_id).where(Membership.group_id == group.id))
        )
        users = session.scalars(
            select(User)
            .where(User.tenant_id == group.tenant_id, User.agent, User.disabled.is_(False))
            .order_by(User.username)
        )
        return [
            CandidatePublic(
                user_id=u.id,
                username=u.username,
                name=u.display_name or u.username,
                member=u.id in members,
            )
            for u in users
        ]


def _admin_of_call_center(session: Session, me: Principal) -> int:
    """The tenant of a tenant admin whose company has the call-center add-on (else 403)."""
    if not me.tenant_admin or me.tenant_id is None:
        raise HTTPException(403, "only a tenant admin creates and deletes groups")
    if not session.scalar(select(Tenant.call_center).where(Tenant.id == me.tenant_id)):
        raise HTTPException(403, "your company does not have the call-center add-on")
    return me.tenant_id


@router.post("/groups", response_model=GroupDetail, status_code=201, responses={403: {}, 409: {}})
def create_group(body: GroupCreate, me: CurrentUser, ctx: ContextDep) -> GroupDetail:
    """A new group (closed until it has opening hours or an override; add numbers through
    the numbers endpoints and agents through its members)."""
    with ctx.sessions.begin() as session:
        tenant = _admin_of_call_center(session, me)
        taken = session.scalar(
            select(Group.id).where(Group.tenant_id == tenant, Group.name == body.name)
        )
        if taken is not None:
            raise HTTPException(409, f"your company already has a group called {body.name!r}")
        group = Group(tenant_id=tenant, name=body.name, policy=body.policy)
        session.add(group)
        session.flush()
        group_id = group.id
        _audit(session, me, ctx, "group.create", group_id, {"name": body.name})
    _changed(ctx, group_id)
    ctx.live.directory_changed()
    return _read(ctx, me, group_id)


@router.delete("/groups/{group_id}", status_code=204, responses={403: {}, 404: {}, 409: {}})
def delete_group(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    """Delete a group with no numbers left (callers still queued are ended; its call history
    stays)."""
    with ctx.sessions.begin() as session:
        tenant = _admin_of_call_center(session, me)
        group = group_edits.tenant_group(session, tenant, group_id)
        if group is None:
            raise HTTPException(404, NOT_FOUND)
        numbers = list(session.scalars(select(Number.e164).where(Number.group_id == group_id)))
        if numbers:
            raise HTTPException(
                409, f"the group still has numbers ({', '.join(numbers)}); take them away first"
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
            raise HTTPException(409, f"groups overflow to it: {', '.join(used)}")
        _audit(session, me, ctx, "group.delete", group_id, {"name": group.name})
        session.delete(group)
    ctx.live.feed(GroupRemoved(group_id=str(group_id)))
    ctx.live.directory_changed()
