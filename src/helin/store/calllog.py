"""Call rows as calls happen: opened when a call starts, closed when it ends, recovered after
a crash; recordings attached; the group call log read back.

A call's row is inserted when the call starts (outcome NULL). Group calls are closed by the
engine's ``CallRecord`` (``repos.write_records``); direct and outbound calls by ``close_call``.
After a crash ``fail_open_calls`` closes every row still open with outcome ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helin.acd.model import Outcome
from helin.store.base import from_posix, from_posix_opt
from helin.store.enums import Direction
from helin.store.tables import Call, Group, Recording, Tenant

GROUP_LOG_SIZE = 99
"""Calls in a group's call log (the product shows the last 99)."""


def open_call(
    session: Session,
    *,
    call_id: str,
    direction: str,
    tenant_id: int,
    group_id: int | None,
    agent_id: int | None,
    caller: str,
    number: str,
    arrived_at: float,
) -> None:
    session.add(
        Call(
            call_id=call_id,
            segment=0,
            direction=Direction(direction),
            tenant_id=tenant_id,
            group_id=group_id,
            agent_id=agent_id,
            caller=caller[:64],
            number=number[:64],
            arrived_at=from_posix(arrived_at),
            offers=0,
        )
    )
    session.flush()


def close_call(
    session: Session, *, call_id: str, ended_at: float, answered_at: float | None, outcome: str
) -> None:
    """Close a direct or outbound call's row."""
    session.execute(
        update(Call)
        .where(Call.call_id == call_id, Call.segment == 0)
        .values(
            ended_at=from_posix(ended_at),
            answered_at=from_posix_opt(answered_at),
            outcome=Outcome(outcome),
        )
    )


def add_recording(
    session: Session,
    *,
    call_id: str,
    tenant_id: int,
    path: str,
    size: int,
    sha256: str,
    duration: float,
    now: float,
) -> Recording:
    """A finished recording, attached to the call's last segment, kept for the tenant's
    retention period."""
    call = session.scalar(
        select(Call).where(Call.call_id == call_id).order_by(Call.segment.desc()).limit(1)
    )
    days = session.scalar(select(Tenant.recording_retention_days).where(Tenant.id == tenant_id))
    created = from_posix(now)
    recording = Recording(
        tenant_id=tenant_id,
        call_row_id=call.id if call is not None else None,
        path=path,
        size_bytes=size,
        sha256=sha256,
        duration=duration,
        created_at=created,
        retained_until=created + timedelta(days=days or 30),
    )
    session.add(recording)
    session.flush()
    return recording


def fail_open_calls(session: Session, now: float) -> int:
    """Close every call row left open (by a crash) as ``failed``; returns how many."""
    result = session.execute(
        update(Call)
        .where(Call.outcome.is_(None))
        .values(outcome=Outcome.FAILED, ended_at=from_posix(now))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of a group's call log."""

    call_id: str
    direction: Direction
    caller: str
    number: str
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: Outcome | None
    agent_id: int | None
    missed: bool
    """An inbound call that ended without an agent of the group answering and was not
    handed on (forwarded): the caller may want a call back. Calls still going are not."""


def find_group(session: Session, name_or_id: str) -> int | str:
    """A group's id from its id or its name; otherwise why not (a message for the user)."""
    if name_or_id.isdigit() and session.get(Group, int(name_or_id)) is not None:
        return int(name_or_id)
    ids = list(session.scalars(select(Group.id).where(Group.name == name_or_id)))
    if len(ids) == 1:
        return ids[0]
    if ids:
        return f"several groups are named {name_or_id!r}; give its id ({', '.join(map(str, ids))})"
    return f"no group {name_or_id!r}"


def group_name(session: Session, group_id: int) -> str:
    return session.scalar(select(Group.name).where(Group.id == group_id)) or ""


def group_call_log(session: Session, group_id: int, limit: int = GROUP_LOG_SIZE) -> list[LogEntry]:
    """The last ``limit`` calls into the group or out with its numbers, newest first."""
    rows = session.scalars(
        select(Call)
        .where(Call.group_id == group_id)
        .order_by(Call.arrived_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()
    return [
        LogEntry(
            call_id=row.call_id,
            direction=row.direction,
            caller=row.caller,
            number=row.number,
            arrived_at=row.arrived_at,
            answered_at=row.answered_at,
            ended_at=row.ended_at,
            outcome=row.outcome,
            agent_id=row.agent_id,
            missed=row.direction is Direction.INBOUND
            and row.outcome is not None
            and row.outcome is not Outcome.ANSWERED
            and row.forwarded_to is None,
        )
        for row in rows
    ]
