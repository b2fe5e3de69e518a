"""The full call history and the agent log: filtered and paged, for managers (agents see
their own agent log)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from helin.acd.model import Outcome
from helin.api.deps import ContextDep, CurrentUser
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.schemas.history import AgentEventPage, AgentEventPublic, CallPage, CallPublic
from helin.api.services.security import Principal
from helin.store import history
from helin.store.enums import AgentEventKind, Direction

router = APIRouter(prefix="/api/v1", tags=["history"])

Id = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]


def _manager(me: Principal) -> int:
    if not (me.manager or me.tenant_admin) or me.tenant_id is None:
        raise HTTPException(403, "the call history is for managers")
    return me.tenant_id


@router.get("/calls", response_model=CallPage, responses={403: {}})
def list_calls(
    me: CurrentUser,
    ctx: ContextDep,
    group_id: Id = None,
    agent_id: Id = None,
    direction: Direction | None = None,
    outcome: Outcome | None = None,
    missed: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CallPage:
    """Every call of the company, newest first (one row per group a call visited)."""
    tenant = _manager(me)
    where = history.CallFilter(group_id, agent_id, direction, outcome, missed, since, until)
    with ctx.sessions() as session:
        total, page = history.calls(session, tenant, where, limit=limit, offset=offset)
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
                offers=c.offers,
                missed=history.is_missed(c),
                recording_id=recording,
            )
            for c, recording in page
        ]
    return CallPage(total=total, items=items)


@router.get("/agent-events", response_model=AgentEventPage, responses={403: {}})
def list_agent_events(
    me: CurrentUser,
    ctx: ContextDep,
    agent_id: Id = None,
    group_id: Id = None,
    kind: AgentEventKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AgentEventPage:
    """The agent log: log-ins, log-outs, DND, wrap-up, bounces, newest first. Managers see
    their company's agents; an agent sees their own."""
    if me.tenant_id is None or not (me.manager or me.tenant_admin or me.agent):
        raise HTTPException(403, "the agent log is for agents and managers")
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
