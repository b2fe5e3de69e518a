"""The full call history and the agent log: ``/api/v1/calls`` and ``/api/v1/agent-events``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from helin.acd.model import Outcome
from helin.api.deps import ContextDep, CurrentUser
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.schemas.history import AgentEventPage, CallPage
from helin.api.services import history
from helin.store.tables.enums import AgentEventKind, Direction

router = APIRouter(prefix="/api/v1", tags=["history"])

Id = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]


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
    return history.list_calls(
        ctx,
        me,
        group_id=group_id,
        agent_id=agent_id,
        direction=direction,
        outcome=outcome,
        missed=missed,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


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
    return history.list_agent_events(
        ctx,
        me,
        agent_id=agent_id,
        group_id=group_id,
        kind=kind,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
