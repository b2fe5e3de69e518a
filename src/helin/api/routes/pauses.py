"""Pause reasons (``/api/v1/pause-reasons``) and my pause (``/api/v1/me/pause``)."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, CurrentUser, RowId, TenantAdmin
from helin.api.schemas.codes import CodeCreate, CodePublic, CodeUpdate
from helin.api.schemas.pauses import PauseUpdate
from helin.api.services import pauses

router = APIRouter(prefix="/api/v1", tags=["agent"])


@router.get("/pause-reasons", response_model=list[CodePublic], responses={403: {}})
def list_reasons(me: CurrentUser, ctx: ContextDep) -> list[CodePublic]:
    """My company's pause reasons by code, retired ones included."""
    return pauses.list_reasons(ctx, me)


@router.post(
    "/pause-reasons",
    response_model=CodePublic,
    status_code=201,
    responses={403: {}, 409: {}, 422: {}},
    tags=["admin"],
)
def create_reason(body: CodeCreate, me: TenantAdmin, ctx: ContextDep) -> CodePublic:
    return pauses.create_reason(ctx, me, body)


@router.patch(
    "/pause-reasons/{reason_id}",
    response_model=CodePublic,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
    tags=["admin"],
)
def update_reason(
    reason_id: RowId, body: CodeUpdate, me: TenantAdmin, ctx: ContextDep
) -> CodePublic:
    """Rename, renumber, retire (``active: false``) or bring back a reason."""
    return pauses.update_reason(ctx, me, reason_id, body)


@router.put("/me/pause", status_code=204, responses={403: {}, 422: {}})
def set_pause(body: PauseUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Pause for one of my company's active reasons (no group calls ring me; a call or ring in
    progress and its wrap-up go on first), or end the pause (``reason_id: null``)."""
    pauses.set_pause(ctx, me, body.reason_id)
