"""The manager's statistics page: a group's figures per period, a chart, the method, CSV.

The table is rendered here from the same service as ``GET /api/v1/stats/groups``; the chart
(``static/stats.js``, uPlot served from helin's own static files) is drawn from that API's
JSON for the same query, and the CSV link is the API's ``format=csv``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from helin.api.deps import context
from helin.api.services import groups, stats
from helin.api.services.errors import Invalid, NotFound
from helin.stats.metrics import SL_FORMULAS, THRESHOLDS, SlFormula
from helin.stats.rollup import Period
from helin.web import render

router = APIRouter(include_in_schema=False)


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@router.get("/manager/stats")
def stats_page(
    request: Request,
    group_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: str | None = None,
    until: str | None = None,
    interval: Period = Period.HOUR,
    threshold: Annotated[str | None, Query(max_length=4)] = None,
    formula: SlFormula = SlFormula.OFFERED,
) -> Response:
    """One group's figures (the first one by default), today by hour unless asked."""
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
        "result": None,
        "problem": None,
    }
    if not choices:
        return render.page(request, "stats.html", viewer, **values, query={})
    chosen = group_id or choices[0].id
    try:
        zone = ZoneInfo(groups.get_group(ctx, me, chosen).timezone)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    today = datetime.now(zone).date()
    first, last = _day(since, today), _day(until, today)
    query = {
        "group_id": chosen,
        "since": first.isoformat(),
        "until": last.isoformat(),
        "interval": interval.value,
        "formula": formula.value,
        **({"threshold": seconds} if seconds else {}),
    }
    values["query"] = query
    values["api"] = "/api/v1/stats/groups?" + urlencode(query)
    values["csv"] = "/api/v1/stats/groups?" + urlencode({**query, "format": "csv"})
    values["xlsx"] = "/api/v1/stats/groups?" + urlencode({**query, "format": "xlsx"})
    try:
        values["result"] = stats.group_stats(
            ctx,
            me,
            stats.StatsQuery(
                group_ids=[chosen],
                since=first,
                until=last,
                interval=interval,
                threshold=seconds,
                formula=formula,
            ),
        ).groups[0]
    except Invalid as exc:
        values["problem"] = "; ".join(
            str(item["msg"]) for item in exc.detail if isinstance(item, dict)
        )
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(request, "stats.html", viewer, **values)
