"""The manager's reports page: order a report (once or recurring), the company's orders
with their next and latest runs, and each order's run history with its files. The page is
rendered from the same services as ``/api/v1/report-orders``; its form and buttons call that
API (``static/reports.js``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from helin.api.deps import RowId, context
from helin.api.services import groups, reports
from helin.api.services.errors import Forbidden, NotFound
from helin.reports.catalog import Format, ReportKind
from helin.reports.schedule import Covers, Frequency
from helin.stats.metrics import SL_FORMULAS, THRESHOLDS
from helin.stats.rollup import Period
from helin.store import reports as rows
from helin.web import render

router = APIRouter(include_in_schema=False)


def _choices() -> dict[str, Any]:
    return {
        "kinds": list(ReportKind),
        "frequencies": list(Frequency),
        "covers": list(Covers),
        "intervals": list(Period),
        "formats": list(Format),
        "thresholds": THRESHOLDS,
        "formulas": SL_FORMULAS,
    }


@router.get("/manager/reports")
def reports_page(request: Request) -> Response:
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    found = reports.list_orders(ctx, viewer.me)
    names = {g.id: g.name for g in groups.list_groups(ctx, viewer.me)}
    return render.page(
        request, "reports.html", viewer, orders=found.items, groups=names, **_choices()
    )


@router.get("/manager/reports/{order_id}")
def order_page(request: Request, order_id: RowId) -> Response:
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    try:
        order = reports.get_order(ctx, viewer.me, order_id)
        history = reports.runs(ctx, viewer.me, order_id)
    except (NotFound, Forbidden):
        return render.page(request, "missing.html", viewer, status=404)
    names = {g.id: g.name for g in groups.list_groups(ctx, viewer.me)}
    return render.page(
        request, "report.html", viewer, order=order, runs=history.items, groups=names
    )


@router.get("/manager/reports/runs/{run_id}")
def run_page(request: Request, run_id: RowId) -> Response:
    """Where a report's e-mail links when its files were too large to attach."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    tenant = viewer.me.tenant_id
    with ctx.sessions() as session:
        found = rows.run(session, tenant, run_id) if tenant is not None else None
    if found is None:
        return render.page(request, "missing.html", viewer, status=404)
    return RedirectResponse(f"/manager/reports/{found.order_id}#run-{run_id}", status_code=303)
