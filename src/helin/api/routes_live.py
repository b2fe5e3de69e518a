"""Live state: every group's open/closed, queue and agents, over GET and a WebSocket.

A manager (or tenant admin) sees every call-center group of their company; an agent sees the
groups they belong to. The WebSocket sends the same snapshot at once and then whenever it
changes (checked every ``PUSH_SECONDS``), so a change reaches the screen within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.acd.model import AgentState
from helin.api.context import ApiContext
from helin.api.deps import ContextDep, CurrentUser
from helin.api.schemas.devices import DeviceStatus
from helin.api.schemas.live import LiveAgent, LiveAgentCounts, LiveGroup, LiveState
from helin.api.services.errors import ServiceError
from helin.api.services.security import Principal, authenticate
from helin.store.callcenter import Membership
from helin.store.tables import Group, Tenant, User

router = APIRouter(prefix="/api/v1", tags=["live"])

PUSH_SECONDS = 0.5
"""How often a WebSocket's snapshot is recomputed (and sent if it changed)."""


def _visible_groups(session: Session, me: Principal) -> list[Group]:
    query = (
        select(Group)
        .join(Tenant, Group.tenant_id == Tenant.id)
        .where(Tenant.call_center, Group.tenant_id == me.tenant_id)
        .options(
            selectinload(Group.memberships).selectinload(Membership.user).selectinload(User.devices)
        )
        .order_by(Group.name, Group.id)
    )
    if not (me.manager or me.tenant_admin):
        if not me.agent:
            return []
        mine = select(Membership.group_id).where(Membership.user_id == me.user_id)
        query = query.where(Group.id.in_(mine))
    return list(session.scalars(query))


def snapshot(ctx: ApiContext, me: Principal) -> LiveState:
    live = ctx.live
    groups = []
    with ctx.sessions() as session:
        for group in _visible_groups(session, me):
            status = live.group_status(str(group.id))
            members = []
            for member in sorted(group.memberships, key=lambda m: (m.ring_order, m.user_id)):
                user = member.user
                state = live.agent_state(str(user.id))
                logged_in = member.logged_in
                if status is not None:
                    found = next((m for m in status.members if m.agent_id == str(user.id)), None)
                    logged_in = found.logged_in if found else logged_in
                members.append(
                    LiveAgent(
                        user_id=user.id,
                        name=user.display_name or user.username,
                        logged_in=logged_in,
                        state=state.value,
                        devices=[
                            DeviceStatus(
                                id=d.id,
                                kind=d.kind.value,
                                label=d.label,
                                status=live.device_status(str(d.id)),
                            )
                            for d in sorted(user.devices, key=lambda d: d.id)
                        ],
                    )
                )
            working = [m for m in members if m.logged_in]

            def count(state: AgentState, among: list[LiveAgent] = working) -> int:
                return sum(m.state == state.value for m in among)

            groups.append(
                LiveGroup(
                    id=group.id,
                    name=group.name,
                    open=status.open if status else None,
                    queued=status.queued if status else 0,
                    longest_wait=round(status.longest_wait, 1) if status else 0.0,
                    agents=LiveAgentCounts(
                        logged_in=len(working),
                        available=count(AgentState.AVAILABLE),
                        ringing=count(AgentState.RINGING),
                        on_call=count(AgentState.ON_CALL),
                        wrap_up=count(AgentState.WRAP_UP),
                        dnd=count(AgentState.DND),
                    ),
                    members=members,
                )
            )
    return LiveState(at=ctx.clock(), groups=groups)


@router.get("/live", response_model=LiveState)
def get_live(me: CurrentUser, ctx: ContextDep) -> LiveState:
    """The same snapshot the WebSocket ``/api/v1/live/ws`` pushes."""
    return snapshot(ctx, me)


@router.websocket("/live/ws")
async def live_ws(websocket: WebSocket) -> None:
    ctx: ApiContext = websocket.app.state.context
    origin = websocket.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("Host"):
        await websocket.close(code=1008, reason="cross-site WebSocket refused")
        return
    try:
        me = authenticate(ctx, websocket.headers, websocket.cookies, "GET")
    except ServiceError as exc:
        await websocket.close(code=1008, reason=str(exc.detail))
        return
    await websocket.accept()
    gone = asyncio.get_running_loop().create_task(_until_closed(websocket))
    last = ""
    try:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while not gone.done():
                # off the loop: the store's queries must not hold up SIP and RTP
                state = await asyncio.to_thread(snapshot, ctx, me)
                text = state.model_dump_json(exclude={"at"})
                if text != last:
                    await websocket.send_text(state.model_dump_json())
                    last = text
                await asyncio.wait({gone}, timeout=PUSH_SECONDS)
    finally:
        gone.cancel()


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
