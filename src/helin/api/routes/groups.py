"""The managers' endpoints: their company's call-center groups, live and to change
(``services.groups`` reads, ``services.group_changes`` changes)."""

from __future__ import annotations

from fastapi import APIRouter

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.groups import (
    CalendarUpdate,
    CandidatePublic,
    GroupCreate,
    GroupDetail,
    GroupSummary,
    GroupUpdate,
    MemberUpdate,
    OverrideUpdate,
)
from helin.api.services import group_changes, groups

router = APIRouter(prefix="/api/v1", tags=["groups"])


@router.get("/groups", response_model=list[GroupSummary], responses={403: {}})
def list_groups(me: CurrentUser, ctx: ContextDep) -> list[GroupSummary]:
    """My company's call-center groups with their live state (managers, tenant admins)."""
    return groups.list_groups(ctx, me)


@router.get("/groups/{group_id}", response_model=GroupDetail, responses={404: {}})
def get_group(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> GroupDetail:
    """Numbers, settings, calendar, override and the members with their live state."""
    return groups.get_group(ctx, me, group_id)


@router.patch("/groups/{group_id}", response_model=GroupDetail, responses={404: {}, 422: {}})
def update_group(
    group_id: RowId, body: GroupUpdate, me: CurrentUser, ctx: ContextDep
) -> GroupDetail:
    """Name, policy, queue settings, overflow actions; only what is given changes."""
    return group_changes.update_group(ctx, me, group_id, body)


@router.put("/groups/{group_id}/override", status_code=204, responses={404: {}})
def set_override(group_id: RowId, body: OverrideUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Open or close the group whatever its calendar says; null follows the calendar."""
    group_changes.set_override(ctx, me, group_id, body)


@router.put("/groups/{group_id}/hours", status_code=204, responses={404: {}, 422: {}})
def set_hours(group_id: RowId, body: CalendarUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """The weekly opening hours and dated exceptions (and, when given, the time zone and
    holiday country), as a whole."""
    group_changes.set_hours(ctx, me, group_id, body)


@router.put("/groups/{group_id}/members/{user_id}", status_code=204, responses={404: {}, 422: {}})
def set_member(
    group_id: RowId, user_id: RowId, body: MemberUpdate, me: CurrentUser, ctx: ContextDep
) -> None:
    """Add an agent of the company to the group, or change their order and weight."""
    group_changes.set_member(ctx, me, group_id, user_id, body)


@router.delete("/groups/{group_id}/members/{user_id}", status_code=204, responses={404: {}})
def remove_member(group_id: RowId, user_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    """Take an agent out of the group (a call ringing them for it stops ringing)."""
    group_changes.remove_member(ctx, me, group_id, user_id)


@router.get(
    "/groups/{group_id}/candidates", response_model=list[CandidatePublic], responses={404: {}}
)
def list_candidates(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> list[CandidatePublic]:
    """The company's enabled users with the agent right: who may be added to the group."""
    return groups.list_candidates(ctx, me, group_id)


@router.post("/groups", response_model=GroupDetail, status_code=201, responses={403: {}, 409: {}})
def create_group(body: GroupCreate, me: CurrentUser, ctx: ContextDep) -> GroupDetail:
    """A new group (closed until it has opening hours or an override; add numbers through
    the numbers endpoints and agents through its members)."""
    return group_changes.create_group(ctx, me, body)


@router.delete("/groups/{group_id}", status_code=204, responses={403: {}, 404: {}, 409: {}})
def delete_group(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    """Delete a group with no numbers left (callers still queued are ended; its call history
    stays)."""
    group_changes.delete_group(ctx, me, group_id)
