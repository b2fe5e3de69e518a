"""The agent's own actions: ``/api/v1/me/...`` and a group's call log."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.agent import (
    DndUpdate,
    LoginUpdate,
    LogLinePublic,
    MePublic,
    MyGroupPublic,
    PresentedNumberUpdate,
)
from helin.api.services import agent

router = APIRouter(prefix="/api/v1", tags=["agent"])


@router.get("/me", response_model=MePublic)
def get_me(me: CurrentUser, ctx: ContextDep) -> MePublic:
    return agent.get_me(ctx, me)


@router.get("/me/groups", response_model=list[MyGroupPublic])
def my_groups(me: CurrentUser, ctx: ContextDep) -> list[MyGroupPublic]:
    return agent.my_groups(ctx, me)


@router.put("/me/groups", status_code=204, responses={403: {}})
def log_in_all(body: LoginUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Log in to (or out of) every group I am an agent of."""
    agent.log_in_all(ctx, me, body.logged_in)


@router.put("/me/groups/{group_id}", status_code=204, responses={404: {}})
def log_in_one(group_id: RowId, body: LoginUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    agent.log_in_one(ctx, me, group_id, body.logged_in)


@router.put("/me/dnd", status_code=204)
def set_dnd(body: DndUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    agent.set_dnd(ctx, me, body.on)


@router.put("/me/presented-number", status_code=204, responses={422: {}})
def set_presented_number(body: PresentedNumberUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    agent.set_presented_number(ctx, me, body.number)


@router.get("/groups/{group_id}/calllog", response_model=list[LogLinePublic], responses={404: {}})
def group_call_log(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> list[LogLinePublic]:
    """The group's last 99 calls, newest first (its agents, and managers of its company)."""
    return agent.group_call_log(ctx, me, group_id)
