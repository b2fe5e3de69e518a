"""Disposition codes: a code given during or after a call is recorded on the call's segment;
a group that requires one keeps the agent in wrap-up until it is given (at least the
group's wrap-up, at most its cap)."""

from __future__ import annotations

from helin.acd import events as ev
from helin.acd.commands import DispositionRecord
from helin.acd.model import AgentState
from tests.acd.harness import Harness, of, offered

CODES = ((1, "101"), (2, "102"))


def answered(h: Harness, call_id: str = "c1") -> None:
    assert offered(h.call(call_id)) == [(call_id, "a")]
    h.send(ev.OfferAnswered(call_id=call_id, agent_id="a"))


def test_a_code_given_during_the_call_is_recorded_on_its_segment() -> None:
    h = Harness()
    h.group("g", dispositions=CODES)
    h.agents("g", "a")
    answered(h)
    out = h.send(ev.DispositionGiven(agent_id="a", code=2))
    assert of(DispositionRecord, out) == [
        DispositionRecord(
            call_id="c1", segment=0, group_id="g", agent_id="a", disposition_id="102", at=h.now
        )
    ]
    h.advance(5)
    again = h.send(ev.DispositionGiven(agent_id="a", code=1))  # a new code replaces it
    assert [r.disposition_id for r in of(DispositionRecord, again)] == ["101"]


def test_an_unknown_code_or_no_call_records_nothing() -> None:
    h = Harness()
    h.group("g", dispositions=CODES)
    h.agents("g", "a")
    assert h.send(ev.DispositionGiven(agent_id="a", code=1)) == []  # no call yet
    answered(h)
    assert h.send(ev.DispositionGiven(agent_id="a", code=7)) == []
    h.group("g", dispositions=())  # the group's codes were all retired
    assert h.send(ev.DispositionGiven(agent_id="a", code=1)) == []


def test_a_required_code_keeps_the_wrap_up_until_given() -> None:
    h = Harness()
    h.group("g", wrap_up=10, dispositions=CODES, disposition_required=True, wrap_up_max=120)
    h.agents("g", "a")
    answered(h)
    h.send(ev.CallerHungUp(call_id="c1"))
    h.advance(60)
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    out = h.send(ev.DispositionGiven(agent_id="a", code=1))
    assert h.engine.agent_state("a") is AgentState.AVAILABLE
    assert [r.disposition_id for r in of(DispositionRecord, out)] == ["101"]


def test_a_required_code_given_early_leaves_the_usual_wrap_up() -> None:
    h = Harness()
    h.group("g", wrap_up=10, dispositions=CODES, disposition_required=True, wrap_up_max=120)
    h.agents("g", "a")
    answered(h)
    h.send(ev.DispositionGiven(agent_id="a", code=1))  # during the call
    h.send(ev.CallerHungUp(call_id="c1"))
    h.advance(9.9)
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    h.advance(0.1)
    assert h.engine.agent_state("a") is AgentState.AVAILABLE
    answered(h, "c2")
    h.send(ev.CallerHungUp(call_id="c2"))
    h.advance(3)
    h.send(ev.DispositionGiven(agent_id="a", code=2))  # in the wrap-up, before its 10 s
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    h.advance(7)
    assert h.engine.agent_state("a") is AgentState.AVAILABLE


def test_without_a_code_the_wrap_up_ends_at_its_cap_and_calls_may_be_coded_later() -> None:
    h = Harness()
    h.group("g", wrap_up=0, dispositions=CODES, disposition_required=True, wrap_up_max=30)
    h.agents("g", "a")
    answered(h)
    h.send(ev.CallerHungUp(call_id="c1"))
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    h.advance(29.9)
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    h.advance(0.1)
    assert h.engine.agent_state("a") is AgentState.AVAILABLE
    out = h.send(ev.DispositionGiven(agent_id="a", code=1, call=("c1", 0, "g")))
    assert [r.call_id for r in of(DispositionRecord, out)] == ["c1"]
