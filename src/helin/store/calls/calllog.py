"""Call rows after a crash, and the group call log read back.

Rows are written by ``records.write`` alone. After a crash ``fail_open_calls`` closes every
row still open with outcome ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.model import Outcome
from helin.store.calls import records
from helin.store.calls.history import is_missed
from helin.store.tables import Call, Recording
from helin.store.tables.base import from_posix
from helin.store.tables.enums import Direction

GROUP_LOG_SIZE = 99
"""Calls in a group's call log (the product shows the last 99)."""


def fail_open_calls(session: Session, now: float) -> int:
    """Close every call row left open (by a crash) as ``failed``, counted in the statistics
    like any other; returns how many."""
    open_rows = session.scalars(select(Call).where(Call.outcome.is_(None))).all()
    for call in open_rows:
        call.outcome = Outcome.FAILED
        call.ended_at = from_posix(now)
        records.counted(session, call)
    session.flush()
    return len(open_rows)


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
    """See ``history.is_missed``."""
    recording_id: int | None = None
    """The call's recording, once stored and while not deleted."""


def group_call_log(session: Session, group_id: int, limit: int = GROUP_LOG_SIZE) -> list[LogEntry]:
    """The last ``limit`` calls into the group or out with its numbers, newest first."""
    found = session.execute(
        select(Call, Recording.id)
        .outerjoin(
            Recording,
            (Recording.call_row_id == Call.id)
            & Recording.stored_at.is_not(None)
            & Recording.deleted_at.is_(None),
        )
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
            missed=is_missed(row),
            recording_id=recording,
        )
        for row, recording in found
    ]
