"""Report orders for managers: order, list, change, pause, delete, send now, and each run's
history with its files. A one-time order's run is made at once; a recurring order's runs are
planned by ``helin.reports.runs`` as they fall due. Every change is in the audit log."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.reports import (
    FilePublic,
    OrderFields,
    OrderPage,
    OrderPublic,
    OrderUpdate,
    RunPage,
    RunPublic,
)
from helin.api.services import stats
from helin.api.services.errors import Forbidden, Invalid, NotFound
from helin.api.services.groups import managed_group
from helin.api.services.security import Principal, may_manage
from helin.reports.schedule import Covers, Frequency, Recurrence, Span, covered, next_run
from helin.stats.metrics import THRESHOLDS
from helin.store import audit
from helin.store import reports as rows
from helin.store.calls import history
from helin.store.tables import ReportFile, ReportOrder, ReportRun

NOT_FOUND = "no such report order"
DEFAULT_COVERS = {
    Frequency.ONCE: Covers.DAY,
    Frequency.DAILY: Covers.DAY,
    Frequency.WEEKLY: Covers.WEEK,
    Frequency.MONTHLY: Covers.MONTH,
}


def _manager(me: Principal) -> int:
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("reports are for managers")
    return me.tenant_id


def _audit(
    session: Session, ctx: ApiContext, me: Principal, action: str, order_id: int, **details: Any
) -> None:
    audit.record(
        session,
        user_id=me.user_id,
        action=action,
        object_type="report_order",
        object_id=order_id,
        at=ctx.clock(),
        details=details or None,
    )


def _apply(session: Session, me: Principal, order: ReportOrder, body: OrderFields) -> None:
    """``body``'s fields on ``order``, after checking them as a whole (422 naming each)."""
    tenant_id = _manager(me)
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, group_id in enumerate(body.group_ids):
        try:
            managed_group(session, me, group_id)
        except NotFound:
            problems.append((("body", "group_ids", index), "no such group"))
    if body.threshold is not None and body.threshold not in THRESHOLDS:
        problems.append(
            (("body", "threshold"), f"one of {', '.join(map(str, THRESHOLDS))} seconds")
        )
    zone = body.timezone or history.tenant_zone(session, tenant_id)
    hour, minute = (int(p) for p in body.send_at.split(":"))
    span = Span(body.since, body.until) if body.since and body.until else None
    covers = body.covers or DEFAULT_COVERS[body.frequency]
    recurrence = Recurrence(
        frequency=body.frequency,
        timezone=zone,
        at=time(hour, minute),
        weekday=body.weekday,
        month_day=body.month_day,
        covers=covers,
        ends_on=body.ends_on,
        max_runs=body.max_runs,
        span=span,
    )
    problems += [(("body", name), reason) for name, reason in recurrence.problems()]
    longest = max(stats.MAX_DAYS[body.interval], 1)
    days = (
        span.days if span is not None else {Covers.DAY: 1, Covers.WEEK: 7, Covers.MONTH: 31}[covers]
    )
    if days > longest:
        problems.append(
            (
                ("body", "interval"),
                f"at most {longest} days by {body.interval.value}; pick a longer interval",
            )
        )
    if problems:
        raise Invalid.at(*problems)
    order.title = body.title
    order.report = body.report
    order.group_ids = list(body.group_ids)
    order.interval = body.interval
    order.threshold = body.threshold
    order.formula = body.formula
    order.formats = [f.value for f in dict.fromkeys(body.formats)]
    order.recipients = list(dict.fromkeys(body.recipients))
    order.language = body.language
    order.frequency = body.frequency
    order.timezone = zone
    order.send_at = body.send_at
    order.weekday = body.weekday
    order.month_day = body.month_day
    order.covers = covers
    order.since, order.until = body.since, body.until
    order.ends_on, order.max_runs = body.ends_on, body.max_runs


def _file(run: ReportRun, file_id: int, name: str, size: int) -> FilePublic:
    return FilePublic(
        id=file_id, name=name, size=size, url=f"/api/v1/report-runs/{run.id}/files/{file_id}"
    )


def _run(run: ReportRun, names: list[tuple[int, str, int]]) -> RunPublic:
    return RunPublic(
        id=run.id,
        scheduled_at=run.scheduled_at,
        first=run.first,
        last=run.last,
        late=run.late,
        manual=run.manual,
        state=run.state.value,
        attempts=run.attempts,
        next_attempt_at=run.next_attempt_at,
        error=run.error,
        linked=run.linked,
        sent_at=run.sent_at,
        files=[_file(run, *found) for found in names],
    )


