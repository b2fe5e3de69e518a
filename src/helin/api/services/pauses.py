"""Pause reasons and pauses.

The tenant admin keeps the company's list of pause reasons (a code from 1 to 99 and a name);
every user of the company reads it. A reason is retired, never deleted (the agent log and
statistics keep naming it). An agent pauses with one of the active reasons, or ends the pause;
the engine records the change (``pause_on``, ``pause_off``) and the store keeps it on the user.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.events import PauseChanged
from helin.acd.model import AgentState
from helin.api.context import ApiContext
from helin.api.schemas.codes import CodeCreate, CodePublic, CodeUpdate
from helin.api.schemas.pauses import PausePublic
from helin.api.services import codes
from helin.api.services.errors import Forbidden, Invalid, NotFound
from helin.api.services.security import Principal, tenant_admin
from helin.store import audit
from helin.store.tables import PauseReason, User


def _in_tenant(me: Principal) -> int:
    if me.tenant_id is None:
        raise Forbidden("pause reasons belong to a company")
    return me.tenant_id


def _reason(session: Session, tenant_id: int, reason_id: int) -> PauseReason:
    row = session.get(PauseReason, reason_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("no such pause reason")
    return row


def list_reasons(ctx: ApiContext, me: Principal) -> list[CodePublic]:
    """The company's pause reasons by code, retired ones included."""
    tenant_id = _in_tenant(me)
    with ctx.sessions() as session:
        rows = session.scalars(
            select(PauseReason).where(PauseReason.tenant_id == tenant_id).order_by(PauseReason.code)
        )
        return [codes.public(row) for row in rows]


def create_reason(ctx: ApiContext, me: Principal, body: CodeCreate) -> CodePublic:
    tenant_admin(me)
    tenant_id = _in_tenant(me)
    with ctx.sessions.begin() as session:
        row = codes.create(
            session,
            PauseReason,
            {"tenant_id": tenant_id},
            body.code,
            body.name,
            user_id=me.user_id,
            at=ctx.clock(),
            tenant_id=tenant_id,
        )
        out = codes.public(row)
    ctx.live.directory_changed()
    return out


def update_reason(ctx: ApiContext, me: Principal, reason_id: int, body: CodeUpdate) -> CodePublic:
    """Rename, renumber, retire (``active`` false) or bring back a reason. Agents paused for
    a reason that is retired stay paused until they end the pause."""
    tenant_admin(me)
    tenant_id = _in_tenant(me)
    with ctx.sessions.begin() as session:
        row = codes.update(
            session,
            _reason(session, tenant_id, reason_id),
            {"tenant_id": tenant_id},
            body.model_dump(exclude_unset=True),
            user_id=me.user_id,
            at=ctx.clock(),
            tenant_id=tenant_id,
        )
        out = codes.public(row)
    ctx.live.directory_changed()
    return out


def set_pause(ctx: ApiContext, me: Principal, reason_id: int | None) -> None:
    """Pause me for one of my company's active reasons, or end my pause."""
    tenant_id = _in_tenant(me)
    if not me.agent:
        raise Forbidden("pauses are for agents")
    if reason_id is not None:
        with ctx.sessions() as session:
            row = session.get(PauseReason, reason_id)
            if row is None or row.tenant_id != tenant_id or not row.active:
                raise Invalid.field("reason_id", "not one of your company's active pause reasons")
    reason = None if reason_id is None else str(reason_id)
    ctx.live.feed(PauseChanged(agent_id=str(me.user_id), reason=reason))
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            user_id=me.user_id,
            action="agent.pause",
            object_type="user",
            object_id=me.user_id,
            at=ctx.clock(),
            details={"reason_id": reason_id},
        )


def reason_names(session: Session, tenant_id: int | None) -> dict[int, str]:
    """The names of the company's pause reasons, by id (retired ones too)."""
    found = select(PauseReason.id, PauseReason.name).where(PauseReason.tenant_id == tenant_id)
    return {row.id: row.name for row in session.execute(found)}


def pause_of(session: Session, user: User, state: AgentState) -> PausePublic | None:
    """The user's pause as it stands (``state``: the engine's state of the user)."""
    if user.pause_reason_id is None or user.paused_at is None:
        return None
    reason = session.get(PauseReason, user.pause_reason_id)
    if reason is None:
        return None
    return PausePublic(
        reason_id=reason.id,
        code=reason.code,
        name=reason.name,
        since=user.paused_at,
        pending=state in PENDING,
    )


PENDING = frozenset({AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP})
"""States in which a pause asked for has not begun yet."""
