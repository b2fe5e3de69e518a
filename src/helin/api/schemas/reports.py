"""Report orders, their runs and files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from helin.api.schemas.common import Body, BodyId
from helin.reports.catalog import Format, ReportKind
from helin.reports.schedule import Covers, Frequency
from helin.stats.metrics import SlFormula
from helin.stats.rollup import Period
from helin.store.provisioning.schema import Email

Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
"""A local time of day, ``HH:MM``."""


class OrderFields(Body):
    """What an order asks for; every field but the report and the recipients has a default."""

    title: str = Field(default="", max_length=200)
    """Printed instead of the report's name when given."""
    report: ReportKind
    group_ids: list[BodyId] = Field(default=[], max_length=500)
    """Empty: every group of the company."""
    interval: Period = Period.HOUR
    """The rows of the group summary and the service level report."""
    threshold: int | None = None
    """T, seconds (5, 10, 15, 20, 30, 45, 60, 90, 120, 180 or 300); null: each group's."""
    formula: SlFormula = SlFormula.OFFERED
    formats: list[Format] = Field(default=[Format.PDF], min_length=1, max_length=3)
    recipients: list[Email] = Field(min_length=1, max_length=50)
    language: Literal["en", "et"] = "en"
    frequency: Frequency = Frequency.ONCE
    timezone: str | None = Field(default=None, max_length=64)
    """The days' and send time's zone; null: the company's (its first group's)."""
    since: date | None = None
    """A one-time report's first day (both needed for ``once``)."""
    until: date | None = None
    send_at: Clock = "07:00"
    weekday: int = Field(default=1, ge=1, le=7)
    """Weekly: ISO weekday (1 is Monday)."""
    month_day: int = Field(default=1, ge=1, le=31)
    """Monthly: the day (a shorter month's last day where it has fewer)."""
    covers: Covers | None = None
    """What a recurring run covers: the previous ``day``, ``week`` or ``month``; null: what
    the frequency says (daily: day, weekly: week, monthly: month)."""
    ends_on: date | None = None
    max_runs: int | None = Field(default=None, ge=1, le=100_000)


class OrderUpdate(OrderFields):
    """The whole order again (as the web form sends it), and whether it is paused."""

    paused: bool = False


class RunPublic(BaseModel):
    id: int
    scheduled_at: datetime
    first: date
    last: date
    late: bool
    manual: bool
    state: Literal["pending", "sent", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    """The last failure, or the recipients a sent message was refused for."""
    linked: bool
    sent_at: datetime | None
    files: list[FilePublic]


class FilePublic(BaseModel):
    id: int
    name: str
    size: int
    url: str


class OrderPublic(BaseModel):
    id: int
    title: str
    report: ReportKind
    group_ids: list[int]
    interval: Period
    threshold: int | None
    formula: SlFormula
    formats: list[Format]
    recipients: list[str]
    language: str
    frequency: Frequency
    timezone: str
    since: date | None
    until: date | None
    send_at: str
    weekday: int
    month_day: int
    covers: Covers
    ends_on: date | None
    max_runs: int | None
    paused: bool
    owner_id: int | None
    next_run_at: datetime | None
    """None for a one-time order, a paused one, or one that has ended."""
    last_run: RunPublic | None
    created_at: datetime


class OrderPage(BaseModel):
    items: list[OrderPublic]


class RunPage(BaseModel):
    items: list[RunPublic]


RunPublic.model_rebuild()
