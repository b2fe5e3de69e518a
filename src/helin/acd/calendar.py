"""Opening hours: weekly ranges in a group's own time zone, dated exceptions and holidays.

Ranges are wall-clock minutes ``[start, end)`` from local midnight, so a group open 08:00-17:00
stays open 08:00-17:00 on both sides of a daylight-saving change. Precedence for a local date:
a dated exception (special hours, or closed with no ranges) wins over a holiday, which wins over
the weekly ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60

Range = tuple[int, int]
"""``(start_minute, end_minute)`` from local midnight; ``end`` may be 1440 (midnight)."""


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_hhmm(text: str) -> int:
    """``"08:30"`` -> 510; ``"24:00"`` -> 1440. Raises ValueError on anything else."""
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"time {text!r} must look like HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"time {text!r} is not between 00:00 and 24:00")
    return value


def check_range(rng: Range) -> Range:
    start, end = rng
    if not (0 <= start < end <= MINUTES_PER_DAY):
        raise ValueError(f"opening range {format_range(rng)} must start before it ends")
    return rng


def format_range(rng: Range) -> str:
    (sh, sm), (eh, em) = divmod(rng[0], 60), divmod(rng[1], 60)
    return f"{sh:02d}:{sm:02d}-{eh:02d}:{em:02d}"


@dataclass(frozen=True, kw_only=True)
class OpeningCalendar:
    timezone: str = "Europe/Tallinn"
    weekly: Mapping[int, tuple[Range, ...]] = field(default_factory=dict)
    """Weekday (0 = Monday) -> open ranges. A weekday missing here is closed."""
    exceptions: Mapping[date, tuple[Range, ...]] = field(default_factory=dict)
    """Dated special hours; an empty tuple closes the whole day."""
    holidays: frozenset[date] = frozenset()
    """Public holidays, closed all day unless an exception says otherwise."""

    def __post_init__(self) -> None:
        _zone(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone
        for ranges in (*self.weekly.values(), *self.exceptions.values()):
            for rng in ranges:
                check_range(rng)
        if any(not 0 <= day <= 6 for day in self.weekly):
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")

    @classmethod
    def always_open(cls, timezone: str = "Europe/Tallinn") -> OpeningCalendar:
        return cls(timezone=timezone, weekly={day: ((0, MINUTES_PER_DAY),) for day in range(7)})

    def local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, _zone(self.timezone))

    def ranges_on(self, day: date) -> tuple[Range, ...]:
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def is_open(self, now: float) -> bool:
        """Whether the calendar is open at the POSIX time ``now``."""
        local = self.local(now)
        minute = local.hour * 60 + local.minute + local.second / 60
        return any(start <= minute < end for start, end in self.ranges_on(local.date()))
