"""Live state: every group's open/closed, queue and agents with their phones.

A manager (or tenant admin) sees every call-center group of their company; an agent sees the
groups they belong to; anyone else sees none.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.acd.model import AgentState
from helin.api.context import ApiContext
from helin.api.schemas.devices import DeviceStatus
from helin.api.schemas.live import LiveAgent, LiveAgentCounts, LiveGroup, LiveState
from helin.api.services import pauses
from helin.api.services.security import Principal
from helin.store.tables import Group, Tenant, User
from helin.store.tables.callcenter import Membership


def _visible_groups(session: Session, me: Principal) -> list[Group]:
    query = (
        select(Group)
        .join(Tenant, Group.tenant_id == Tenant.id)
        .where(Tenant.call_center, Group.tenant_id == me.tenant_id)
        .options(
            selectinload(Group.memberships).selectinload(Membership.user).selectinload(User.devices)
        )
        .order_by(Group.name, Group.id)
    )
    if not (me.manager or me.tenant_admin):
        if not me.agent:
            return []
        mine = select(Membership.group_id).where(Membership.user_id == me.user_id)
        query = query.where(Group.id.in_(mine))
    return list(session.scalars(query))


def snapshot(ctx: ApiContext, me: Principal) -> LiveState:
    """The groups ``me`` may see, as they are now."""
    live = ctx.live
    groups = []
    with ctx.sessions() as session:
        reasons = pauses.reason_names(session, me.tenant_id)
        for group in _visible_groups(session, me):
            status = live.group_status(str(group.id))
            members = []
            for member in sorted(group.memberships, key=lambda m: (m.ring_order, m.user_id)):
                user = member.user
                state = live.agent_state(str(user.id))
                logged_in = member.logged_in
                if status is not None:
                    found = next((m for m in status.members if m.agent_id == str(user.id)), None)
                    logged_in = found.logged_in if found else logged_in
                members.append(
                    LiveAgent(
                        user_id=user.id,
                        name=user.display_name or user.username,
                        logged_in=logged_in,
                        state=state.value,
                        pause_reason_id=user.pause_reason_id,
                        pause=reasons.get(user.pause_reason_id or 0),
                        paused_since=user.paused_at if user.pause_reason_id else None,
                        devices=[
                            DeviceStatus(
                                id=d.id,
                                kind=d.kind.value,
                                label=d.label,
                                status=live.device_status(str(d.id)),
                            )
                            for d in sorted(user.devices, key=lambda d: d.id)
                        ],
                    )
                )
            working = [m for m in members if m.logged_in]

            def count(state: AgentState, among: list[LiveAgent] = working) -> int:
                return sum(m.state == state.value for m in among)

            groups.append(
                LiveGroup(
                    id=group.id,
                    name=group.name,
                    log_version=live.log_version(group.id),
                    open=status.open if status else None,
                    queued=status.queued if status else 0,
                    longest_wait=round(status.longest_wait, 1) if status else 0.0,
                    agents=LiveAgentCounts(
                        logged_in=len(working),
                        available=count(AgentState.AVAILABLE),
                        ringing=count(AgentState.RINGING),
                        on_call=count(AgentState.ON_CALL),
                        wrap_up=count(AgentState.WRAP_UP),
                        dnd=count(AgentState.DND),
                        paused=count(AgentState.PAUSED),
                    ),
                    members=members,
                )
            )
    return LiveState(at=ctx.clock(), groups=groups)
