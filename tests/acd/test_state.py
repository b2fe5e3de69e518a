"""A call's phase table (acd/state.py): complete, consistent, and the only way to move."""

from __future__ import annotations

import itertools
import random

import pytest

from helin.acd import events as ev
from helin.acd.errors import PhaseError
from helin.acd.model import GroupConfig
from helin.acd.state import RESTING, TRANSITIONS, Call, Group, Happened, Phase, advance

from .harness import QUIET, Harness


def reachable(start: Phase) -> set[Phase]:
    seen, todo = {start}, [start]
    while todo:
        phase = todo.pop()
        for (before, _), after in TRANSITIONS.items():
            if before is phase and after not in seen:
                seen.add(after)
                todo.append(after)
    return seen


def a_call(phase: Phase) -> Call:
    group = Group.new(GroupConfig(id="g", queue=QUIET), random.Random(0))
    call = Call(id="c", group=group, seq=1, caller="+3725550000", number="", arrived_at=0.0)
    call.phase = phase
    return call


def test_a_call_starts_arrived() -> None:
    group = Group.new(GroupConfig(id="g"), random.Random(0))
    call = Call(id="c", group=group, seq=1, caller="", number="", arrived_at=0.0)
    assert call.phase is Phase.ARRIVED


def test_every_phase_is_reached_from_arrival_and_every_happening_is_used() -> None:
    assert reachable(Phase.ARRIVED) == set(Phase)
    assert {happened for _, happened in TRANSITIONS} == set(Happened)


def test_every_phase_can_end_and_only_an_ended_segment_starts_again() -> None:
    for phase in Phase:
        assert Phase.ENDED in reachable(phase), phase
    assert [before for (before, _), after in TRANSITIONS.items() if after is Phase.ARRIVED] == [
        Phase.ENDED
    ]
    assert {h for (before, h) in TRANSITIONS if before is Phase.ENDED} == {Happened.MOVED_TO_GROUP}


def test_resting_phases_are_the_ones_a_call_waits_in() -> None:
    assert set(Phase) - RESTING == {Phase.ARRIVED, Phase.LEAVING, Phase.ENDED}
    for phase in RESTING:
        assert any(before is phase for before, _ in TRANSITIONS), phase


def test_only_a_queued_call_leaves_the_queue_and_only_an_answered_one_is_bridged() -> None:
    assert {b for (b, h) in TRANSITIONS if h is Happened.LEFT_QUEUE} == {
        Phase.GREETING,
        Phase.WAITING,
    }
    assert {b for (b, _), a in TRANSITIONS.items() if a is Phase.BRIDGED} == {
        Phase.LEAVING,
        Phase.CONNECTING,
    }
    assert {b for (b, _), a in TRANSITIONS.items() if a is Phase.CONNECTING} == {Phase.LEAVING}
    # back in the queue only from the whisper (the agent hung up before the bridge)
    assert {b for (b, _), a in TRANSITIONS.items() if a is Phase.WAITING} == {
        Phase.ARRIVED,
        Phase.GREETING,
        Phase.CONNECTING,
    }


@pytest.mark.parametrize(("phase", "happened"), list(itertools.product(Phase, Happened)))
def test_advance_follows_the_table_and_refuses_every_other_move(
    phase: Phase, happened: Happened
) -> None:
    call = a_call(phase)
    if (phase, happened) in TRANSITIONS:
        advance(call, happened)
        assert call.phase is TRANSITIONS[phase, happened]
    else:
        with pytest.raises(PhaseError, match=f"{happened.name} cannot happen in {phase.name}"):
            advance(call, happened)
        assert call.phase is phase


def test_an_illegal_move_inside_the_engine_raises() -> None:
    h = Harness()
    h.group("g")
    h.call("c1")
    call = h.engine._calls["c1"]
    assert call.phase is Phase.WAITING
    call.phase = Phase.BRIDGED  # a bug: a queued call marked bridged without an answer
    with pytest.raises(PhaseError, match="LEFT_QUEUE cannot happen in BRIDGED"):
        h.advance(601)


def test_the_invariants_catch_a_call_resting_in_a_passing_phase() -> None:
    h = Harness()
    h.group("g")
    h.send(ev.GroupOverrideSet(group_id="g", mode="closed"))
    h.call("c1")
    call = h.engine._calls["c1"]
    assert call.phase is Phase.ENDING  # hearing the closed clip
    call.phase = Phase.ENDED
    with pytest.raises(AssertionError, match="ENDED"):
        h.engine.check_invariants()
