"""The managers' view of their company's call-center groups: the list with live state, one
group's detail, and the agents who could join it.

A manager (or a tenant admin) sees every group of their own company. Anyone else is refused
the list (``Forbidden``) and any one group (``NotFound``, as for another company's group:
helin does not reveal that it exists). Changes are in ``group_changes``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.model import AgentState, GroupStatus
from helin.api.context import ApiContext
from helin.api.schemas.devices import DeviceStatus
from helin.api.schemas.groups import (
    ActionPublic,
    AgentCounts,
    CandidatePublic,
    ExceptionPublic,
    GroupDetail,
    GroupSummary,
    MemberPublic,
    OverflowPublic,
)
from helin.api.services import codes, pauses
from helin.api.services.errors import Forbidden, NotFound
from helin.api.services.security import Principal, may_manage
from helin.store import groups
from helin.store.provisioning.schema import DAYS, OVERFLOW_COLUMNS, QueueSpec
from helin.store.tables import Group, User
from helin.store.tables.callcenter import QUEUE_CLIPS, Membership

_BUSY = (AgentState.ON_CALL, AgentState.BUSY)
NOT_FOUND = "no such group"


def managed_group(session: Session, me: Principal, group_id: int, *, full: bool = False) -> Group:
    """The group if ``me`` may manage it (``full``: with what the detail shows loaded);
    ``NotFound`` otherwise, whether or not it exists."""
    group = None
    if may_manage(me) and me.tenant_id is not None:
        if full:
            found = groups.in_tenant(session, me.tenant_id, group_id)
            group = found[0] if found else None
        else:
            group = groups.get(session, me.tenant_id, group_id)
    if group is None:
        raise NotFound(NOT_FOUND)
    return group


def _summary(ctx: ApiContext, group: Group) -> tuple[GroupSummary, GroupStatus | None]:
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
            paused=sum(m.state is AgentState.PAUSED for m in working),
        ),
    )
    return summary, status


def _detail(ctx: ApiContext, session: Session, group: Group) -> GroupDetail:
    summary, status = _summary(ctx, group)
    live = {m.agent_id: m.logged_in for m in status.members} if status else {}
    reasons = pauses.reason_names(session, group.tenant_id)
    weekly: dict[str, list[str]] = {}
    for hours in group.weekly_hours:
        weekly.setdefault(DAYS[hours.weekday], []).append(
            hhmm(hours.start_minute, hours.end_minute)
        )
    members = [
        MemberPublic(
            user_id=m.user_id,
            username=m.user.username,
            name=m.user.display_name or m.user.username,
            order=m.ring_order,
            weight=m.weight,
            priority=m.priority,
            logged_in=live.get(str(m.user_id), m.logged_in),
            state=ctx.live.agent_state(str(m.user_id)).value,
            pause=reasons.get(m.user.pause_reason_id or 0),
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
        **{name: getattr(group, name) for name in QueueSpec.model_fields if name not in QUEUE_CLIPS}
        | {
            name: groups.clip_name(session, group.tenant_id, getattr(group, name))
            for name in QUEUE_CLIPS
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
                hours=[hhmm(r.start_minute, r.end_minute) for r in e.ranges],
                note=e.note,
            )
            for e in group.exceptions
        ],
        queue=queue,
        overflow=OverflowPublic(
            **{key: _action(session, group, prefix) for key, prefix in OVERFLOW_COLUMNS.items()}
        ),
        members=members,
        dispositions=[codes.public(d) for d in group.dispositions],
    )


def hhmm(start: int, end: int) -> str:
    """Minutes of the day as a range: ``08:00-17:00``."""
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in (start, end))


def _action(session: Session, group: Group, prefix: str) -> ActionPublic:
    kind = getattr(group, f"{prefix}_kind")
    return ActionPublic(
        action=kind,
        target=groups.target_name(session, kind, getattr(group, f"{prefix}_target")),
        clip=groups.clip_name(session, group.tenant_id, getattr(group, f"{prefix}_clip")),
    )


def list_groups(ctx: ApiContext, me: Principal) -> list[GroupSummary]:
    """My company's call-center groups with their live state (managers, tenant admins)."""
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("you do not have the manager right")
    with ctx.sessions() as session:
        return [_summary(ctx, g)[0] for g in groups.in_tenant(session, me.tenant_id)]


def get_group(ctx: ApiContext, me: Principal, group_id: int) -> GroupDetail:
    """Numbers, settings, calendar, override and the members with their live state."""
    with ctx.sessions() as session:
        return _detail(ctx, session, managed_group(session, me, group_id, full=True))


def list_candidates(ctx: ApiContext, me: Principal, group_id: int) -> list[CandidatePublic]:
    """The company's enabled users with the agent right: who may be added to the group."""
    with ctx.sessions() as session:
        group = managed_group(session, me, group_id)
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
