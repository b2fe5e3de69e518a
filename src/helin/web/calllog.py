"""The manager's call log (every call, filtered, sorted by any column, a page at a time),
a call's detail, and the agent log (a manager's of any agent of the company, an agent's of
themself).

Rendered from the same services as ``GET /api/v1/calls``, ``/api/v1/calls/{id}`` and
``/api/v1/agent-log``; the export links are those API calls with ``format=csv`` or
``xlsx``. Times are shown in the call's group's time zone (the agent log: the agent's), as
the statistics are. Sorting and paging are plain links, so the pages work without script;
``static/calllog.js`` only makes a whole row open the call and the filters apply at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from helin.acd.model import Outcome
from helin.api.deps import RowId, context
from helin.api.schemas.history import CallPublic
from helin.api.services import agentlog, dispositions, groups, history
from helin.api.services.errors import Forbidden, Invalid, NotFound
from helin.store.tables.enums import Direction
from helin.web import render, views

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SORTS = [s.value for s in history.CallSort]
COLUMNS = SORTS
"""The table's columns, in order, each sortable."""
Text = Annotated[str | None, Query(max_length=64)]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 2**31 else None


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    return "" if seconds is None else views.wait_text(seconds)


@dataclass(frozen=True, slots=True)
class CallLine:
    call: CallPublic
    at: str
    """Arrival in the group's time zone."""
    wait: str
    talk: str


def _lines(items: list[CallPublic], default: str) -> list[CallLine]:
    out = []
    for c in items:
        zone = ZoneInfo(c.timezone or default)
        out.append(CallLine(c, _local(c.arrived_at, zone), _duration(c.wait), _duration(c.talk)))
    return out


@router.get("/manager/calls")
def calls_page(
    request: Request,
    group_id: Text = None,
    agent_id: Text = None,
    direction: Text = None,
    outcome: Text = None,
    missed: Text = None,
    since: Text = None,
    until: Text = None,
    caller: Text = None,
    number: Text = None,
    disposition_id: Text = None,
    sort: Text = None,
    order: Text = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Every call of the company, today's by default, newest first unless sorted."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = context(request), viewer.me
    zone = ZoneInfo(history.log_zone(ctx, me))
    today = datetime.now(zone).date()
    first = _day(since) or today
    last = _day(until) or first
    the_direction = Direction(direction) if direction in set(Direction) else None
    the_outcome = Outcome(outcome) if outcome in set(Outcome) else None
    the_sort = history.CallSort(sort) if sort in SORTS else history.CallSort.ARRIVED
    the_order = order if order in ("asc", "desc") else "desc"
    the_missed = missed if missed in ("true", "false") else None
    where = history.CallFilter(
        group_id=_id(group_id),
        agent_id=_id(agent_id),
        direction=the_direction,
        outcome=the_outcome,
        missed=None if the_missed is None else the_missed == "true",
        since=datetime.combine(first, time(0), zone).astimezone(UTC),
        until=datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC),
        caller=(caller or "").strip() or None,
        number=(number or "").strip() or None,
        disposition_id=_id(disposition_id),
    )
    query = history.CallQuery(
        where=where,
        sort=the_sort,
        descending=the_order == "desc",
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    chosen: dict[str, Any] = {
        "group_id": where.group_id,
        "agent_id": where.agent_id,
        "direction": the_direction and the_direction.value,
        "outcome": the_outcome and the_outcome.value,
        "missed": the_missed,
        "since": first.isoformat(),
        "until": last.isoformat(),
        "caller": where.caller,
        "number": where.number,
        "disposition_id": where.disposition_id,
        "sort": the_sort.value,
        "order": the_order,
    }
    filters = {k: v for k, v in chosen.items() if v is not None}
    values: dict[str, Any] = {
        "filters": filters,
        "groups": groups.list_groups(ctx, me),
        "agents": agentlog.agents(ctx, me),
        "directions": [d.value for d in Direction],
        "outcomes": [o.value for o in Outcome],
        "codes": dispositions.company_codes(ctx, me),
        "columns": COLUMNS,
        "timezone": zone.key,
        "problem": None,
        "page": None,
        "lines": [],
    }
    assert where.since is not None and where.until is not None
    api_query = {**filters, "since": where.since.isoformat(), "until": where.until.isoformat()}
    values["csv"] = "/api/v1/calls?" + urlencode({**api_query, "format": "csv"})
    values["xlsx"] = "/api/v1/calls?" + urlencode({**api_query, "format": "xlsx"})
    values["link"] = lambda **changes: (
        "/manager/calls?"
        + urlencode({k: v for k, v in {**filters, **changes}.items() if v is not None})
    )
    try:
        found = history.list_calls(ctx, me, query)
    except Invalid as exc:
        values["problem"] = "; ".join(
            str(item["msg"]) for item in exc.detail if isinstance(item, dict)
        )
        return render.page(request, "calls.html", viewer, **values)
    values["page"] = found
    values["lines"] = _lines(found.items, zone.key)
    return render.page(request, "calls.html", viewer, **values)


@router.get("/manager/calls/{row_id}")
def call_page(request: Request, row_id: RowId) -> Response:
    """One call: its path through the groups, every ring of an agent, its recording."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = context(request), viewer.me
    try:
        found = history.call_detail(ctx, me, row_id)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    zone = ZoneInfo(found.segments[0].timezone or history.log_zone(ctx, me))
    return render.page(
        request,
        "call.html",
        viewer,
        call=found,
        row_id=row_id,
        timezone=zone.key,
        local=lambda moment: _local(moment, zone),
        duration=_duration,
    )


def _agent_log(request: Request, viewer: render.Viewer, path: str, **asked: Any) -> Response:
    ctx, me = context(request), viewer.me
    everything = asked["everything"]
    try:
        log = agentlog.agent_log(
            ctx, me, agent_id=asked["agent_id"], day=asked["day"], everything=everything
        )
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    zone = ZoneInfo(log.timezone)
    query = {"agent_id": log.agent_id, "day": log.day.isoformat()}
    if everything:
        query["all"] = "true"
    return render.page(
        request,
        "agentlog.html",
        viewer,
        log=log,
        action=path,
        agents=agentlog.agents(ctx, me) if path.startswith("/manager") else [],
        local=lambda moment: "" if moment is None else moment.astimezone(zone).strftime("%H:%M:%S"),
        duration=_duration,
        managing=path.startswith("/manager"),
        csv="/api/v1/agent-log?" + urlencode({**query, "format": "csv"}),
        xlsx="/api/v1/agent-log?" + urlencode({**query, "format": "xlsx"}),
    )


@router.get("/manager/agent-log")
def agent_log_page(
    request: Request, agent_id: Text = None, day: Text = None, all: Text = None
) -> Response:
    """Any agent's day (the first agent by name, today, by default)."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    return _agent_log(
        request,
        viewer,
        "/manager/agent-log",
        agent_id=_id(agent_id),
        day=_day(day),
        everything=all == "true",
    )


@router.get("/agent/log")
def my_log_page(request: Request, day: Text = None, all: Text = None) -> Response:
    """The signed-in agent's own day."""
    viewer = render.viewer_of(request)
    if viewer is None:
        return render.to_login(request)
    if not viewer.me.agent:
        return render.page(request, "missing.html", viewer, status=404)
    try:
        return _agent_log(
            request, viewer, "/agent/log", agent_id=None, day=_day(day), everything=all == "true"
        )
    except Forbidden:
        return render.page(request, "missing.html", viewer, status=404)
