"""Disposition codes: a group's list (``/api/v1/groups/{id}/dispositions``) and my latest
call's code (``/api/v1/me/last-call``)."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.codes import CodeCreate, CodePublic, CodeUpdate
from helin.api.schemas.dispositions import DispositionUpdate, LastCallPublic
from helin.api.services import dispositions

router = APIRouter(prefix="/api/v1", tags=["groups"])


@router.get("/groups/{group_id}/dispositions", response_model=list[CodePublic], responses={404: {}})
def list_codes(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> list[CodePublic]:
    """The group's disposition codes by code, retired ones included (managers, its agents)."""
    return dispositions.list_codes(ctx, me, group_id)


@router.post(
    "/groups/{group_id}/dispositions",
    response_model=CodePublic,
    status_code=201,
    responses={404: {}, 409: {}, 422: {}},
)
def create_code(group_id: RowId, body: CodeCreate, me: CurrentUser, ctx: ContextDep) -> CodePublic:
    return dispositions.create_code(ctx, me, group_id, body)


@router.patch(
    "/groups/{group_id}/dispositions/{code_id}",
    response_model=CodePublic,
    responses={404: {}, 409: {}, 422: {}},
)
def update_code(
    group_id: RowId, code_id: RowId, body: CodeUpdate, me: CurrentUser, ctx: ContextDep
) -> CodePublic:
    """Rename, renumber, retire (``active: false``) or bring back a code."""
    return dispositions.update_code(ctx, me, group_id, code_id, body)


@router.get(
    "/me/last-call", response_model=LastCallPublic | None, responses={403: {}}, tags=["agent"]
)
def last_call(me: CurrentUser, ctx: ContextDep) -> LastCallPublic | None:
    """My latest answered group call, its code and its group's codes (null: none yet)."""
    return dispositions.last_call(ctx, me)


@router.put(
    "/me/last-call/disposition",
    status_code=204,
    responses={403: {}, 409: {}, 422: {}},
    tags=["agent"],
)
def give_code(body: DispositionUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Code my latest answered group call (during it or after) with one of its group's
    codes; a new code replaces the old one."""
    dispositions.give_code(ctx, me, body.code)
