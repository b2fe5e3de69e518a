"""Statistics: ``/api/v1/stats/groups`` and ``/api/v1/stats/agents`` (JSON, or
``format=csv`` or ``format=xlsx``), ``/api/v1/stats/dispositions`` (JSON)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from helin.api.deps import ContextDep, CurrentUser
from helin.api.routes import files
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.schemas.stats import AgentStatsPublic, DispositionStatsPublic, StatsPublic
from helin.api.services import agent_stats as agent_stats_service
from helin.api.services import export, stats
from helin.stats.metrics import SlFormula
from helin.stats.rollup import Period

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


@router.get(
    "/groups",
    response_model=StatsPublic,
    responses={403: {}, 404: {}, 422: {}, **files.EXPORTS},
)
def group_stats(
    me: CurrentUser,
    ctx: ContextDep,
    since: date,
    until: date,
    group_id: Annotated[list[int], Query(description="repeat for several groups")] = [],  # noqa: B006
    interval: Period = Period.HOUR,
    threshold: Annotated[int | None, Query(description="T in seconds; the group's own")] = None,
    formula: SlFormula = SlFormula.OFFERED,
    weekday: Annotated[list[int], Query(description="ISO weekdays kept, 1 is Monday")] = [],  # noqa: B006
    from_hour: Annotated[int, Query(ge=0, le=23)] = 0,
    to_hour: Annotated[int, Query(ge=1, le=24)] = 24,
    format: files.Format = "json",
) -> StatsPublic | Response:
    """Each group's figures per period of its own time zone (``until`` inclusive), and over
    the whole range; the method used (service-level formula, T, short-abandon threshold,
    target) comes with each group."""
    if any(not 1 <= g <= MAX_ROW_ID for g in group_id):
        group_id = [0]  # found by nobody: 404, as for another company's group
    query = stats.StatsQuery(
        group_ids=group_id,
        since=since,
        until=until,
        interval=interval,
        threshold=threshold,
        formula=formula,
        weekdays=frozenset(weekday or range(1, 8)),
        hours=(from_hour, to_hour),
    )
    result = stats.group_stats(ctx, me, query)
    name = f"group-stats-{since.isoformat()}-{until.isoformat()}"
    if format == "csv":
        return files.download(stats.as_csv(result), format, name)
    if format == "xlsx":
        return files.download(stats.as_xlsx(result), format, name)
    return result


@router.get(
    "/agents",
    response_model=AgentStatsPublic,
    responses={403: {}, 404: {}, 422: {}, **files.EXPORTS},
)
def agent_stats(
    me: CurrentUser,
    ctx: ContextDep,
    since: date,
    until: date,
    group_id: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="one group's calls; all groups")
    ] = None,
    agent_id: Annotated[list[int], Query(description="repeat for several agents")] = [],  # noqa: B006
    interval: Period = Period.DAY,
    format: files.Format = "json",
) -> AgentStatsPublic | Response:
    """Each agent's time in each state (seconds, adding up to ``logged_in``), offers, calls,
    occupancy and AHT per period (``until`` inclusive) and over the whole range: for one
    group's calls, or over all groups at once. Managers see every agent of their company
    (all of them without ``agent_id``); an agent sees their own."""
    if any(not 1 <= a <= MAX_ROW_ID for a in agent_id):
        agent_id = [0]  # found by nobody
    query = agent_stats_service.AgentQuery(
        range=stats.StatsQuery(group_ids=[], since=since, until=until, interval=interval),
        group_id=group_id,
        agent_ids=tuple(agent_id),
    )
    result = agent_stats_service.agent_stats(ctx, me, query)
    name = f"agent-stats-{since.isoformat()}-{until.isoformat()}"
    if format == "json":
        return result
    tables = agent_stats_service.tables(result)
    body = export.as_csv(tables) if format == "csv" else export.as_xlsx(tables)
    return files.download(body, format, name)


@router.get(
    "/dispositions",
    response_model=DispositionStatsPublic,
    responses={403: {}, 404: {}, 422: {}},
)
def disposition_stats(
    me: CurrentUser,
    ctx: ContextDep,
    since: date,
    until: date,
    group_id: Annotated[
        list[int], Query(description="repeat for several groups; all without")
    ] = [],  # noqa: B006
) -> DispositionStatsPublic:
    """Each group's answered calls by disposition code (and those without one) over whole
    days of the group's time zone, ``until`` inclusive."""
    if any(not 1 <= g <= MAX_ROW_ID for g in group_id):
        group_id = [0]  # found by nobody: 404, as for another company's group
    query = stats.StatsQuery(group_ids=group_id, since=since, until=until, interval=Period.DAY)
    return stats.disposition_stats(ctx, me, query)
