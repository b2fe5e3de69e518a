"""The agent's own actions: my groups with log-in toggles, DND, presented number, the group
call log. Everything here acts on the signed-in user only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.acd.events import AgentLoggedIn, AgentLoggedOut, DndChanged
from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.agent import (
    DndUpdate,
    LoginUpdate,
    LogLinePublic,
    MePublic,
    MyGroupPublic,
    PresentedNumberUpdate,
)
from helin.api.services.security import Principal
from helin.store import audit, calllog
from helin.store.callcenter import Membership
from helin.store.tables import Group, Tenant, User

router = APIRouter(prefix="/api/v1", tags=["agent"])


def _user(session: Session, me: Principal) -> User:
    user = session.scalar(
        select(User)
        .where(User.id == me.user_id)
        .options(selectinload(User.numbers), selectinload(User.memberships))
    )
    if user is None:
        raise HTTPException(401, "your account is gone")
    return user


def _agent_groups(session: Session, me: Principal) -> list[tuple[Membership, Group]]:
    """The call-center groups I am an agent of (none without the agent right)."""
    if not me.agent or me.tenant_id is None:
        return []
    rows = session.execute(
        select(Membership, Group)
        .join(Group, Membership.group_id == Group.id)
        .join(Tenant, Group.tenant_id == Tenant.id)
        .where(Membership.user_id == me.user_id, Tenant.call_center)
        .options(selectinload(Group.numbers))
        .order_by(Group.name, Group.id)
    ).all()
    return [(m, g) for m, g in rows]


@router.get("/me", response_model=MePublic)
def get_me(me: CurrentUser, ctx: ContextDep) -> MePublic:
    with ctx.sessions() as session:
        user = _user(session, me)
        rights = [
            name
            for name, has in (
                ("operator", user.operator),
                ("tenant_admin", user.tenant_admin),
                ("manager", user.manager),
                ("agent", user.agent),
            )
            if has
        ]
        return MePublic(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            tenant_id=user.tenant_id,
            rights=rights,
            dnd=user.dnd,
            presented_number=user.presented_number,
            numbers=[n.e164 for n in user.numbers],
            state=ctx.live.agent_state(str(user.id)).value,
        )


@router.get("/me/groups", response_model=list[MyGroupPublic])
def my_groups(me: CurrentUser, ctx: ContextDep) -> list[MyGroupPublic]:
    with ctx.sessions() as session:
        out = []
        for member, group in _agent_groups(session, me):
            status = ctx.live.group_status(str(group.id))
            out.append(
                MyGroupPublic(
                    id=group.id,
                    name=group.name,
                    numbers=[n.e164 for n in group.numbers],
                    logged_in=member.logged_in,
                    open=status.open if status else None,
                    queued=status.queued if status else None,
                )
            )
        return out


@router.put("/me/groups", status_code=204, responses={403: {}})
def log_in_all(body: LoginUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    """Log in to (or out of) every group I am an agent of."""
    with ctx.sessions() as session:
        if not _agent_groups(session, me):
            raise HTTPException(403, "you are not an agent of any group")
    _log_in(ctx, me, None, body.logged_in)


@router.put("/me/groups/{group_id}", status_code=204, responses={404: {}})
def log_in_one(group_id: RowId, body: LoginUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    with ctx.sessions() as session:
        if group_id not in {g.id for _, g in _agent_groups(session, me)}:
            raise HTTPException(404, "you are not an agent of that group")
    _log_in(ctx, me, group_id, body.logged_in)


def _log_in(ctx: ContextDep, me: Principal, group_id: int | None, on: bool) -> None:
    agent, group = str(me.user_id), None if group_id is None else str(group_id)
    event = (
        AgentLoggedIn(agent_id=agent, group_id=group)
        if on
        else AgentLoggedOut(agent_id=agent, group_id=group)
    )
    ctx.live.feed(event)  # the engine records the change (agent event, membership flag)
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            user_id=me.user_id,
            action="agent.login" if on else "agent.logout",
            object_type="group",
            object_id=group_id,
            at=ctx.clock(),
        )


@router.put("/me/dnd", status_code=204)
def set_dnd(body: DndUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    ctx.live.feed(DndChanged(agent_id=str(me.user_id), on=body.on))
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            user_id=me.user_id,
            action="user.dnd",
            object_type="user",
            object_id=me.user_id,
            at=ctx.clock(),
            details={"on": body.on},
        )


@router.put("/me/presented-number", status_code=204, responses={422: {}})
def set_presented_number(body: PresentedNumberUpdate, me: CurrentUser, ctx: ContextDep) -> None:
    with ctx.sessions.begin() as session:
        user = _user(session, me)
        allowed = {n.e164 for n in user.numbers}
        for _, group in _agent_groups(session, me):
            allowed.update(n.e164 for n in group.numbers)
        if body.number is not None and body.number not in allowed:
            raise HTTPException(
                422,
                [
                    {
                        "loc": ["body", "number"],
                        "msg": "not one of your groups' numbers or your own",
                        "type": "value_error",
                    }
                ],
            )
        user.presented_number = body.number
        audit.record(
            session,
            user_id=me.user_id,
            action="user.presented_number",
            object_type="user",
            object_id=me.user_id,
            at=ctx.clock(),
            details={"number": body.number},
        )
    ctx.live.directory_changed()


@router.get("/groups/{group_id}/calllog", response_model=list[LogLinePublic], responses={404: {}})
def group_call_log(group_id: RowId, me: CurrentUser, ctx: ContextDep) -> list[LogLinePublic]:
    """The group's last 99 calls, newest first (its agents, and managers of its company)."""
    with ctx.sessions() as session:
        group = session.get(Group, group_id)
        mine = group is not None and (
            (me.manager and group.tenant_id == me.tenant_id)
            or group_id in {g.id for _, g in _agent_groups(session, me)}
        )
        if group is None or not mine:
            raise HTTPException(404, "no such group")
        return [
            LogLinePublic(
                call_id=e.call_id,
                direction=e.direction.value,
                caller=e.caller,
                number=e.number,
                arrived_at=e.arrived_at,
                answered_at=e.answered_at,
                ended_at=e.ended_at,
                outcome=e.outcome.value if e.outcome else None,
                agent_id=e.agent_id,
                missed=e.missed,
            )
            for e in calllog.group_call_log(session, group_id)
        ]
