"""Each distribution policy, with at least three agents."""

from __future__ import annotations

from collections import Counter

from helin.acd import events as ev
from helin.acd.commands import CancelOffer
from helin.acd.model import OfferResult, Policy
from helin.acd.policies import MAX_RINGING
from tests.acd.harness import Harness, of, offered


def answer_and_hang_up(h: Harness, call_id: str, agent_id: str) -> None:
    h.send(ev.OfferAnswered(call_id=call_id, agent_id=agent_id))
    h.send(ev.AgentHungUp(call_id=call_id))


def test_simultaneous_rings_every_available_agent_and_cancels_the_rest() -> None:
    h = Harness()
    h.group("g", Policy.SIMULTANEOUS)
    h.agents("g", "a", "b", "c")
    assert offered(h.call("c1")) == [("c1", "a"), ("c1", "b"), ("c1", "c")]
    out = h.send(ev.OfferAnswered(call_id="c1", agent_id="b"))
    cancels = {(c.agent_id, c.result) for c in of(CancelOffer, out)}
    assert cancels == {("a", OfferResult.ANSWERED_ELSEWHERE), ("c", OfferResult.ANSWERED_ELSEWHERE)}


def test_simultaneous_adds_agents_who_become_free_while_it_rings() -> None:
    h = Harness()
    h.group("g", Policy.SIMULTANEOUS)
    h.agents("g", "a", "b")
    h.send(ev.DndChanged(agent_id="b", on=True))
    assert offered(h.call("c1")) == [("c1", "a")]
    assert offered(h.send(ev.DndChanged(agent_id="b", on=False))) == [("c1", "b")]


def test_simultaneous_call_whose_last_ring_is_withdrawn_rings_again() -> None:
    h = Harness()
    h.group("g", Policy.SIMULTANEOUS)
    h.agents("g", "x", "y")
    h.call("c")
    h.send(ev.OfferFailed(call_id="c", agent_id="x"))
    assert offered(h.send(ev.DndChanged(agent_id="y", on=True))) == [("c", "x")]


def test_simultaneous_rings_everyone_again_after_the_ring_timeout() -> None:
    h = Harness()
    h.group("g", Policy.SIMULTANEOUS, ring_timeout=15)
    h.agents("g", "a", "b", "c")
    h.call("c1")
    out = h.advance(15)
    assert sorted(c.agent_id for c in of(CancelOffer, out)) == ["a", "b", "c"]
    assert sorted(offered(out)) == [("c1", "a"), ("c1", "b"), ("c1", "c")]


def test_simultaneous_rings_at_most_max_ringing_longest_idle_first() -> None:
    h = Harness()
    h.group("g", Policy.SIMULTANEOUS, ring_timeout=30)
    names = [f"a{i:02d}" for i in range(MAX_RINGING + 10)]
    h.agents("g", *names)
    # a00 and a01 take a call each and become the most recently idle
    h.call("c0")
    h.send(ev.OfferAnswered(call_id="c0", agent_id="a00"))
    h.call("c1")
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a01"))
    h.now += 1
    h.send(ev.AgentHungUp(call_id="c0"))
    h.now += 1
    h.send(ev.AgentHungUp(call_id="c1"))
    out = h.call("c2")
    never_called = names[2:]
    assert offered(out) == [("c2", a) for a in never_called[:MAX_RINGING]]
    # the next caller gets the rest, longest idle first: a00 before a01
    rest = [*never_called[MAX_RINGING:], "a00", "a01"]
    assert offered(h.call("c3")) == [("c3", a) for a in rest]
    # c2's rings are at the cap; one ending frees a place, which the next agent untried for
    # c2 takes once one is free: c3's ring of a00 ends, so a00 joins c2
    # (a02, free again, is untried only for c3, which rings fewer than the cap)
    declined = h.send(ev.OfferFailed(call_id="c2", agent_id="a02"))
    assert offered(declined) == [("c3", "a02")]
    assert offered(h.send(ev.OfferFailed(call_id="c3", agent_id="a00"))) == [("c2", "a00")]


