"""Report schedules: hand-computed runs and periods, across both clock changes of 2026 in
Tallinn (29 March 03:00 -> 04:00, 25 October 04:00 -> 03:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from helin.reports.schedule import (
    Covers,
    Frequency,
    Recurrence,
    Span,
    covered,
    due,
    next_run,
    runs,
)

ZONE = "Europe/Tallinn"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_weekly_run_keeps_its_local_time_across_the_spring_change() -> None:
    weekly = Recurrence(frequency=Frequency.WEEKLY, timezone=ZONE, weekday=1, covers=Covers.WEEK)
    found = list(zip(range(3), runs(weekly, utc(2026, 3, 20)), strict=False))
    # Monday 07:00: EET (+2) before the change, EEST (+3) after it
    assert [m for _, m in found] == [utc(2026, 3, 23, 5), utc(2026, 3, 30, 4), utc(2026, 4, 6, 4)]
    assert covered(weekly, utc(2026, 3, 30, 4)) == Span(date(2026, 3, 23), date(2026, 3, 29))


def test_a_daily_run_at_a_time_the_clocks_skip_or_repeat() -> None:
    early = Recurrence(frequency=Frequency.DAILY, timezone=ZONE, at=time(3, 30))
    # 03:30 does not exist on 29 March: it lands an hour later, 04:30 EEST
    assert next_run(early, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 30)
    # 03:30 happens twice on 25 October: the first one, still EEST
    assert next_run(early, utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30)
    assert next_run(early, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)
    assert covered(early, utc(2026, 10, 26, 1, 30)) == Span(date(2026, 10, 25), date(2026, 10, 25))


def test_monthly_on_the_31st_runs_on_shorter_months_last_day() -> None:
    monthly = Recurrence(
        frequency=Frequency.MONTHLY, timezone=ZONE, month_day=31, covers=Covers.MONTH
    )
    found = [
        m.astimezone(UTC).date()
        for _, m in zip(range(4), runs(monthly, utc(2027, 1, 1)), strict=False)
    ]
    # 07:00 local is 05:00 UTC in winter, 04:00 in summer: the same dates
    assert found == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert covered(monthly, utc(2027, 3, 1, 5)) == Span(date(2027, 2, 1), date(2027, 2, 28))
    assert covered(monthly, utc(2027, 1, 31, 5)) == Span(date(2026, 12, 1), date(2026, 12, 31))


def test_an_order_ends_on_a_date_or_after_its_runs() -> None:
    counted = Recurrence(frequency=Frequency.DAILY, timezone=ZONE, max_runs=3)
    assert len(list(runs(counted, utc(2026, 6, 1)))) == 3
    assert len(list(runs(counted, utc(2026, 6, 1), done=2))) == 1
    assert next_run(counted, utc(2026, 6, 1), done=3) is None
    dated = Recurrence(frequency=Frequency.DAILY, timezone=ZONE, ends_on=date(2026, 6, 3))
    assert list(runs(dated, utc(2026, 6, 1, 12))) == [utc(2026, 6, 2, 4), utc(2026, 6, 3, 4)]


def test_runs_missed_while_down_are_all_due_once() -> None:
    daily = Recurrence(frequency=Frequency.DAILY, timezone=ZONE)
    missed = due(daily, utc(2026, 6, 1, 4), utc(2026, 6, 4, 12))
    assert missed == [utc(2026, 6, 2, 4), utc(2026, 6, 3, 4), utc(2026, 6, 4, 4)]
    assert due(daily, missed[-1], utc(2026, 6, 4, 12)) == []


def test_what_makes_no_recurrence() -> None:
    once = Recurrence(frequency=Frequency.ONCE, timezone=ZONE)
    assert [f for f, _ in once.problems()] == ["since"]
    backwards = Recurrence(
        frequency=Frequency.ONCE, timezone=ZONE, span=Span(date(2026, 2, 2), date(2026, 2, 1))
    )
    assert [f for f, _ in backwards.problems()] == ["until"]
    wrong = Recurrence(
        frequency=Frequency.WEEKLY, timezone="Mars/Olympus", weekday=8, month_day=0, max_runs=0
    )
    assert [f for f, _ in wrong.problems()] == ["timezone", "weekday", "month_day", "max_runs"]
    span = Span(date(2026, 2, 1), date(2026, 2, 28))
    assert Recurrence(frequency=Frequency.ONCE, timezone=ZONE, span=span).problems() == []
    assert (
        covered(Recurrence(frequency=Frequency.ONCE, timezone=ZONE, span=span), utc(2026, 3, 1))
        == span
    )
