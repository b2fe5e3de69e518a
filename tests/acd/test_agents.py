"""Agent availability: DND, wrap-up, bounce, devices, personal calls, logins, live state."""

from __future__ import annotations

import pytest

from helin.acd import events as ev
from helin.acd.commands import (
    AgentEventRecord,
    AgentStateRecord,
    CancelOffer,
    RejectDirect,
    RingDirect,
)
from helin.acd.engine import AcdUsageError
from helin.acd.model import AgentState, NoAgentsAction, OfferResult, Policy
from tests.acd.harness import Harness, of, offered, records


def kinds(outputs: list[object]) -> list[str]:
    return [r.kind for r in outputs if isinstance(r, AgentEventRecord)]


def test_dnd_blocks_group_and_direct_calls() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    assert kinds(h.send(ev.DndChanged(agent_id="a", on=True))) == ["dnd_on"]
    assert offered(h.call("c1")) == []
    out = h.send(ev.DirectCallArrived(call_id="d1", agent_id="a"))
    assert out == [RejectDirect(call_id="d1", agent_id="a", reason="dnd")]
    assert h.engine.agent_state("a") is AgentState.DND


def test_dnd_while_ringing_withdraws_the_offer_and_rings_the_next_agent() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR)
    h.agents("g", "a", "b")
    h.call("c1")
    out = h.send(ev.DndChanged(agent_id="a", on=True))
    assert of(CancelOffer, out) == [
        CancelOffer(call_id="c1", agent_id="a", result=OfferResult.WITHDRAWN)
    ]
    assert offered(out) == [("c1", "b")]


def test_wrap_up_keeps_the_agent_unavailable_until_it_ends() -> None:
    h = Harness()
    h.group("g", wrap_up=30)
    h.agents("g", "a")
    h.call("c1")
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    assert h.engine.agent_state("a") is AgentState.ON_CALL
    assert kinds(h.send(ev.CallerHungUp(call_id="c1"))) == ["wrap_up_start"]
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    assert offered(h.call("c2")) == []
    h.advance(29.9)
    assert offered(h.log[-1:]) == []
    out = h.advance(0.1)
    assert kinds(out) == ["wrap_up_end"]
    assert offered(out) == [("c2", "a")]


def test_missed_offers_bounce_the_agent_out_of_every_group() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, ring_timeout=10, bounce_after_missed=2)
    h.group("other")
    h.agents("g", "a", "b")
    h.send(ev.MemberAdded(group_id="other", agent_id="a", logged_in=True))
    h.call("c1")  # rings a
    h.advance(10)  # a missed once; b rings
    h.send(ev.OfferFailed(call_id="c1", agent_id="b", declined=True))  # b missed once; a rings
    out = h.advance(10)  # a missed twice: bounced
    assert kinds(out) == ["bounced", "logout", "logout"]
    assert h.engine.group_status("g", h.now).members[0].logged_in is False
    assert offered(out) == [("c1", "b")]


def test_an_answer_resets_the_missed_count() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, ring_timeout=10, bounce_after_missed=2)
    h.agents("g", "a")
    h.call("c1")
    h.advance(10)  # missed once, rings again
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    h.send(ev.AgentHungUp(call_id="c1"))
    h.call("c2")
    out = h.advance(10)
    assert "bounced" not in kinds(out)


def test_unreachable_is_not_counted_as_missed() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, bounce_after_missed=1)
    h.agents("g", "a")
    h.call("c1")
    out = h.send(ev.OfferFailed(call_id="c1", agent_id="a", declined=False))
    assert "bounced" not in kinds(out)


def test_agents_without_reachable_devices_are_not_offered() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.send(ev.DevicesReachable(agent_id="a", count=0))
    assert offered(h.call("c1")) == []
    assert h.engine.agent_state("a") is AgentState.UNREACHABLE
    assert offered(h.send(ev.DevicesReachable(agent_id="a", count=2))) == [("c1", "a")]
    out = h.send(ev.DevicesReachable(agent_id="a", count=0))
    assert of(CancelOffer, out)[0].result is OfferResult.WITHDRAWN


def test_an_agent_on_a_direct_or_outbound_call_is_not_offered_group_calls() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    assert h.send(ev.DirectCallArrived(call_id="d1", agent_id="a")) == [
        RingDirect(call_id="d1", agent_id="a")
    ]
    assert offered(h.call("c1")) == []
    assert h.engine.agent_state("a") is AgentState.BUSY
    assert offered(h.send(ev.PersonalCallEnded(call_id="d1"))) == [("c1", "a")]
    out = h.send(ev.OutboundCallPlaced(call_id="o1", agent_id="a"))
    assert of(CancelOffer, out)[0].result is OfferResult.WITHDRAWN
    assert offered(h.send(ev.PersonalCallEnded(call_id="o1"))) == [("c1", "a")]


def test_direct_call_to_an_agent_without_devices_is_rejected() -> None:
    h = Harness()
    out = h.send(ev.DirectCallArrived(call_id="d1", agent_id="nobody"))
    assert out == [RejectDirect(call_id="d1", agent_id="nobody", reason="unreachable")]


