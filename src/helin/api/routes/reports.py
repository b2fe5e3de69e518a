"""Report orders: ``/api/v1/report-orders`` (order, list, change, delete, send now, runs)
and ``/api/v1/report-runs/{id}/files/{file_id}`` (a run's file, to download again)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.reports import (
    OrderFields,
    OrderPage,
    OrderPublic,
    OrderUpdate,
    RunPage,
    RunPublic,
)
from helin.api.services import reports

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/report-orders", response_model=OrderPage, responses={403: {}})
def list_orders(me: CurrentUser, ctx: ContextDep) -> OrderPage:
    """The company's report orders, each with its next run and its latest run."""
    return reports.list_orders(ctx, me)


@router.post(
    "/report-orders", response_model=OrderPublic, status_code=201, responses={403: {}, 422: {}}
)
def create_order(me: CurrentUser, ctx: ContextDep, body: OrderFields) -> OrderPublic:
    """Order a report: once (``since`` to ``until``, sent at once) or recurring."""
    return reports.create(ctx, me, body)


@router.get("/report-orders/{order_id}", response_model=OrderPublic, responses={403: {}, 404: {}})
def get_order(me: CurrentUser, ctx: ContextDep, order_id: RowId) -> OrderPublic:
    return reports.get_order(ctx, me, order_id)


@router.put(
    "/report-orders/{order_id}",
    response_model=OrderPublic,
    responses={403: {}, 404: {}, 422: {}},
)
def update_order(
    me: CurrentUser, ctx: ContextDep, order_id: RowId, body: OrderUpdate
) -> OrderPublic:
    """The whole order again, with ``paused`` to pause or resume it."""
    return reports.update(ctx, me, order_id, body)


@router.delete("/report-orders/{order_id}", status_code=204, responses={403: {}, 404: {}})
def delete_order(me: CurrentUser, ctx: ContextDep, order_id: RowId) -> Response:
    """The order with its runs and their files."""
    reports.delete(ctx, me, order_id)
    return Response(status_code=204)


@router.post(
    "/report-orders/{order_id}/send",
    response_model=RunPublic,
    status_code=202,
    responses={403: {}, 404: {}},
)
def send_now(me: CurrentUser, ctx: ContextDep, order_id: RowId) -> RunPublic:
    """Send the report now (a recurring order: its latest whole period) besides the schedule."""
    return reports.send_now(ctx, me, order_id)


@router.get("/report-orders/{order_id}/runs", response_model=RunPage, responses={403: {}, 404: {}})
def list_runs(me: CurrentUser, ctx: ContextDep, order_id: RowId) -> RunPage:
    """Every run of the order, newest first, with its delivery and its files."""
    return reports.runs(ctx, me, order_id)


@router.get(
    "/report-runs/{run_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 403: {}, 404: {}},
)
def run_file(me: CurrentUser, ctx: ContextDep, run_id: RowId, file_id: RowId) -> Response:
    name, media_type, data = reports.run_file(ctx, me, run_id, file_id)
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})
