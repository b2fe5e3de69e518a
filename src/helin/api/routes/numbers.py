"""The tenant admin's numbers of their company: ``/api/v1/numbers``."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, RowId, TenantAdmin
from helin.api.schemas.numbers import NumberCreate, NumberPublic, NumberUpdate
from helin.api.services import numbers

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/numbers", response_model=list[NumberPublic], responses={403: {}})
def list_numbers(me: TenantAdmin, ctx: ContextDep) -> list[NumberPublic]:
    """Every number of my company, with its owner."""
    return numbers.list_numbers(ctx, me)


@router.post(
    "/numbers",
    response_model=NumberPublic,
    status_code=201,
    responses={403: {}, 409: {}, 422: {}},
)
def assign_number(body: NumberCreate, me: TenantAdmin, ctx: ContextDep) -> NumberPublic:
    """Give a new number to a user (a direct number) or a group of my company."""
    return numbers.assign_number(ctx, me, body)


@router.put(
    "/numbers/{number_id}",
    response_model=NumberPublic,
    responses={403: {}, 404: {}, 422: {}},
)
def move_number(
    number_id: RowId, body: NumberUpdate, me: TenantAdmin, ctx: ContextDep
) -> NumberPublic:
    """Give one of my company's numbers to another of its users or groups."""
    return numbers.move_number(ctx, me, number_id, body)


@router.delete("/numbers/{number_id}", status_code=204, responses={403: {}, 404: {}})
def unassign_number(number_id: RowId, me: TenantAdmin, ctx: ContextDep) -> None:
    """Take a number away from my company (it is free for anyone again)."""
    numbers.unassign_number(ctx, me, number_id)
