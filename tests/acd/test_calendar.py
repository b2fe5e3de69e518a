"""Opening hours: time zones, daylight-saving changes, exceptions and holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from helin.acd import events as ev
from helin.acd.calendar import OpeningCalendar, format_range, parse_hhmm
from helin.acd.model import GroupConfig, Outcome
from tests.acd.harness import QUIET, Harness, records

TALLINN = ZoneInfo("Europe/Tallinn")
WEEKDAYS_8_TO_17 = {day: ((8 * 60, 17 * 60),) for day in range(5)}


def at(*args: int) -> float:
    return datetime(*args, tzinfo=TALLINN).timestamp()  # type: ignore[misc]


def test_weekly_hours_in_the_groups_time_zone() -> None:
    cal = OpeningCalendar(weekly=WEEKDAYS_8_TO_17)
    assert cal.is_open(at(2026, 11, 25, 8, 0))  # Wednesday
    assert not cal.is_open(at(2026, 11, 25, 7, 59, 59))
    assert not cal.is_open(at(2026, 11, 25, 17, 0))
    assert not cal.is_open(at(2026, 11, 28, 12, 0))  # Saturday
    # 06:30 UTC is 08:30 in Tallinn (EET, UTC+2) in November.
    assert cal.is_open(datetime(2026, 11, 25, 6, 30, tzinfo=ZoneInfo("UTC")).timestamp())


@pytest.mark.parametrize(
    ("day", "utc_hour_open", "utc_hour_closed"),
    [
        # Before the spring change (EET, UTC+2) and after it (EEST, UTC+3).
        (date(2026, 3, 27), 6, 5),
        (date(2026, 3, 30), 5, 4),
        # Before the autumn change (EEST) and after it (EET).
        (date(2026, 10, 23), 5, 4),
        (date(2026, 10, 26), 6, 5),
    ],
)
def test_opening_follows_wall_clock_across_dst(
    day: date, utc_hour_open: int, utc_hour_closed: int
) -> None:
    cal = OpeningCalendar(weekly=WEEKDAYS_8_TO_17)
    utc = ZoneInfo("UTC")
    opened = datetime(day.year, day.month, day.day, utc_hour_open, 0, tzinfo=utc).timestamp()
    closed = datetime(day.year, day.month, day.day, utc_hour_closed, 59, tzinfo=utc).timestamp()
    assert cal.is_open(opened)
    assert not cal.is_open(closed)


def test_night_of_the_spring_change_keeps_hours_that_span_it() -> None:
    # Open 00:00-06:00 on Sunday 29 March 2026; 03:00 local jumps to 04:00.
    cal = OpeningCalendar(weekly={6: ((0, 6 * 60),)})
    utc = ZoneInfo("UTC")
    assert cal.is_open(datetime(2026, 3, 29, 0, 30, tzinfo=utc).timestamp())  # 02:30 EET
    assert cal.is_open(datetime(2026, 3, 29, 1, 30, tzinfo=utc).timestamp())  # 04:30 EEST
    assert not cal.is_open(datetime(2026, 3, 29, 3, 0, tzinfo=utc).timestamp())  # 06:00 EEST


def test_holidays_close_and_exceptions_override() -> None:
    christmas, boxing_day, friday = date(2026, 12, 24), date(2026, 12, 25), date(2026, 11, 27)
    cal = OpeningCalendar(
        weekly=WEEKDAYS_8_TO_17,
        holidays=frozenset({christmas, boxing_day}),
        exceptions={christmas: ((9 * 60, 12 * 60),), friday: ()},
    )
    assert cal.is_open(at(2026, 12, 24, 10, 0))  # special hours on a holiday
    assert not cal.is_open(at(2026, 12, 24, 13, 0))
    assert not cal.is_open(at(2026, 12, 25, 10, 0))  # holiday
    assert not cal.is_open(at(2026, 11, 27, 10, 0))  # closed by exception
    assert cal.is_open(at(2026, 11, 26, 10, 0))


def test_estonian_holidays_from_the_holidays_package() -> None:
    import holidays

    ee = holidays.country_holidays("EE", years=2026)
    cal = OpeningCalendar(weekly=WEEKDAYS_8_TO_17, holidays=frozenset(ee))
    assert not cal.is_open(at(2026, 2, 24, 10, 0))  # Independence Day, a Tuesday
    assert cal.is_open(at(2026, 2, 25, 10, 0))


def test_closed_calendar_closes_the_group_in_the_engine() -> None:
    h = Harness(start=at(2026, 11, 28, 12, 0))  # Saturday
    config = GroupConfig(id="g", queue=QUIET, calendar=OpeningCalendar(weekly=WEEKDAYS_8_TO_17))
    h.send(ev.GroupConfigured(group=config))
    h.call("c1")
    h.clip_done("c1")
    assert records(h.log)["c1"].outcome is Outcome.CLOSED


@pytest.mark.parametrize("text", ["8:00x", "25:00", "12:60", "1200", "24:01", ""])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


def test_time_parsing_round_trips() -> None:
    rng = (parse_hhmm("08:30"), parse_hhmm("24:00"))
    assert rng == (510, 1440)
    assert format_range(rng) == "08:30-24:00"


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        OpeningCalendar(weekly={0: ((600, 500),)})
    with pytest.raises(ValueError, match="weekday"):
        OpeningCalendar(weekly={7: ((0, 60),)})
    with pytest.raises(Exception, match="Mars"):
        OpeningCalendar(timezone="Mars/Olympus")