def test_regular_always_starts_from_the_top_and_walks_down_on_timeout() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, ring_timeout=10)
    h.agents("g", "a", "b", "c")
    assert offered(h.call("c1")) == [("c1", "a")]
    assert offered(h.advance(10)) == [("c1", "b")]
    assert offered(h.advance(10)) == [("c1", "c")]
    assert offered(h.advance(10)) == [("c1", "a")]  # a new round starts at the top
    answer_and_hang_up(h, "c1", "a")
    assert offered(h.call("c2")) == [("c2", "a")]  # the next call starts at the top again


def test_regular_skips_busy_agents() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR)
    h.agents("g", "a", "b", "c")
    h.call("c1")
    h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    assert offered(h.call("c2")) == [("c2", "b")]


def test_circular_continues_after_the_last_agent_offered() -> None:
    h = Harness()
    h.group("g", Policy.CIRCULAR)
    h.agents("g", "a", "b", "c")
    picks = []
    for n in range(5):
        call_id = f"c{n}"
        ((_, agent_id),) = offered(h.call(call_id))
        picks.append(agent_id)
        answer_and_hang_up(h, call_id, agent_id)
    assert picks == ["a", "b", "c", "a", "b"]


def test_uniform_picks_the_agent_idle_longest() -> None:
    h = Harness()
    h.group("g", Policy.UNIFORM)
    h.agents("g", "a", "b", "c")
    # a, b, c each take a call that ends at different times: c first, then a, then b.
    for call_id, agent_id in (("c1", "a"), ("c2", "b"), ("c3", "c")):
        assert offered(h.call(call_id)) == [(call_id, agent_id)]
        h.send(ev.OfferAnswered(call_id=call_id, agent_id=agent_id))
    for call_id in ("c3", "c1", "c2"):
        h.advance(30)
        h.send(ev.AgentHungUp(call_id=call_id))
    assert offered(h.call("c4")) == [("c4", "c")]
    h.send(ev.OfferAnswered(call_id="c4", agent_id="c"))
    assert offered(h.call("c5")) == [("c5", "a")]


def test_weighted_picks_in_proportion_to_weight() -> None:
    h = Harness(seed=7)
    h.group("g", Policy.WEIGHTED)
    for order, (agent_id, weight) in enumerate((("a", 1), ("b", 3), ("c", 0))):
        h.send(ev.MemberAdded(group_id="g", agent_id=agent_id, order=order, weight=weight))
        h.send(ev.DevicesReachable(agent_id=agent_id, count=1))
        h.send(ev.AgentLoggedIn(agent_id=agent_id))
    picks: Counter[str] = Counter()
    for n in range(2000):
        ((_, agent_id),) = offered(h.call(f"c{n}"))
        picks[agent_id] += 1
        answer_and_hang_up(h, f"c{n}", agent_id)
    assert picks["c"] == 0
    # Binomial(2000, 0.75): mean 1500, sd 19.4; 5 sd either side.
    assert 1403 <= picks["b"] <= 1597


def test_weighted_does_not_repeat_a_tried_agent_within_a_round() -> None:
    h = Harness(seed=3)
    h.group("g", Policy.WEIGHTED, ring_timeout=5)
    h.agents("g", "a", "b", "c")
    first = offered(h.call("c1"))
    second = offered(h.advance(5))
    third = offered(h.advance(5))
    agents = [pair[1] for pair in first + second + third]
    assert sorted(agents) == ["a", "b", "c"]


def test_changing_the_policy_takes_effect_for_the_next_call() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR)
    h.agents("g", "a", "b", "c")
    h.group("g", Policy.SIMULTANEOUS)
    assert len(offered(h.call("c1"))) == 3


def test_weighted_group_with_a_weight_zero_agent_keeps_serving() -> None:
    h = Harness()
    h.group("w", Policy.WEIGHTED)
    h.agents("w", "z", weight=0)
    h.agents("w", "y")
    h.call("c1", "w")
    assert offered(h.send(ev.OfferFailed(call_id="c1", agent_id="y"))) == [("c1", "y")]
    h.send(ev.OfferAnswered(call_id="c1", agent_id="y"))
    h.send(ev.AgentHungUp(call_id="c1"))
    assert offered(h.call("c2", "w")) == [("c2", "y")]