def _public(session: Session, order: ReportOrder) -> OrderPublic:
    upcoming = None
    if order.frequency is not Frequency.ONCE and not order.paused:
        upcoming = next_run(rows.recurrence_of(order), order.planned_until, done=order.runs_planned)
    latest = rows.runs(session, order.id, limit=1)
    last = None
    if latest:
        last = _run(latest[0], rows.file_names(session, [latest[0].id])[latest[0].id])
    return OrderPublic(
        id=order.id,
        title=order.title,
        report=order.report,
        group_ids=order.group_ids,
        interval=order.interval,
        threshold=order.threshold,
        formula=order.formula,
        formats=order.formats,
        recipients=order.recipients,
        language=order.language,
        frequency=order.frequency,
        timezone=order.timezone,
        since=order.since,
        until=order.until,
        send_at=order.send_at,
        weekday=order.weekday,
        month_day=order.month_day,
        covers=order.covers,
        ends_on=order.ends_on,
        max_runs=order.max_runs,
        paused=order.paused,
        owner_id=order.owner_id,
        next_run_at=upcoming,
        last_run=last,
        created_at=order.created_at,
    )


def _order(session: Session, me: Principal, order_id: int) -> ReportOrder:
    found = rows.order(session, _manager(me), order_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def create(ctx: ApiContext, me: Principal, body: OrderFields) -> OrderPublic:
    tenant_id = _manager(me)
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        order = ReportOrder(tenant_id=tenant_id, owner_id=me.user_id, planned_until=now)
        _apply(session, me, order, body)
        order.created_at = order.updated_at = now
        session.add(order)
        session.flush()
        if order.frequency is Frequency.ONCE:
            recurrence = rows.recurrence_of(order)
            rows.add_run(session, order, now, covered(recurrence, now))
        _audit(session, ctx, me, "report.order", order.id, report=order.report.value)
        out = _public(session, order)
    ctx.wake_reports()
    return out


def list_orders(ctx: ApiContext, me: Principal) -> OrderPage:
    tenant_id = _manager(me)
    with ctx.sessions() as session:
        return OrderPage(items=[_public(session, o) for o in rows.orders(session, tenant_id)])


def get_order(ctx: ApiContext, me: Principal, order_id: int) -> OrderPublic:
    with ctx.sessions() as session:
        return _public(session, _order(session, me, order_id))


def update(ctx: ApiContext, me: Principal, order_id: int, body: OrderUpdate) -> OrderPublic:
    """The order as ``body`` gives it. A changed recurring schedule starts from now: runs it
    would have had before are not made (its runs so far are kept)."""
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        order = _order(session, me, order_id)
        _apply(session, me, order, body)
        if order.paused and not body.paused:
            order.planned_until = now  # a pause is not made up for
        order.paused = body.paused
        order.updated_at = now
        _audit(session, ctx, me, "report.change", order.id, paused=body.paused)
        out = _public(session, order)
    ctx.wake_reports()
    return out


def delete(ctx: ApiContext, me: Principal, order_id: int) -> None:
    """The order, its runs and their files."""
    with ctx.sessions.begin() as session:
        order = _order(session, me, order_id)
        _audit(session, ctx, me, "report.delete", order.id, report=order.report.value)
        session.delete(order)


def send_now(ctx: ApiContext, me: Principal, order_id: int) -> RunPublic:
    """A run now, besides the schedule: a recurring order's latest whole period, a one-time
    order's days again."""
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        order = _order(session, me, order_id)
        run = rows.add_run(
            session, order, now, covered(rows.recurrence_of(order), now), manual=True
        )
        _audit(session, ctx, me, "report.send_now", order.id, run=run.id)
        out = _run(run, [])
    ctx.wake_reports()
    return out


def runs(ctx: ApiContext, me: Principal, order_id: int) -> RunPage:
    with ctx.sessions() as session:
        order = _order(session, me, order_id)
        found = rows.runs(session, order.id)
        names = rows.file_names(session, [r.id for r in found])
        return RunPage(items=[_run(r, names[r.id]) for r in found])


def run_file(ctx: ApiContext, me: Principal, run_id: int, file_id: int) -> tuple[str, str, bytes]:
    """(name, media type, bytes) of one of a run's files."""
    tenant_id = _manager(me)
    with ctx.sessions() as session:
        run = rows.run(session, tenant_id, run_id)
        found = session.get(ReportFile, file_id) if run is not None else None
        if found is None or found.run_id != run_id:
            raise NotFound("no such report file")
        return found.name, found.media_type, found.data
