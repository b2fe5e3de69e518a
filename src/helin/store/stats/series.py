"""Reading the rollups: one group's counts per period of its own time zone.

A period is 15 minutes, an hour, a day, a week (Monday to Sunday) or a month of the group's
local calendar. Periods of up to an hour are sums of 15-minute rows (``group_intervals``),
stepped through in UTC from the group's local midnight, so a day on which the clocks change
has 23 or 25 hourly periods, the repeated hour told apart by its UTC offset. Days, weeks and
months are sums of local-day rows (``group_days``) — unless the view keeps only some hours of
the day, which only the 15-minute rows can tell. Every period of the range is listed, also
those without calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.stats.metrics import GroupCounts
from helin.stats.rollup import INTERVAL_SECONDS, Period
from helin.store.stats.rollups import counts_of
from helin.store.tables import group_days, group_intervals

_SECONDS = {Period.QUARTER: INTERVAL_SECONDS, Period.HOUR: 3600}


@dataclass(frozen=True, slots=True)
class Slice:
    """Which part of the calendar a view keeps."""

    first: date
    last: date
    """Inclusive."""
    weekdays: frozenset[int] = frozenset(range(7))
    """0 is Monday."""
    hours: tuple[int, int] = (0, 24)
    """Local hours kept: ``from <= hour < to``."""

    @property
    def whole_days(self) -> bool:
        return self.hours == (0, 24)


@dataclass(frozen=True, slots=True)
class Row:
    start: datetime
    """The period's local start, with its UTC offset."""
    seconds: float
    """The period's length (a day with a clock change has 23 or 25 hours)."""
    counts: GroupCounts


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def series(
    session: Session, group_id: int, timezone: str, view: Slice, period: Period
) -> list[Row]:
    """Every period of ``view`` for the group, with its counts."""
    zone = ZoneInfo(timezone)
    if period in _SECONDS:
        return _short(session, group_id, zone, view, _SECONDS[period])
    if view.whole_days:
        days = _days_from_days(session, group_id, view)
    else:
        days = _days_from_intervals(session, group_id, zone, view)
    return _long(days, zone, view, period)


def _interval_rows(
    session: Session, group_id: int, zone: ZoneInfo, view: Slice
) -> dict[int, GroupCounts]:
    begin = int(midnight(view.first, zone).timestamp())
    end = int(midnight(view.last + timedelta(days=1), zone).timestamp())
    rows = session.execute(
        select(group_intervals).where(
            group_intervals.c.group_id == group_id,
            group_intervals.c.start >= begin,
            group_intervals.c.start < end,
        )
    )
    return {row.start: counts_of(row) for row in rows}


def _kept(local: datetime, view: Slice) -> bool:
    return local.weekday() in view.weekdays and view.hours[0] <= local.hour < view.hours[1]


def _short(session: Session, group_id: int, zone: ZoneInfo, view: Slice, step: int) -> list[Row]:
    stored = _interval_rows(session, group_id, zone, view)
    begin = int(midnight(view.first, zone).timestamp())
    end = int(midnight(view.last + timedelta(days=1), zone).timestamp())
    out = []
    for start in range(begin, end, step):
        local = datetime.fromtimestamp(start, UTC).astimezone(zone)
        if not _kept(local, view):
            continue
        counts = GroupCounts()
        for quarter in range(start, start + step, INTERVAL_SECONDS):
            found = stored.get(quarter)
            if found is not None:
                counts = counts + found
        out.append(Row(local, step, counts))
    return out


def _days_from_days(session: Session, group_id: int, view: Slice) -> dict[date, GroupCounts]:
    rows = session.execute(
        select(group_days).where(
            group_days.c.group_id == group_id,
            group_days.c.day >= view.first,
            group_days.c.day <= view.last,
        )
    )
    return {row.day: counts_of(row) for row in rows}


def _days_from_intervals(
    session: Session, group_id: int, zone: ZoneInfo, view: Slice
) -> dict[date, GroupCounts]:
    days: dict[date, GroupCounts] = {}
    for start, counts in _interval_rows(session, group_id, zone, view).items():
        local = datetime.fromtimestamp(start, UTC).astimezone(zone)
        if _kept(local, view):
            days[local.date()] = days.get(local.date(), GroupCounts()) + counts
    return days


def _period_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _long(days: dict[date, GroupCounts], zone: ZoneInfo, view: Slice, period: Period) -> list[Row]:
    buckets: dict[date, GroupCounts] = {}
    spans: dict[date, float] = {}
    for day in _dates(view.first, view.last):
        if day.weekday() not in view.weekdays:
            continue
        key = _period_start(day, period)
        buckets[key] = buckets.get(key, GroupCounts()) + days.get(day, GroupCounts())
        length = (midnight(day + timedelta(days=1), zone) - midnight(day, zone)).total_seconds()
        spans[key] = spans.get(key, 0.0) + length * (view.hours[1] - view.hours[0]) / 24
    return [Row(midnight(key, zone), spans[key], counts) for key, counts in buckets.items()]


def _dates(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
