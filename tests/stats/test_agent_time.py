"""Agents' time in each state, per group and interval, from hand-computed cases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import UTC, datetime

from helin.acd.model import AgentState, OfferResult
from helin.stats import agent_time
from helin.stats.agent_time import Contribution, Track
from helin.stats.metrics import (
    ALL_GROUPS,
    STATE_FIELDS,
    AgentCounts,
    agent_aht,
    agent_answer_rate,
    occupancy,
)

S = 1_000_000
NINE = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp())
"""09:00 UTC: the start of an interval (POSIX seconds)."""


def at(minutes: float) -> int:
    """Microseconds at ``minutes`` past nine."""
    return round((NINE + minutes * 60) * S)


def total(out: list[Contribution]) -> dict[tuple[int, int], AgentCounts]:
    sums: dict[tuple[int, int], AgentCounts] = defaultdict(AgentCounts)
    for group, start, counts in out:
        sums[(group, start - NINE)] += counts
    return dict(sums)


def run(steps: list[tuple[float, str, object]]) -> tuple[list[Contribution], list[object]]:
    """Fold (minute, what, argument) steps of one agent; (contributions, wrap-ups)."""
    track = Track.new(at(steps[0][0]))
    out: list[Contribution] = []
    ended: list[object] = []
    for minute, what, arg in steps:
        more: list[Contribution] = []
        if what == "login" or what == "logout":
            assert isinstance(arg, int)
            track, more = agent_time.logged(track, at(minute), arg, what == "login")
        elif what == "wrap_up_start":
            assert isinstance(arg, int)
            track = agent_time.wrap_up_began(track, at(minute), arg)
        elif what == "wrap_up_end":
            track, wrap_up = agent_time.wrap_up_ended(track, at(minute))
            ended.append(wrap_up)
        else:
            assert isinstance(arg, tuple)
            state, group = arg
            track, more = agent_time.changed_state(track, at(minute), state, group)
        out += more
    return out, ended


def test_a_call_across_an_interval_edge_is_split_at_the_edge() -> None:
    out, ended = run(
        [
            (10, "state", (AgentState.AVAILABLE, None)),
            (10, "login", 7),
            (14.5, "state", (AgentState.RINGING, 7)),  # 09:14:30, rings 40 s
            (15 + 10 / 60, "state", (AgentState.ON_CALL, 7)),  # answered 09:15:10
            (20, "state", (AgentState.WRAP_UP, 7)),
            (20, "wrap_up_start", 7),
            (21, "wrap_up_end", None),
            (21, "state", (AgentState.AVAILABLE, None)),
            (25, "logout", 7),
        ]
    )
    sums = total(out)
    first, second = sums[(7, 0)], sums[(7, 900)]
    assert first.logged_in_us == 5 * 60 * S  # 09:10 - 09:15
    assert first.available_us == 4.5 * 60 * S
    assert first.ringing_us == 30 * S and second.ringing_us == 10 * S
    assert second.on_call_us == (4 * 60 + 50) * S
    assert second.wrap_up_us == 60 * S
    assert second.available_us == 4 * 60 * S
    assert second.logged_in_us == 10 * 60 * S
    assert sums[(ALL_GROUPS, 0)] == first and sums[(ALL_GROUPS, 900)] == second
    assert [(w.group, w.began, w.length) for w in ended] == [(7, at(20), 60 * S)]  # type: ignore[attr-defined]


def test_the_states_make_up_the_logged_in_time_and_nothing_counts_logged_out() -> None:
    out, _ = run(
        [
            (0, "state", (AgentState.AVAILABLE, None)),  # not logged in yet: not counted
            (5, "login", 1),
            (6, "state", (AgentState.DND, None)),
            (8, "state", (AgentState.BUSY, None)),  # a personal call
            (9, "state", (AgentState.UNREACHABLE, None)),
            (10, "logout", 1),
            (12, "state", (AgentState.AVAILABLE, None)),
        ]
    )
    c = total(out)[(1, 0)]
    assert (c.logged_in_us, c.available_us, c.dnd_us, c.busy_us, c.unreachable_us) == (
        5 * 60 * S,
        60 * S,
        2 * 60 * S,
        60 * S,
        60 * S,
    )
    for counts in total(out).values():
        assert sum(getattr(counts, name) for name in STATE_FIELDS) == counts.logged_in_us


def test_another_groups_call_is_other_group_time_in_this_group_and_on_call_overall() -> None:
    out, _ = run(
        [
            (0, "state", (AgentState.AVAILABLE, None)),
            (0, "login", 1),
            (0, "login", 2),
            (2, "state", (AgentState.ON_CALL, 1)),
            (5, "state", (AgentState.AVAILABLE, None)),
            (6, "logout", 1),
            (6, "logout", 2),
        ]
    )
    sums = total(out)
    assert sums[(1, 0)].on_call_us == 3 * 60 * S and sums[(1, 0)].other_group_us == 0
    assert sums[(2, 0)].on_call_us == 0 and sums[(2, 0)].other_group_us == 3 * 60 * S
    everyone = sums[(ALL_GROUPS, 0)]
    assert everyone.logged_in_us == 6 * 60 * S  # logged in to two groups is still six minutes
    assert everyone.on_call_us == 3 * 60 * S and everyone.available_us == 3 * 60 * S


def test_offers_calls_and_calls_out_count_where_they_began() -> None:
    out = (
        agent_time.offered(3, at(14.99), OfferResult.NO_ANSWER)
        + agent_time.offered(3, at(15), OfferResult.ANSWERED)
        + agent_time.answered(3, at(15.5), at(20))
        + agent_time.called_out(3, at(44.99))
    )
    sums = total(out)
    assert sums[(3, 0)].offers == 1 and sums[(3, 0)].offers_no_answer == 1
    assert sums[(3, 900)].offers_answered == 1 and sums[(3, 900)].answered == 1
    assert sums[(3, 900)].talk_us == 4.5 * 60 * S
    assert sums[(3, 1800)].outbound == 1
    assert sums[(ALL_GROUPS, 900)] == sums[(3, 900)]


def test_agent_metrics_from_a_hand_computed_sum() -> None:
    c = AgentCounts(
        logged_in_us=3600 * S,
        available_us=1800 * S,
        ringing_us=60 * S,
        on_call_us=1200 * S,
        wrap_up_us=240 * S,
        offers=5,
        offers_answered=4,
        offers_no_answer=1,
        answered=4,
        talk_us=1200 * S,
    )
    assert occupancy(c) == (60 + 1200 + 240) / (60 + 1200 + 240 + 1800)
    assert agent_answer_rate(c) == 4 / 5
    assert agent_aht(c) == (1200 + 240) / 4
    assert c.missed == 1
    assert occupancy(AgentCounts()) is None and agent_aht(AgentCounts()) is None
    assert {f.name for f in fields(AgentCounts)} >= set(STATE_FIELDS)


def test_paused_time_is_kept_by_reason_while_logged_in_and_split_at_the_edges() -> None:
    track = Track.new(at(0))
    track, _ = agent_time.logged(track, at(0), 1, True)
    track, _ = agent_time.changed_state(track, at(0), AgentState.AVAILABLE, None)
    track, _ = agent_time.changed_state(track, at(10), AgentState.PAUSED, None, reason=7)
    assert agent_time.paused(track, at(20)) == [(7, NINE, 5 * 60 * S), (7, NINE + 900, 5 * 60 * S)]
    track, out = agent_time.changed_state(track, at(20), AgentState.PAUSED, None, reason=8)
    assert total(out)[(ALL_GROUPS, 900)].paused_us == 5 * 60 * S
    assert agent_time.paused(track, at(21)) == [(8, NINE + 900, 60 * S)]
    # logged out of every group: the pause counts nowhere
    track, _ = agent_time.logged(track, at(21), 1, False)
    assert agent_time.paused(track, at(30)) == []
    # any other state forgets the reason
    track, _ = agent_time.changed_state(track, at(30), AgentState.ON_CALL, 1, reason=8)
    assert track.pause_reason is None and agent_time.paused(track, at(40)) == []
