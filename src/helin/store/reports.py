"""Report orders, their runs and files: the rows, and planning the runs that are due.

Planning is idempotent: an order remembers up to when its runs have rows
(``planned_until``), and a run is unique per (order, time due), so planning twice, or on
two nodes at once, adds each run once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.reports.schedule import Frequency, Recurrence, Span, covered, due
from helin.store.tables import ReportFile, ReportOrder, ReportRun
from helin.store.tables.reports import RunState

LATE_AFTER = timedelta(minutes=5)
"""A run planned this long after its time is marked late (helin was not running)."""


def recurrence_of(order: ReportOrder) -> Recurrence:
    hour, minute = (int(part) for part in order.send_at.split(":"))
    span = None
    if order.since is not None and order.until is not None:
        span = Span(order.since, order.until)
    return Recurrence(
        frequency=order.frequency,
        timezone=order.timezone,
        at=time(hour, minute),
        weekday=order.weekday,
        month_day=order.month_day,
        covers=order.covers,
        ends_on=order.ends_on,
        max_runs=order.max_runs,
        span=span,
    )


def orders(session: Session, tenant_id: int) -> list[ReportOrder]:
    query = select(ReportOrder).where(ReportOrder.tenant_id == tenant_id)
    return list(session.scalars(query.order_by(ReportOrder.id)))


def order(session: Session, tenant_id: int, order_id: int) -> ReportOrder | None:
    found = session.get(ReportOrder, order_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def add_run(
    session: Session,
    order: ReportOrder,
    scheduled_at: datetime,
    span: Span,
    *,
    late: bool = False,
    manual: bool = False,
) -> ReportRun:
    run = ReportRun(
        order_id=order.id,
        tenant_id=order.tenant_id,
        scheduled_at=scheduled_at,
        first=span.first,
        last=span.last,
        late=late,
        manual=manual,
        next_attempt_at=scheduled_at,
    )
    session.add(run)
    session.flush()
    return run


def plan(session: Session, now: datetime) -> list[ReportRun]:
    """Rows for every run of an active recurring order due by ``now`` (each missed one once,
    marked late); the caller commits."""
    query = select(ReportOrder).where(
        ReportOrder.paused.is_(False), ReportOrder.frequency != Frequency.ONCE
    )
    made: list[ReportRun] = []
    for found in session.scalars(query.with_for_update(skip_locked=True)):
        recurrence = recurrence_of(found)
        moments = due(recurrence, found.planned_until, now, done=found.runs_planned)
        for moment in moments:
            try:
                with session.begin_nested():
                    made.append(
                        add_run(
                            session,
                            found,
                            moment,
                            covered(recurrence, moment),
                            late=now - moment > LATE_AFTER,
                        )
                    )
            except IntegrityError:  # planned meanwhile elsewhere
                continue
        found.runs_planned += len(moments)
        found.planned_until = now
    return made


def due_runs(session: Session, now: datetime, limit: int = 20) -> list[ReportRun]:
    """Runs waiting to be sent whose time has come, oldest first."""
    query = (
        select(ReportRun)
        .where(ReportRun.state == RunState.PENDING, ReportRun.next_attempt_at <= now)
        .order_by(ReportRun.next_attempt_at, ReportRun.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def runs(session: Session, order_id: int, limit: int = 100) -> list[ReportRun]:
    query = select(ReportRun).where(ReportRun.order_id == order_id)
    return list(session.scalars(query.order_by(ReportRun.scheduled_at.desc()).limit(limit)))


def run(session: Session, tenant_id: int, run_id: int) -> ReportRun | None:
    found = session.get(ReportRun, run_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def files(session: Session, run_id: int) -> list[ReportFile]:
    query = select(ReportFile).where(ReportFile.run_id == run_id).order_by(ReportFile.id)
    return list(session.scalars(query))


def file_names(session: Session, run_ids: Sequence[int]) -> dict[int, list[tuple[int, str, int]]]:
    """(id, name, size) of each run's files, without their bytes."""
    out: dict[int, list[tuple[int, str, int]]] = {r: [] for r in run_ids}
    if not run_ids:
        return out
    query = select(ReportFile.run_id, ReportFile.id, ReportFile.name, ReportFile.size).where(
        ReportFile.run_id.in_(list(run_ids))
    )
    for run_id, file_id, name, size in session.execute(query.order_by(ReportFile.id)):
        out[run_id].append((file_id, name, size))
    return out


def keep_files(session: Session, run_id: int, made: Sequence[tuple[str, str, bytes]]) -> None:
    """A run's files (name, media type, bytes), replacing any it had."""
    session.execute(delete(ReportFile).where(ReportFile.run_id == run_id))
    for name, media_type, data in made:
        session.add(
            ReportFile(run_id=run_id, name=name, media_type=media_type, size=len(data), data=data)
        )
