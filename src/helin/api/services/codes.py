"""Numbered lists a person keeps: a company's pause reasons, a group's disposition codes.

Each entry has a code (1 to 99, once per list: what agents dial after the feature code), a
name and ``active``; entries are retired, never deleted, so what named them keeps its name.
``create`` and ``update`` check the code, write the entry and audit the change; the caller
checks the rights and tells the running switch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.api.schemas.codes import CodePublic
from helin.api.services.errors import Conflict, Invalid
from helin.store import audit
from helin.store.tables import DispositionCode, PauseReason

Entry = PauseReason | DispositionCode


def public(row: Entry) -> CodePublic:
    """An entry as the API shows it."""
    return CodePublic(id=row.id, code=row.code, name=row.name, active=row.active)


def _taken(
    session: Session, model: type[Entry], owner: dict[str, int], code: int, other: int | None
) -> None:
    found = cast(Entry | None, session.scalar(select(model).filter_by(**owner, code=code)))
    if found is not None and found.id != other:
        raise Conflict(f"code {code} is already {found.name!r}")


def create(
    session: Session,
    model: type[Entry],
    owner: dict[str, int],
    code: int,
    name: str,
    *,
    user_id: int,
    at: datetime,
    tenant_id: int,
) -> Entry:
    """A new entry of ``owner``'s list (``{"tenant_id": 1}``, ``{"group_id": 2}``)."""
    _taken(session, model, owner, code, None)
    row = model(**owner, code=code, name=name)
    session.add(row)
    _flush(session, code)
    audit.record(
        session,
        user_id=user_id,
        action=f"{model.__tablename__[:-1]}.create",
        object_type=model.__tablename__[:-1],
        object_id=row.id,
        at=at,
        details={"code": row.code, "name": row.name},
        tenant_id=tenant_id,
    )
    return row


def update(
    session: Session,
    row: Entry,
    owner: dict[str, int],
    changes: dict[str, Any],
    *,
    user_id: int,
    at: datetime,
    tenant_id: int,
) -> Entry:
    """Rename, renumber, retire (``active`` false) or bring back an entry: only the fields in
    ``changes`` (none of them null)."""
    for name, value in changes.items():
        if value is None:
            raise Invalid.field(name, "cannot be null")
    if "code" in changes:
        _taken(session, type(row), owner, changes["code"], row.id)
    for name, value in changes.items():
        setattr(row, name, value)
    _flush(session, changes.get("code"))
    audit.record(
        session,
        user_id=user_id,
        action=f"{row.__tablename__[:-1]}.update",
        object_type=row.__tablename__[:-1],
        object_id=row.id,
        at=at,
        details=changes,
        tenant_id=tenant_id,
    )
    return row


def _flush(session: Session, code: int | None) -> None:
    try:
        session.flush()
    except IntegrityError:  # the same code given at the same moment
        raise Conflict(f"code {code} is already taken") from None
