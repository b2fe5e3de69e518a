"""The agent's own view and actions: my profile, my groups with log-in toggles, DND, the
presented number, a group's call log. Everything here acts on the signed-in user only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.acd.events import AgentLoggedIn, AgentLoggedOut, DndChanged
from helin.api.context import ApiContext
from helin.api.schemas.agent import LogLinePublic, MePublic, MyGroupPublic
from helin.api.services import pauses
from helin.api.services.errors import Forbidden, Invalid, NotFound, NotSignedIn
from helin.api.services.security import Principal, may_manage
from helin.store import audit
from helin.store.calls import calllog
from helin.store.tables import Group, Tenant, User
from helin.store.tables.callcenter import Membership


def _user(session: Session, me: Principal) -> User:
    user = session.scalar(
        select(User)
        .where(User.id == me.user_id)
        .options(selectinload(User.numbers), selectinload(User.memberships))
    )
    if user is None:
        raise NotSignedIn("your account is gone")
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


def get_me(ctx: ApiContext, me: Principal) -> MePublic:
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
        state = ctx.live.agent_state(str(user.id))
        return MePublic(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            tenant_id=user.tenant_id,
            rights=rights,
            dnd=user.dnd,
            presented_number=user.presented_number,
            numbers=[n.e164 for n in user.numbers],
            state=state.value,
            pause=pauses.pause_of(session, user, state),
        )


def my_groups(ctx: ApiContext, me: Principal) -> list[MyGroupPublic]:
    """The groups I am an agent of, with my log-in and their live state."""
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


def log_in_all(ctx: ApiContext, me: Principal, on: bool) -> None:
    """Log in to (or out of) every group I am an agent of."""
    with ctx.sessions() as session:
        if not _agent_groups(session, me):
            raise Forbidden("you are not an agent of any group")
    _log_in(ctx, me, None, on)


def log_in_one(ctx: ApiContext, me: Principal, group_id: int, on: bool) -> None:
    with ctx.sessions() as session:
        if group_id not in {g.id for _, g in _agent_groups(session, me)}:
            raise NotFound("you are not an agent of that group")
    _log_in(ctx, me, group_id, on)


def _log_in(ctx: ApiContext, me: Principal, group_id: int | None, on: bool) -> None:
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


def set_dnd(ctx: ApiContext, me: Principal, on: bool) -> None:
    ctx.live.feed(DndChanged(agent_id=str(me.user_id), on=on))
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            user_id=me.user_id,
            action="user.dnd",
            object_type="user",
            object_id=me.user_id,
            at=ctx.clock(),
            details={"on": on},
        )


def set_presented_number(ctx: ApiContext, me: Principal, number: str | None) -> None:
    """The number my calls out show: one of my groups' or my own (None: my own first)."""
    with ctx.sessions.begin() as session:
        user = _user(session, me)
        allowed = {n.e164 for n in user.numbers}
        for _, group in _agent_groups(session, me):
            allowed.update(n.e164 for n in group.numbers)
        if number is not None and number not in allowed:
            raise Invalid.field("number", "not one of your groups' numbers or your own")
        user.presented_number = number
        audit.record(
            session,
            user_id=me.user_id,
            action="user.presented_number",
            object_type="user",
            object_id=me.user_id,
            at=ctx.clock(),
            details={"number": number},
        )
    ctx.live.directory_changed()


def group_call_log(ctx: ApiContext, me: Principal, group_id: int) -> list[LogLinePublic]:
    """The group's last 99 calls, newest first (its agents, and managers of its company)."""
    with ctx.sessions() as session:
        group = session.get(Group, group_id)
        mine = group is not None and (
            (me.manager and group.tenant_id == me.tenant_id)
            or group_id in {g.id for _, g in _agent_groups(session, me)}
        )
        if group is None or not mine:
            raise NotFound("no such group")
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
                recording_id=e.recording_id if may_manage(me) else None,
            )
            for e in calllog.group_call_log(session, group_id)
        ]
