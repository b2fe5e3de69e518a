"""When a report order runs and which days each run covers: pure calendar arithmetic in the
order's own time zone.

A one-time order runs once, at once, over the date range it names. A recurring order runs
daily, weekly on a weekday or monthly on a day of the month (the month's last day where the
month is shorter), at a local time of day, and each run covers the previous day, week (Monday
to Sunday) or month before the day it runs on. A run's time is the local time on its day; a
local time the clocks skip (the spring change) is taken as the time the same distance after
the change, one the clocks repeat (the autumn change) as its first occurrence. A recurring
order may end on a date (no run after that local day) or after a number of runs.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Frequency(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Covers(StrEnum):
    """What a recurring run covers: the whole day, week or month before the day it runs."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Span:
    """Days a run covers, both included, in the order's time zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def printed(self) -> str:
        """``2026-03-02`` for a day, ``2026-03-02 – 2026-03-08`` for longer."""
        if self.last == self.first:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Recurrence:
    frequency: Frequency
    timezone: str
    at: time = time(7, 0)
    """Local time of day a recurring run is sent."""
    weekday: int = 1
    """ISO weekday of a weekly run (1 is Monday)."""
    month_day: int = 1
    """Day of the month of a monthly run (1-31; a shorter month's last day)."""
    covers: Covers = Covers.DAY
    ends_on: date | None = None
    """No run after this local day."""
    max_runs: int | None = None
    """No run after this many."""
    span: Span | None = None
    """A one-time order's days."""

    def problems(self) -> list[tuple[str, str]]:
        """(field, reason) of everything that makes this no recurrence at all."""
        out: list[tuple[str, str]] = []
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            out.append(("timezone", f"no time zone called {self.timezone!r}"))
        if self.frequency is Frequency.ONCE:
            if self.span is None:
                out.append(("since", "a one-time report needs its days (since and until)"))
            elif self.span.last < self.span.first:
                out.append(("until", "must not be before since"))
            return out
        if not 1 <= self.weekday <= 7:
            out.append(("weekday", "an ISO weekday, 1 (Monday) to 7 (Sunday)"))
        if not 1 <= self.month_day <= 31:
            out.append(("month_day", "a day of the month, 1 to 31"))
        if self.max_runs is not None and self.max_runs < 1:
            out.append(("max_runs", "at least 1"))
        return out


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone`` as a UTC instant. zoneinfo reads a wall time the clocks
    skip with the offset from before the change (so it lands as far after the change) and
    one they repeat as its first occurrence (``fold=0``)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


def _days(recurrence: Recurrence, start: date) -> Iterator[date]:
    """The local days the order runs on, from ``start`` on."""
    day = start
    if recurrence.frequency is Frequency.DAILY:
        while True:
            yield day
            day += timedelta(days=1)
    if recurrence.frequency is Frequency.WEEKLY:
        day += timedelta(days=(recurrence.weekday - day.isoweekday()) % 7)
        while True:
            yield day
            day += timedelta(days=7)
    year, month = day.year, day.month
    while True:
        last = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(recurrence.month_day, last))
        if candidate >= start:
            yield candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def runs(recurrence: Recurrence, after: datetime, *, done: int = 0) -> Iterator[datetime]:
    """The UTC instants of the recurring order's runs strictly after ``after``, in order,
    ``done`` runs having been made already; stops at its end (``ends_on``, ``max_runs``)."""
    assert recurrence.frequency is not Frequency.ONCE
    zone = ZoneInfo(recurrence.timezone)
    count = done
    start = after.astimezone(zone).date() - timedelta(days=1)
    for day in _days(recurrence, start):
        if recurrence.ends_on is not None and day > recurrence.ends_on:
            return
        if recurrence.max_runs is not None and count >= recurrence.max_runs:
            return
        moment = local_instant(day, recurrence.at, zone)
        if moment > after:
            count += 1
            yield moment


def due(recurrence: Recurrence, after: datetime, now: datetime, *, done: int = 0) -> list[datetime]:
    """The runs after ``after`` that are due by ``now`` (several if helin was down)."""
    out = []
    for moment in runs(recurrence, after, done=done):
        if moment > now:
            break
        out.append(moment)
    return out


def next_run(recurrence: Recurrence, after: datetime, *, done: int = 0) -> datetime | None:
    return next(runs(recurrence, after, done=done), None)


def covered(recurrence: Recurrence, moment: datetime) -> Span:
    """The days the run at ``moment`` covers (a one-time order: its own days)."""
    if recurrence.frequency is Frequency.ONCE:
        assert recurrence.span is not None
        return recurrence.span
    today = moment.astimezone(ZoneInfo(recurrence.timezone)).date()
    if recurrence.covers is Covers.DAY:
        yesterday = today - timedelta(days=1)
        return Span(yesterday, yesterday)
    if recurrence.covers is Covers.WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return Span(monday, monday + timedelta(days=6))
    last = today.replace(day=1) - timedelta(days=1)
    return Span(last.replace(day=1), last)