def test_login_and_logout_per_group_and_for_all() -> None:
    h = Harness()
    h.group("g1")
    h.group("g2")
    for group_id in ("g1", "g2"):
        h.send(ev.MemberAdded(group_id=group_id, agent_id="a"))
    h.send(ev.DevicesReachable(agent_id="a", count=1))
    assert kinds(h.send(ev.AgentLoggedIn(agent_id="a"))) == ["login", "login"]
    assert kinds(h.send(ev.AgentLoggedIn(agent_id="a"))) == []  # already logged in
    assert kinds(h.send(ev.AgentLoggedOut(agent_id="a", group_id="g2"))) == ["logout"]
    assert offered(h.call("c2", "g2")) == []
    assert offered(h.call("c1", "g1")) == [("c1", "a")]
    with pytest.raises(AcdUsageError, match="not a member"):
        h.send(ev.AgentLoggedIn(agent_id="a", group_id="nope"))


def test_removing_a_ringing_member_withdraws_the_offer() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.call("c1")
    out = h.send(ev.MemberRemoved(group_id="g", agent_id="a"))
    assert of(CancelOffer, out)[0].result is OfferResult.WITHDRAWN
    assert h.engine.group_status("g", h.now).members == ()


def test_restored_login_state_emits_no_records() -> None:
    h = Harness()
    h.group("g")
    assert h.send(ev.MemberAdded(group_id="g", agent_id="a", logged_in=True)) == []
    h.send(ev.DevicesReachable(agent_id="a", count=1))
    assert offered(h.call("c1")) == [("c1", "a")]


def test_group_status_shows_queue_and_agent_states() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR)
    h.agents("g", "a", "b")
    h.send(ev.DndChanged(agent_id="b", on=True))
    h.call("c1")
    h.call("c2")
    h.advance(12)
    status = h.engine.group_status("g", h.now)
    assert (status.open, status.queued, status.longest_wait) == (True, 2, 12)
    assert [(m.agent_id, m.state) for m in status.members] == [
        ("a", AgentState.RINGING),
        ("b", AgentState.DND),
    ]


def test_unknown_group_is_a_usage_error() -> None:
    h = Harness()
    with pytest.raises(AcdUsageError, match="unknown group"):
        h.call("c1", "missing")


def states(h: Harness, agent_id: str) -> list[tuple[AgentState, str | None]]:
    return [
        (r.state, r.reason)
        for r in h.log
        if isinstance(r, AgentStateRecord) and r.agent_id == agent_id
    ]


def test_a_pause_stops_group_offers_until_resumed_and_names_its_reason() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    out = h.send(ev.PauseChanged(agent_id="a", reason="7"))
    assert of(AgentEventRecord, out) == [
        AgentEventRecord(agent_id="a", at=h.now, kind="pause_on", reason="7")
    ]
    assert h.engine.agent_state("a") is AgentState.PAUSED
    assert states(h, "a")[-1] == (AgentState.PAUSED, "7")
    assert offered(h.call("c1")) == []
    assert h.engine.group_status("g", h.now).queued == 1
    out = h.send(ev.PauseChanged(agent_id="a", reason=None))
    assert kinds(out) == ["pause_off"]
    assert offered(out) == [("c1", "a")]


def test_changing_the_reason_is_reported_and_the_same_reason_again_is_nothing() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.send(ev.PauseChanged(agent_id="a", reason="1"))
    assert h.send(ev.PauseChanged(agent_id="a", reason="1")) == []
    assert kinds(h.send(ev.PauseChanged(agent_id="a", reason="2"))) == ["pause_on"]
    assert states(h, "a")[-2:] == [(AgentState.PAUSED, "1"), (AgentState.PAUSED, "2")]
    assert h.send(ev.PauseChanged(agent_id="b", reason=None)) == []


def test_a_pause_lets_a_ringing_offer_ring_and_applies_after_the_call_and_wrap_up() -> None:
    h = Harness()
    h.group("g", wrap_up=10)
    h.agents("g", "a")
    assert offered(h.call("c1")) == [("c1", "a")]
    out = h.send(ev.PauseChanged(agent_id="a", reason="3"))
    assert of(CancelOffer, out) == []
    assert h.engine.agent_state("a") is AgentState.RINGING
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    h.send(ev.CallerHungUp(call_id="c1"))
    assert h.engine.agent_state("a") is AgentState.WRAP_UP
    h.call("c2")
    out = h.advance(10)
    assert kinds(out) == ["wrap_up_end"] and offered(out) == []
    assert h.engine.agent_state("a") is AgentState.PAUSED
    assert [s for s, _ in states(h, "a")][-4:] == [
        AgentState.RINGING,
        AgentState.ON_CALL,
        AgentState.WRAP_UP,
        AgentState.PAUSED,
    ]


def test_a_paused_agent_still_staffs_the_group_and_takes_direct_calls() -> None:
    h = Harness()
    h.group("g", no_agents=NoAgentsAction.OVERFLOW)
    h.agents("g", "a")
    h.send(ev.PauseChanged(agent_id="a", reason="1"))
    out = h.call("c1")
    assert records(out) == {} and h.engine.group_status("g", h.now).queued == 1
    assert h.send(ev.DirectCallArrived(call_id="d1", agent_id="a")) == [
        RingDirect(call_id="d1", agent_id="a")
    ]


def test_dnd_shows_over_a_pause_and_the_pause_shows_again_after_it() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.send(ev.PauseChanged(agent_id="a", reason="1"))
    h.send(ev.DndChanged(agent_id="a", on=True))
    assert h.engine.agent_state("a") is AgentState.DND
    h.send(ev.DndChanged(agent_id="a", on=False))
    assert h.engine.agent_state("a") is AgentState.PAUSED
