"""Reports ordered by e-mail: the orders, each run of an order, and the files a run made.

A run row is committed before anything is rendered or sent, one per (order, time it was due),
so a restart neither skips a run nor makes one twice; its state says how far delivery got.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helin.reports.catalog import ReportKind
from helin.reports.schedule import Covers, Frequency
from helin.stats.metrics import SlFormula
from helin.stats.rollup import Period
from helin.store.tables.base import Base, UtcDateTime, str_enum, utcnow


class RunState(StrEnum):
    PENDING = "pending"
    """Due, not yet tried (or tried and to be tried again: ``next_attempt_at``)."""
    SENT = "sent"
    """The SMTP server accepted the message."""
    FAILED = "failed"
    """Given up: a permanent refusal, a day of temporary ones, or nothing to report with."""


class ReportOrder(Base):
    """A report a manager ordered, once or recurring, and to whom it goes."""

    __tablename__ = "report_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The manager who ordered it: each run is made with their rights at the time."""
    title: Mapped[str] = mapped_column(String(200), default="")
    report: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, "report"))
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Empty: every group of the company."""
    interval: Mapped[Period] = mapped_column(str_enum(Period, "interval"), default=Period.HOUR)
    threshold: Mapped[int | None] = mapped_column(default=None)
    """T in seconds; None: each group's own."""
    formula: Mapped[SlFormula] = mapped_column(
        str_enum(SlFormula, "formula"), default=SlFormula.OFFERED
    )
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "frequency"))
    timezone: Mapped[str] = mapped_column(String(64))
    send_at: Mapped[str] = mapped_column(String(5), default="07:00")
    """Local time of day, ``HH:MM``."""
    weekday: Mapped[int] = mapped_column(default=1)
    month_day: Mapped[int] = mapped_column(default=1)
    covers: Mapped[Covers] = mapped_column(str_enum(Covers, "covers"), default=Covers.DAY)
    since: Mapped[date | None] = mapped_column(Date(), default=None)
    """A one-time order's first day."""
    until: Mapped[date | None] = mapped_column(Date(), default=None)
    ends_on: Mapped[date | None] = mapped_column(Date(), default=None)
    max_runs: Mapped[int | None] = mapped_column(default=None)
    paused: Mapped[bool] = mapped_column(default=False)
    runs_planned: Mapped[int] = mapped_column(default=0)
    """Scheduled runs made so far (``send now`` does not count)."""
    planned_until: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    """Runs due up to this instant have their rows."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ReportRun(Base):
    """One run of an order: the days it covers and how its delivery went."""

    __tablename__ = "report_runs"
    __table_args__ = (
        UniqueConstraint("order_id", "scheduled_at"),
        Index("ix_report_runs_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("report_orders.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """When it was due (``send now``: when asked)."""
    first: Mapped[date] = mapped_column(Date())
    last: Mapped[date] = mapped_column(Date())
    """The days covered, both included, in the order's time zone."""
    late: Mapped[bool] = mapped_column(default=False)
    """Planned after its time had passed (helin was not running then)."""
    manual: Mapped[bool] = mapped_column(default=False)
    """Made by ``send now``."""
    state: Mapped[RunState] = mapped_column(str_enum(RunState, "state"), default=RunState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=utcnow)
    error: Mapped[str | None] = mapped_column(String(1000), default=None)
    """The last failure, as the SMTP server (or the report) gave it."""
    linked: Mapped[bool] = mapped_column(default=False)
    """The files were too large to attach: the message links to them."""
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ReportFile(Base):
    """A file a run made (kept to be downloaded again from the run's history)."""

    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("run_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("report_runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary())
