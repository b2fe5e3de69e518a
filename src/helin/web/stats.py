"""The statistics pages: groups' figures per period, and agents' (the manager's view of
every agent, an agent's of their own), each with a chart, the method, CSV and XLSX.

The tables are rendered here from the same services as ``GET /api/v1/stats/groups`` and
``/agents``; the charts (``static/stats.js``, ``static/agent_stats.js``, uPlot served from
helin's own static files) are drawn from those APIs' JSON for the same query, and the
download links are the APIs' ``format=csv`` and ``format=xlsx``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from helin.api.deps import context
from helin.api.services import agent_stats, groups, stats
from helin.api.services.errors import Invalid, NotFound
from helin.stats.figures import AGENT_STATES
from helin.stats.metrics import SL_FORMULAS, THRESHOLDS, SlFormula
from helin.stats.rollup import Period
from helin.web import render, views

router = APIRouter(include_in_schema=False)


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@router.get("/manager/stats")
def stats_page(
    request: Request,
    group_id: Annotated[list[int], Query()] = [],  # noqa: B006
    since: str | None = None,
    until: str | None = None,
    interval: Period = Period.HOUR,
    threshold: Annotated[str | None, Query(max_length=4)] = None,
    formula: SlFormula = SlFormula.OFFERED,
    weekday: Annotated[list[int], Query()] = [],  # noqa: B006
    from_hour: Annotated[int, Query(ge=0, le=23)] = 0,
    to_hour: Annotated[int, Query(ge=1, le=24)] = 24,
) -> Response:
    """Groups' figures side by side (the first group by default), today by hour unless asked;
    only some weekdays and hours of the day if asked."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = context(request), viewer.me
    seconds = int(threshold) if threshold and threshold.isdigit() else None  # "": the group's
    choices = groups.list_groups(ctx, me)
    values: dict[str, Any] = {
        "choices": choices,
        "intervals": [p.value for p in Period],
        "thresholds": THRESHOLDS,
        "formulas": [(f.value, SL_FORMULAS[f]) for f in SlFormula],
        "results": [],
        "problem": None,
    }
    if not choices:
        return render.page(request, "stats.html", viewer, **values, query={"group_id": []})
    chosen = [g for g in dict.fromkeys(group_id) if 1 <= g <= 2**31 - 1] or [choices[0].id]
    try:
        zone = ZoneInfo(groups.get_group(ctx, me, chosen[0]).timezone)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    today = datetime.now(zone).date()
    first, last = _day(since, today), _day(until, today)
    query: dict[str, Any] = {
        "since": first.isoformat(),
        "until": last.isoformat(),
        "interval": interval.value,
        "formula": formula.value,
        **({"threshold": seconds} if seconds else {}),
        **({"from_hour": from_hour} if from_hour else {}),
        **({"to_hour": to_hour} if to_hour != 24 else {}),
    }
    days = sorted({d for d in weekday if 1 <= d <= 7})
    values["query"] = {**query, "group_id": chosen, "weekday": days}
    values["weekdays"] = list(enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1))

    def api(*ids: int, **extra: str) -> str:
        return "/api/v1/stats/groups?" + urlencode(
            [("group_id", g) for g in ids] + [*query.items(), *extra.items()]
        )

    values["csv"] = api(*chosen, format="csv")
    values["xlsx"] = api(*chosen, format="xlsx")
    try:
        found = stats.group_stats(
            ctx,
            me,
            stats.StatsQuery(
                group_ids=chosen,
                since=first,
                until=last,
                interval=interval,
                threshold=seconds,
                formula=formula,
                weekdays=frozenset(days or range(1, 8)),
                hours=(from_hour, to_hour),
            ),
        ).groups
        values["results"] = [(group, api(group.group_id)) for group in found]
        coded = stats.disposition_stats(
            ctx, me, stats.StatsQuery(group_ids=chosen, since=first, until=last)
        ).groups
        values["codes"] = {g.group_id: g for g in coded if len(g.codes) > 1}
    except Invalid as exc:
        values["problem"] = "; ".join(
            str(item["msg"]) for item in exc.detail if isinstance(item, dict)
        )
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(request, "stats.html", viewer, **values)


def _agent_page(
    request: Request,
    viewer: render.Viewer,
    path: str,
    group_id: int | None,
    since: str | None,
    until: str | None,
    interval: Period,
) -> Response:
    ctx, me = context(request), viewer.me
    managing = path.startswith("/manager")
    choices = groups.list_groups(ctx, me) if managing else []
    zone = ZoneInfo(agent_stats.view_zone(ctx, me, group_id))
    today = datetime.now(zone).date()
    first, last = _day(since, today), _day(until, today)
    query: dict[str, Any] = {
        "since": first.isoformat(),
        "until": last.isoformat(),
        "interval": interval.value,
        **({"group_id": group_id} if group_id else {}),
    }
    values: dict[str, Any] = {
        "choices": choices,
        "intervals": [p.value for p in Period],
        "query": query,
        "action": path,
        "result": None,
        "problem": None,
        "states": AGENT_STATES,
        "duration": views.wait_text,
        "api": "/api/v1/stats/agents?" + urlencode(query),
        "csv": "/api/v1/stats/agents?" + urlencode({**query, "format": "csv"}),
        "xlsx": "/api/v1/stats/agents?" + urlencode({**query, "format": "xlsx"}),
    }
    asked = agent_stats.AgentQuery(
        range=stats.StatsQuery(group_ids=[], since=first, until=last, interval=interval),
        group_id=group_id,
    )
    try:
        values["result"] = agent_stats.agent_stats(ctx, me, asked)
    except Invalid as exc:
        values["problem"] = "; ".join(
            str(item["msg"]) for item in exc.detail if isinstance(item, dict)
        )
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(request, "agent_stats.html", viewer, **values)


@router.get("/manager/stats/agents")
def agent_stats_page(
    request: Request,
    group_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: str | None = None,
    until: str | None = None,
    interval: Period = Period.DAY,
) -> Response:
    """Every agent's figures (all groups at once unless one is chosen), today unless asked."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    return _agent_page(request, viewer, "/manager/stats/agents", group_id, since, until, interval)


@router.get("/agent/stats")
def my_stats_page(
    request: Request,
    since: str | None = None,
    until: str | None = None,
    interval: Period = Period.DAY,
) -> Response:
    """The signed-in agent's own figures over all their groups."""
    viewer = render.viewer_of(request)
    if viewer is None:
        return render.to_login(request)
    if not viewer.me.agent:
        return render.page(request, "missing.html", viewer, status=404)
    return _agent_page(request, viewer, "/agent/stats", None, since, until, interval)
