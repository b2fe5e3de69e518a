"""Disposition codes: each group's list (its managers keep it) and the code an agent gives
the group call they are on or answered last.

An agent codes the group call they are on or answered last, during it or in the wrap-up after
it (or later: until they answer the next one), with one of its group's active codes; the engine
records it on the call's row (``DispositionRecord``) and, when the group requires a code,
ends the wrap-up that waited for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.events import DispositionGiven
from helin.api.context import ApiContext
from helin.api.schemas.codes import CodeCreate, CodePublic, CodeUpdate
from helin.api.schemas.dispositions import LastCallPublic
from helin.api.services import codes
from helin.api.services.errors import Conflict, Forbidden, Invalid, NotFound
from helin.api.services.group_changes import engine_follows
from helin.api.services.groups import NOT_FOUND, managed_group
from helin.api.services.security import Principal, may_manage
from helin.store import audit
from helin.store.tables import Call, DispositionCode, Group, Membership
from helin.store.tables.base import from_posix_opt


def list_codes(ctx: ApiContext, me: Principal, group_id: int) -> list[CodePublic]:
    """The group's codes by code, retired ones included (its managers and its agents)."""
    with ctx.sessions() as session:
        group = session.get(Group, group_id)
        member = session.scalar(
            select(Membership.id).where(
                Membership.group_id == group_id, Membership.user_id == me.user_id
            )
        )
        if group is None or group.tenant_id != me.tenant_id or not (may_manage(me) or member):
            raise NotFound(NOT_FOUND)
        return [codes.public(d) for d in group.dispositions]


def create_code(ctx: ApiContext, me: Principal, group_id: int, body: CodeCreate) -> CodePublic:
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        row = codes.create(
            session,
            DispositionCode,
            {"group_id": group.id},
            body.code,
            body.name,
            user_id=me.user_id,
            at=ctx.clock(),
            tenant_id=group.tenant_id,
        )
        out = codes.public(row)
    engine_follows(ctx, group_id)
    return out


def update_code(
    ctx: ApiContext, me: Principal, group_id: int, code_id: int, body: CodeUpdate
) -> CodePublic:
    """Rename, renumber, retire (``active`` false) or bring back a code; calls coded with it
    keep it."""
    with ctx.sessions.begin() as session:
        group = managed_group(session, me, group_id)
        row = session.get(DispositionCode, code_id)
        if row is None or row.group_id != group.id:
            raise NotFound("no such disposition code")
        codes.update(
            session,
            row,
            {"group_id": group.id},
            body.model_dump(exclude_unset=True),
            user_id=me.user_id,
            at=ctx.clock(),
            tenant_id=group.tenant_id,
        )
        out = codes.public(row)
    engine_follows(ctx, group_id)
    return out


def company_codes(ctx: ApiContext, me: Principal) -> list[tuple[int, str]]:
    """Every disposition code of the company's groups, as (id, "group · code · name"), for
    choosing one (managers)."""
    if not may_manage(me):
        raise Forbidden("the company's codes are for managers")
    with ctx.sessions() as session:
        rows = session.execute(
            select(DispositionCode.id, Group.name, DispositionCode.code, DispositionCode.name)
            .join(Group, Group.id == DispositionCode.group_id)
            .where(Group.tenant_id == me.tenant_id)
            .order_by(Group.name, DispositionCode.code)
        )
        return [(row[0], f"{row[1]} · {row[2]} · {row[3]}") for row in rows]


@dataclass(frozen=True, slots=True)
class _Coded:
    """The call a code is for: my current or last answered group call."""

    call_id: str
    segment: int
    group: Group
    caller: str
    answered_at: datetime | None
    row: Call | None
    """Its row (None only while the store has not seen it yet)."""


def _last_call(ctx: ApiContext, session: Session, me: Principal) -> _Coded | None:
    """The engine's word for the call I am on or answered last; after a restart (the engine
    knows none), my latest answered group call in the store."""
    live = ctx.live.last_call(str(me.user_id))
    if live is not None:
        group = session.get(Group, int(live.group_id))
        if group is not None and group.tenant_id == me.tenant_id:
            row = session.scalar(
                select(Call).where(Call.call_id == live.call_id, Call.segment == live.segment)
            )
            answered = from_posix_opt(live.answered_at)
            return _Coded(live.call_id, live.segment, group, live.caller, answered, row)
    row = session.scalar(
        select(Call)
        .where(
            Call.agent_id == me.user_id,
            Call.group_id.is_not(None),
            Call.answered_at.is_not(None),
            Call.tenant_id == me.tenant_id,
        )
        .order_by(Call.answered_at.desc(), Call.id.desc())
        .limit(1)
    )
    if row is None or row.group is None:
        return None
    return _Coded(row.call_id, row.segment, row.group, row.caller, row.answered_at, row)


def last_call(ctx: ApiContext, me: Principal) -> LastCallPublic | None:
    """My current or last answered group call, its code and the codes its group offers."""
    if not me.agent:
        raise Forbidden("disposition codes are for agents")
    with ctx.sessions() as session:
        found = _last_call(ctx, session, me)
        if found is None:
            return None
        coded = found.row.disposition_id if found.row is not None else None
        chosen = session.get(DispositionCode, coded) if coded is not None else None
        group = found.group
        return LastCallPublic(
            call_row_id=found.row.id if found.row is not None else None,
            group_id=group.id,
            group_name=group.name,
            caller=found.caller,
            answered_at=found.answered_at,
            ended_at=found.row.ended_at if found.row is not None else None,
            disposition=None if chosen is None else codes.public(chosen),
            codes=[codes.public(d) for d in group.dispositions if d.active],
            required=group.disposition_required,
        )


def give_code(ctx: ApiContext, me: Principal, code: int) -> None:
    """Code my current or last answered group call with its group's ``code``."""
    if not me.agent:
        raise Forbidden("disposition codes are for agents")
    with ctx.sessions() as session:
        found = _last_call(ctx, session, me)
        if found is None:
            raise Conflict("you have answered no group call to code")
        if code not in {d.code for d in found.group.dispositions if d.active}:
            raise Invalid.field("code", f"not one of the codes of {found.group.name}")
        which = (found.call_id, found.segment, str(found.group.id))
        group_id = found.group.id
    ctx.live.feed(DispositionGiven(agent_id=str(me.user_id), code=code, call=which))
    with ctx.sessions.begin() as session:
        audit.record(
            session,
            user_id=me.user_id,
            action="call.disposition",
            object_type="group",
            object_id=group_id,
            at=ctx.clock(),
            details={"call_id": which[0], "segment": which[1], "code": code},
        )
