"""The full call history and the agent log: ``/api/v1/calls`` (a call: ``/calls/{id}``),
``/api/v1/agent-events`` (the raw events) and ``/api/v1/agent-log`` (an agent's day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from helin.acd.model import Outcome
from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.routes import files
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.schemas.history import AgentEventPage, AgentLogPublic, CallDetailPublic, CallPage
from helin.api.services import agentlog, export, history
from helin.store.tables.enums import AgentEventKind, Direction

router = APIRouter(prefix="/api/v1", tags=["history"])

Id = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]
Contains = Annotated[str | None, Query(max_length=64, description="contains this text")]


@router.get("/calls", response_model=CallPage, responses={403: {}, 422: {}, **files.EXPORTS})
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
    caller: Contains = None,
    number: Contains = None,
    disposition_id: Id = None,
    sort: history.CallSort = history.CallSort.ARRIVED,
    order: Literal["asc", "desc"] = "desc",
    cursor: Annotated[
        str | None, Query(max_length=512, description="a page's next_cursor or previous_cursor")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format: files.Format = "json",
) -> CallPage | Response:
    """The company's calls (one row per group a call visited), newest first unless
    ``sort`` and ``order`` say otherwise, a page at a time: follow ``next_cursor`` and
    ``previous_cursor`` (``offset`` still works, without a cursor). ``format=csv`` or
    ``xlsx``: every matching call (at most 100,000) in that order, in one file."""
    query = history.CallQuery(
        where=history.CallFilter(
            group_id,
            agent_id,
            direction,
            outcome,
            missed,
            since,
            until,
            caller or None,
            number or None,
            disposition_id,
        ),
        sort=sort,
        descending=order == "desc",
        cursor=cursor,
        limit=limit,
        offset=offset,
    )
    if format == "json":
        return history.list_calls(ctx, me, query)
    table = history.calls_table(ctx, me, query)
    body = export.as_csv([table]) if format == "csv" else export.as_xlsx([table])
    return files.download(body, format, "calls")


@router.get("/calls/{row_id}", response_model=CallDetailPublic, responses={403: {}, 404: {}})
def get_call(me: CurrentUser, ctx: ContextDep, row_id: RowId) -> CallDetailPublic:
    """The whole call that call row ``row_id`` (an ``id`` of ``GET /calls``) is part of:
    every segment (its path through the groups) with its recording, every ring of an
    agent."""
    return history.call_detail(ctx, me, row_id)


@router.get(
    "/agent-log",
    response_model=AgentLogPublic,
    responses={403: {}, 404: {}, **files.EXPORTS},
)
def get_agent_log(
    me: CurrentUser,
    ctx: ContextDep,
    agent_id: Id = None,
    day: Annotated[date | None, Query(description="the agent's local day; today")] = None,
    all: Annotated[bool, Query(description="also every state change")] = False,
    format: files.Format = "json",
) -> AgentLogPublic | Response:
    """One agent's day in time order: log-ins and log-outs, DND, wrap-ups, bounces and
    missed rings, in the agent's time zone. Managers read their company's agents (the first
    by name unless ``agent_id``); an agent reads their own."""
    log = agentlog.agent_log(ctx, me, agent_id=agent_id, day=day, everything=all)
    if format == "json":
        return log
    table = agentlog.log_table(log)
    body = export.as_csv([table]) if format == "csv" else export.as_xlsx([table])
    return files.download(body, format, f"agent-log-{log.agent_id}-{log.day.isoformat()}")


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
