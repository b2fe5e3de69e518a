"""The full call history and the agent log, filtered and paged: managers see their company's,
an agent their own agent log."""

from __future__ import annotations

from datetime import datetime

from helin.acd.model import Outcome
from helin.api.context import ApiContext
from helin.api.schemas.history import AgentEventPage, AgentEventPublic, CallPage, CallPublic
from helin.api.services.errors import Forbidden
from helin.api.services.security import Principal, may_manage
from helin.store.calls import history
from helin.store.tables.enums import AgentEventKind, Direction


def list_calls(
    ctx: ApiContext,
    me: Principal,
    *,
    group_id: int | None,
    agent_id: int | None,
    direction: Direction | None,
    outcome: Outcome | None,
    missed: bool | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> CallPage:
    """Every call of the company, newest first (one row per group a call visited)."""
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("the call history is for managers")
    where = history.CallFilter(group_id, agent_id, direction, outcome, missed, since, until)
    with ctx.sessions() as session:
        total, page = history.calls(session, me.tenant_id, where, limit=limit, offset=offset)
        items = [
            CallPublic(
                id=c.id,
                call_id=c.call_id,
                segment=c.segment,
                direction=c.direction,
                group_id=c.group_id,
                agent_id=c.agent_id,
                caller=c.caller,
                number=c.number,
                arrived_at=c.arrived_at,
                queued_at=c.queued_at,
                first_offered_at=c.first_offered_at,
                answered_at=c.answered_at,
                ended_at=c.ended_at,
                outcome=c.outcome,
                overflow_reason=c.overflow_reason,
                forwarded_to=c.forwarded_to,
                overflow_group_id=c.overflow_group_id,
                offers=c.offers,
                missed=history.is_missed(c),
                recording_id=recording,
            )
            for c, recording in page
        ]
    return CallPage(total=total, items=items)


def list_agent_events(
    ctx: ApiContext,
    me: Principal,
    *,
    agent_id: int | None,
    group_id: int | None,
    kind: AgentEventKind | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> AgentEventPage:
    """The agent log, newest first: a manager's company's agents, or an agent's own."""
    if me.tenant_id is None or not (me.manager or me.tenant_admin or me.agent):
        raise Forbidden("the agent log is for agents and managers")
    if not (me.manager or me.tenant_admin):
        agent_id = me.user_id
    where = history.EventFilter(agent_id, group_id, kind, since, until)
    with ctx.sessions() as session:
        total, page = history.agent_events(session, me.tenant_id, where, limit=limit, offset=offset)
        items = [
            AgentEventPublic(
                id=e.id,
                agent_id=e.agent_id,
                at=e.at,
                kind=e.kind,
                group_id=e.group_id,
                reason=e.reason,
            )
            for e in page
        ]
    return AgentEventPage(total=total, items=items)
