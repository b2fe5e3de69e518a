"""The whisper of the group: the agent who answers hears the group's clip before the bridge,
while the caller keeps hearing the queue; either side leaving during it."""

from __future__ import annotations

from helin.acd import events as ev
from helin.acd.commands import (
    Bridge,
    CancelOffer,
    EndCall,
    OfferRecord,
    PlayClip,
    StopMusic,
    WhisperToAgent,
)
from helin.acd.model import AgentState, OfferResult, Outcome, Policy
from tests.acd.harness import Harness, of, offered, records


def whispering(policy: Policy = Policy.SIMULTANEOUS, **settings: object) -> Harness:
    h = Harness()
    h.group("g", policy, whisper_clip="support-name", **settings)
    h.agents("g", "a", "b")
    return h


def test_the_agent_hears_the_whisper_then_the_caller_is_connected() -> None:
    h = whispering()
    assert offered(h.call("c1")) == [("c1", "a"), ("c1", "b")]
    h.advance(4)
    out = h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    assert of(WhisperToAgent, out) == [
        WhisperToAgent(call_id="c1", agent_id="a", clip="support-name")
    ]
    assert of(Bridge, out) == [] and of(StopMusic, out) == []  # the caller still hears music
    assert of(CancelOffer, out) == [
        CancelOffer(call_id="c1", agent_id="b", result=OfferResult.ANSWERED_ELSEWHERE)
    ]
    assert [r.result for r in of(OfferRecord, out)] == [
        OfferResult.ANSWERED,
        OfferResult.ANSWERED_ELSEWHERE,
    ]
    assert h.engine.agent_state("a") is AgentState.ON_CALL
    assert h.engine.group_status("g", h.now).queued == 0
    h.advance(2)
    answered_at = h.now
    out = h.send(ev.WhisperPlayed(call_id="c1"))
    assert out == [Bridge(call_id="c1", agent_id="a")]
    h.advance(30)
    record = records(h.send(ev.CallerHungUp(call_id="c1")))["c1"]
    assert record.outcome is Outcome.ANSWERED and record.agent_id == "a"
    assert record.answered_at == answered_at  # the caller waited through the whisper too


def test_a_caller_who_hangs_up_during_the_whisper_abandoned_and_the_agent_is_free() -> None:
    h = whispering(wrap_up=30)
    h.call("c1")
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    out = h.send(ev.CallerHungUp(call_id="c1"))
    assert of(EndCall, out) == [EndCall(call_id="c1")]
    record = records(out)["c1"]
    assert record.outcome is Outcome.ABANDONED and record.answered_at is None
    assert record.agent_id is None
    assert h.engine.agent_state("a") is AgentState.AVAILABLE  # nothing to wrap up
    assert sorted(offered(h.call("c2"))) == [("c2", "a"), ("c2", "b")]
    assert h.send(ev.WhisperPlayed(call_id="c1")) == []  # a late report changes nothing


def test_an_agent_who_hangs_up_during_the_whisper_puts_the_caller_back_in_their_place() -> None:
    h = whispering(Policy.REGULAR, max_wait=100)
    h.send(ev.DevicesReachable(agent_id="b", count=0))  # only a can take calls
    start = h.now
    assert offered(h.call("c1")) == [("c1", "a")]
    h.advance(1)
    assert offered(h.call("c2")) == []
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    out = h.send(ev.AgentHungUp(call_id="c1"))
    # back in the queue ahead of c2, which came later: a new round rings a with c1 again
    assert h.engine.group_status("g", h.now).queued == 2
    assert offered(out) == [("c1", "a")]
    assert h.engine.agent_state("a") is AgentState.RINGING
    # the longest wait still counts from the first queueing, not from the requeue
    h.advance(start + 99.9 - h.now)
    assert h.engine.group_status("g", h.now).queued == 2
    out = h.advance(0.1)
    assert [c.call_id for c in of(PlayClip, out)] == ["c1"]  # the group's "sorry", then the end
    assert h.engine.group_status("g", h.now).queued == 1


def test_without_a_whisper_the_caller_is_connected_at_once() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.call("c1")
    out = h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    assert of(Bridge, out) == [Bridge(call_id="c1", agent_id="a")]
    assert of(WhisperToAgent, out) == []
