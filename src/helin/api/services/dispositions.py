"""Disposition codes: each group's list (its managers keep it) and the code an agent gives
the group call they are on or answered last.

An agent codes their latest answered group call, during it or in the wrap-up after it (or
later: until they answer the next one), with one of its group's active codes; the engine
records it on the call's row (``DispositionRecord``) and, when the group requires a code,
ends the wrap-up that waited for it.
"""

from __future__ import annotations

from typing import cast

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


def code_public(row: DispositionCode) -> CodePublic:
    return CodePublic(id=row.id, code=row.code, name=row.name, active=row.active)


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
        return [code_public(d) for d in group.dispositions]


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
        out = code_public(cast(DispositionCode, row))
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
        out = code_public(row)
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


def _last_call(session: Session, me: Principal) -> Call | None:
    """My latest answered group call (on it now, or over)."""
    return session.scalar(
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


def last_call(ctx: ApiContext, me: Principal) -> LastCallPublic | None:
    """My latest answered group call, its code and the codes its group offers."""
    if not me.agent:
        raise Forbidden("disposition codes are for agents")
    with ctx.sessions() as session:
        call = _last_call(session, me)
        if call is None or call.group is None:
            return None
        chosen = session.get(DispositionCode, call.disposition_id) if call.disposition_id else None
        return LastCallPublic(
            call_row_id=call.id,
            group_id=call.group.id,
            group_name=call.group.name,
            caller=call.caller,
            answered_at=call.answered_at,
            ended_at=call.ended_at,
            disposition=None if chosen is None else code_public(chosen),
            codes=[code_public(d) for d in call.group.dispositions if d.active],
            required=call.group.disposition_required,
        )


def give_code(ctx: ApiContext, me: Principal, code: int) -> None:
    """Code my latest answered group call with its group's ``code``."""
    if not me.agent:
        raise Forbidden("disposition codes are for agents")
    with ctx.sessions() as session:
        call = _last_call(session, me)
        if call is None or call.group_id is None:
            raise Conflict("you have answered no group call to code")
        active = {d.code for d in call.group.dispositions if d.active} if call.group else set()
        if code not in active:
            raise Invalid.field(
                "code", f"not one of the codes of {call.group.name if call.group else 'the group'}"
            )
        which = (call.call_id, call.segment, str(call.group_id))
        group_id = call.group_id
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
