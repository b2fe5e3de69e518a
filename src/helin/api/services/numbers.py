"""The tenant admin's numbers: every public number belongs to one user or one group of the
company; assigning one creates it, unassigning removes it from the company.

Numbers are unique across the service, so a number another company has is a ``Conflict``
(without saying whose). A number that moves away from someone who showed it on their calls
out makes them show their own number again.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.numbers import NumberCreate, NumberPublic, NumberUpdate
from helin.api.services.errors import Conflict, Invalid, NotFound
from helin.api.services.security import Principal, tenant_admin
from helin.store import audit, groups, numbers, users
from helin.store.tables import Number


def number_public(row: Number) -> NumberPublic:
    owner = row.user.username if row.user is not None else row.group.name if row.group else ""
    return NumberPublic(
        id=row.id, e164=row.e164, user_id=row.user_id, group_id=row.group_id, owner=owner
    )


def _owner(session: Session, me: Principal, body: NumberUpdate) -> tuple[int | None, int | None]:
    """(user_id, group_id) of the body, both checked to be the company's (``Invalid``
    otherwise)."""
    assert me.tenant_id is not None
    if (body.user_id is None) == (body.group_id is None):
        field = "user_id" if body.user_id is None else "group_id"
        raise Invalid.field(field, "give either user_id or group_id")
    if body.user_id is not None and users.get(session, me.tenant_id, body.user_id) is None:
        raise Invalid.field("user_id", "no such user in your company")
    if (
        body.group_id is not None
        and groups.get(session, me.tenant_id, body.group_id, call_center=False) is None
    ):
        raise Invalid.field("group_id", "no such group in your company")
    return body.user_id, body.group_id


def _number(session: Session, me: Principal, number_id: int) -> Number:
    assert me.tenant_id is not None
    row = numbers.get(session, me.tenant_id, number_id)
    if row is None:
        raise NotFound("no such number")
    return row


def list_numbers(ctx: ApiContext, me: Principal) -> list[NumberPublic]:
    """Every number of my company, with its owner."""
    tenant_admin(me)
    assert me.tenant_id is not None
    with ctx.sessions() as session:
        return [number_public(row) for row in numbers.in_tenant(session, me.tenant_id)]


def assign_number(ctx: ApiContext, me: Principal, body: NumberCreate) -> NumberPublic:
    """Give a new number to a user (a direct number) or a group of my company."""
    tenant_admin(me)
    try:
        with ctx.sessions.begin() as session:
            user_id, group_id = _owner(session, me, body)
            existing = numbers.by_e164(session, body.e164)
            if existing is not None:
                assert me.tenant_id is not None
                ours = numbers.get(session, me.tenant_id, existing.id) is not None
                whose = numbers.owner_name(existing) if ours else "another company"
                raise Conflict(f"{body.e164} already belongs to {whose}")
            row = Number(e164=body.e164, user_id=user_id, group_id=group_id)
            session.add(row)
            session.flush()
            session.refresh(row)
            audit.record(
                session,
                user_id=me.user_id,
                action="number.assign",
                object_type="number",
                object_id=row.id,
                at=ctx.clock(),
                details={"e164": row.e164, "user_id": user_id, "group_id": group_id},
            )
            result = number_public(row)
    except IntegrityError:
        raise Conflict(f"{body.e164} is taken") from None
    ctx.live.directory_changed()
    return result


def move_number(ctx: ApiContext, me: Principal, number_id: int, body: NumberUpdate) -> NumberPublic:
    """Give one of my company's numbers to another of its users or groups."""
    tenant_admin(me)
    assert me.tenant_id is not None
    with ctx.sessions.begin() as session:
        row = _number(session, me, number_id)
        user_id, group_id = _owner(session, me, body)
        before = {"user_id": row.user_id, "group_id": row.group_id}
        row.user_id, row.group_id = user_id, group_id
        session.flush()
        session.refresh(row)
        cleared = users.forget_presented(session, me.tenant_id, row.e164, keep=user_id)
        audit.record(
            session,
            user_id=me.user_id,
            action="number.move",
            object_type="number",
            object_id=row.id,
            at=ctx.clock(),
            details={
                "e164": row.e164,
                "from": before,
                "to": {"user_id": user_id, "group_id": group_id},
                "presented_number_cleared": cleared,
            },
        )
        result = number_public(row)
    ctx.live.directory_changed()
    return result


def unassign_number(ctx: ApiContext, me: Principal, number_id: int) -> None:
    """Take a number away from my company (it is free for anyone again)."""
    tenant_admin(me)
    assert me.tenant_id is not None
    with ctx.sessions.begin() as session:
        row = _number(session, me, number_id)
        cleared = users.forget_presented(session, me.tenant_id, row.e164, keep=None)
        audit.record(
            session,
            user_id=me.user_id,
            action="number.unassign",
            object_type="number",
            object_id=row.id,
            at=ctx.clock(),
            details={
                "e164": row.e164,
                "user_id": row.user_id,
                "group_id": row.group_id,
                "presented_number_cleared": cleared,
            },
        )
        session.delete(row)
    ctx.live.directory_changed()
