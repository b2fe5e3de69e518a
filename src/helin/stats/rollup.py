"""Records into interval counts: what one finished call segment adds to its group's interval.

Pure: ``group_contribution`` turns one ``CallRecord`` into the ``GroupCounts`` it adds to the
15-minute interval (UTC) in which the call arrived. The store adds contributions to its rollup
rows as records are written, and ``helin stats rebuild`` adds the same contributions from the
raw rows, so both give the same numbers.
"""

from __future__ import annotations

from enum import StrEnum

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome, OverflowReason
from helin.stats.metrics import BUCKETS, DEFAULT_SHORT_ABANDON, GroupCounts, bucket_of


class Period(StrEnum):
    """The periods a view adds intervals up to, in the group's local calendar."""

    QUARTER = "15min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


INTERVAL_SECONDS = 900
"""The rollups' interval: 15 minutes, aligned to UTC (so also to every time zone's hours)."""


def interval_of(t: float) -> int:
    """The start (POSIX seconds) of the 15-minute interval holding ``t``."""
    return int(t // INTERVAL_SECONDS) * INTERVAL_SECONDS


_ONES = tuple(tuple(1 if i == bucket else 0 for i in range(BUCKETS)) for bucket in range(BUCKETS))
"""A single call in each wait bucket."""


def group_contribution(
    record: CallRecord, short_abandon: float = DEFAULT_SHORT_ABANDON
) -> tuple[int, GroupCounts]:
    """(interval start, counts) that one finished segment adds to its group."""
    start = interval_of(record.arrived_at)
    outcome = record.outcome
    if outcome is Outcome.CLOSED:
        return start, GroupCounts(arrived=1, closed=1)
    wait = max(0.0, record.wait_seconds)
    if outcome is Outcome.ANSWERED:
        talk = max(0.0, record.ended_at - (record.answered_at or record.ended_at))
        return start, GroupCounts(
            arrived=1,
            wait_max=wait,
            answered=1,
            answered_waits=_ONES[bucket_of(wait)],
            answered_wait_sum=wait,
            talk_sum=talk,
            talk_max=talk,
        )
    if outcome is Outcome.ABANDONED:
        return start, GroupCounts(
            arrived=1,
            wait_max=wait,
            abandoned=1,
            short_abandoned=1 if wait < short_abandon else 0,
            abandoned_waits=_ONES[bucket_of(wait)],
            abandoned_wait_sum=wait,
        )
    if outcome is Outcome.OVERFLOWED:
        reason = record.overflow_reason
        if reason is OverflowReason.TIMEOUT:
            return start, GroupCounts(arrived=1, wait_max=wait, overflowed_timeout=1)
        if reason is OverflowReason.FULL:
            return start, GroupCounts(arrived=1, wait_max=wait, overflowed_full=1)
        if reason is OverflowReason.NO_AGENTS:
            return start, GroupCounts(arrived=1, wait_max=wait, overflowed_no_agents=1)
    return start, GroupCounts(arrived=1, wait_max=wait, failed=1)


def outbound_contribution(at: float) -> tuple[int, GroupCounts]:
    """(interval start, counts) of a call out presenting the group's number, placed at ``at``."""
    return interval_of(at), GroupCounts(outbound=1)
