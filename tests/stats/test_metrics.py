"""The metrics against hand-computed cases: every figure from a small day worked out on paper."""

from __future__ import annotations

import pytest

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome, OverflowReason
from helin.stats import metrics as m
from helin.stats.rollup import group_contribution, interval_of

T0 = 1_790_000_700.0  # 2026-09-21 14:25:00 UTC: 5 minutes before an interval edge


def call(
    outcome: Outcome,
    *,
    wait: float,
    talk: float = 0.0,
    at: float = T0,
    reason: OverflowReason | None = None,
) -> CallRecord:
    answered = at + wait if outcome is Outcome.ANSWERED else None
    return CallRecord(
        call_id=f"c{at}-{wait}",
        segment=0,
        group_id="1",
        caller="+3725550000",
        number="+3726000000",
        outcome=outcome,
        arrived_at=at,
        queued_at=at,
        answered_at=answered,
        ended_at=(answered or at + wait) + talk,
        overflow_reason=reason,
    )


def total(*records: CallRecord, short: float = 5.0) -> m.GroupCounts:
    counts = m.GroupCounts()
    for record in records:
        counts = counts + group_contribution(record, short)[1]
    return counts


# Ten calls, worked out by hand:
#   answered after 3, 10, 20, 25 and 61 s (talk 100, 200, 300, 400, 500 s)
#   abandoned after 2 s (short), 5 s (exactly the threshold: not short), 40 s
#   overflowed on timeout after 90 s; one call while the group was closed.
DAY = [
    call(Outcome.ANSWERED, wait=3, talk=100),
    call(Outcome.ANSWERED, wait=10, talk=200),
    call(Outcome.ANSWERED, wait=20, talk=300),
    call(Outcome.ANSWERED, wait=25, talk=400),
    call(Outcome.ANSWERED, wait=61, talk=500),
    call(Outcome.ABANDONED, wait=2),
    call(Outcome.ABANDONED, wait=5),
    call(Outcome.ABANDONED, wait=40),
    call(Outcome.OVERFLOWED, wait=90, reason=OverflowReason.TIMEOUT),
    call(Outcome.CLOSED, wait=0),
]


def test_counts_of_the_worked_day() -> None:
    c = total(*DAY)
    assert (c.arrived, c.closed, c.offered) == (10, 1, 9)
    assert (c.answered, c.abandoned, c.short_abandoned, c.overflowed) == (5, 3, 1, 1)
    assert c.answered_wait_sum == 3 + 10 + 20 + 25 + 61
    assert c.abandoned_wait_sum == 2 + 5 + 40
    assert c.wait_max == 90
    assert c.talk_sum == 1500 and c.talk_max == 500


def test_rates_and_averages_of_the_worked_day() -> None:
    c = total(*DAY)
    assert m.answer_rate(c) == pytest.approx(5 / 9)
    assert m.abandon_rate(c) == pytest.approx((3 - 1) / (9 - 1))
    assert m.asa(c) == pytest.approx(119 / 5)
    assert m.average_abandon_time(c) == pytest.approx(47 / 3)
    assert m.aht(c) == pytest.approx(1500 / 5)


def test_service_level_by_each_formula_and_threshold() -> None:
    c = total(*DAY)
    # within 20 s: answered after 3, 10, 20 (20 is within 20); abandoned after 2, 5
    assert m.service_level(c, 20, m.SlFormula.OFFERED) == pytest.approx(3 / (9 - 1))
    assert m.service_level(c, 20, m.SlFormula.ANSWERED) == pytest.approx(3 / 5)
    assert m.service_level(c, 20, m.SlFormula.ABANDONED_POSITIVE) == pytest.approx((3 + 2) / 9)
    # an abandon at exactly T is within T
    assert m.within(c.abandoned_waits, 5) == 2
    assert m.service_level(c, 60, m.SlFormula.OFFERED) == pytest.approx(4 / 8)
    assert m.service_level(c, 90, m.SlFormula.OFFERED) == pytest.approx(5 / 8)
    with pytest.raises(ValueError, match="one of 5, 10"):
        m.service_level(c, 25)


def test_empty_periods_have_no_rates() -> None:
    empty = m.GroupCounts()
    assert m.answer_rate(empty) is None and m.service_level(empty) is None
    assert m.asa(empty) is None and m.aht(empty) is None
    closed_only = total(call(Outcome.CLOSED, wait=0))
    assert closed_only.offered == 0 and m.abandon_rate(closed_only) is None


def test_a_call_counts_in_the_interval_it_arrived_in_even_when_it_ends_in_the_next() -> None:
    record = call(Outcome.ANSWERED, wait=240, talk=600)  # arrives 14:25, ends 14:39
    start, counts = group_contribution(record)
    assert start == interval_of(T0) == 1_790_000_100  # 14:15
    assert record.ended_at > start + 900
    assert counts.answered == 1 and counts.talk_sum == 600


def test_the_short_abandon_threshold_is_the_groups() -> None:
    assert total(*DAY, short=10.0).short_abandoned == 2  # 2 s and 5 s
    assert total(*DAY, short=0.0).short_abandoned == 0


def test_sums_keep_maxima_and_buckets() -> None:
    a = total(call(Outcome.ANSWERED, wait=7, talk=50))
    b = total(call(Outcome.ANSWERED, wait=400, talk=10))  # beyond the last edge
    both = a + b
    assert both.wait_max == 400 and both.talk_max == 50
    assert both.answered_waits[m.bucket_of(7)] == 1 and both.answered_waits[-1] == 1
    assert sum(both.answered_waits) == both.answered == 2


def test_every_offered_call_ends_one_way() -> None:
    c = total(*DAY)
    assert c.answered + c.abandoned + c.overflowed + c.failed == c.offered


def test_every_metric_has_its_formula() -> None:
    for name in ("answer_rate", "abandon_rate", "asa", "average_abandon_time", "aht"):
        assert name in m.FORMULAS and hasattr(m, name)
    assert set(m.SL_FORMULAS) == set(m.SlFormula)
