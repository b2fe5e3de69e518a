"""The tenant admin's users of their company: ``/api/v1/users``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from helin.api.deps import ContextDep, RowId, TenantAdmin
from helin.api.schemas.users import NewUser, UserCreate, UserPublic, UserUpdate
from helin.api.services import users

router = APIRouter(prefix="/api/v1", tags=["admin"])

NOT_MINE: dict[int | str, dict[str, Any]] = {403: {}, 404: {}}
"""The answers to another company's object, or to a user without the right."""
CHANGES: dict[int | str, dict[str, Any]] = {403: {}, 404: {}, 409: {}, 422: {}}
"""The answers a refused change can get."""


@router.get("/users", response_model=list[UserPublic], responses={403: {}})
def list_users(me: TenantAdmin, ctx: ContextDep) -> list[UserPublic]:
    """Every user of my company."""
    return users.list_users(ctx, me)


@router.post("/users", response_model=NewUser, status_code=201, responses=CHANGES)
def create_user(body: UserCreate, me: TenantAdmin, ctx: ContextDep) -> NewUser:
    return users.create_user(ctx, me, body)


@router.get("/users/{user_id}", response_model=UserPublic, responses=NOT_MINE)
def get_user(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> UserPublic:
    return users.get_user(ctx, me, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic, responses=CHANGES)
def update_user(user_id: RowId, body: UserUpdate, me: TenantAdmin, ctx: ContextDep) -> UserPublic:
    """Change the fields sent: rights, display name, e-mail, password, disabled, presented
    number. You cannot take your own tenant admin right or disable yourself (409)."""
    return users.update_user(ctx, me, user_id, body)


@router.delete("/users/{user_id}", status_code=204, responses=CHANGES)
def delete_user(user_id: RowId, me: TenantAdmin, ctx: ContextDep) -> None:
    """Delete a user with their phones, own numbers and group memberships (their calls stay
    in the log). To keep them, disable them instead."""
    users.delete_user(ctx, me, user_id)
