"""Priorities across groups: an agent in several groups takes the calls of the group where
their priority is best first, and at the same priority the longest-waiting call."""

from __future__ import annotations

from helin.acd import events as ev
from helin.acd.model import Policy
from tests.acd.harness import Harness, offered


def two_groups(priority_in_b: int, policy: Policy = Policy.REGULAR) -> Harness:
    """Agent x in groups a (priority 1) and b; agent y in b only; everyone logged in."""
    h = Harness()
    h.group("a", policy)
    h.group("b", policy)
    h.send(ev.MemberAdded(group_id="a", agent_id="x", order=0, priority=1))
    h.send(ev.MemberAdded(group_id="b", agent_id="x", order=0, priority=priority_in_b))
    h.send(ev.MemberAdded(group_id="b", agent_id="y", order=1))
    for agent in ("x", "y"):
        h.send(ev.DevicesReachable(agent_id=agent, count=0))
        h.send(ev.AgentLoggedIn(agent_id=agent))
    return h


def test_the_better_priority_group_goes_first_though_its_call_came_later() -> None:
    h = two_groups(priority_in_b=2)
    h.call("old", "b")
    h.advance(10)
    h.call("new", "a")
    out = h.send(ev.DevicesReachable(agent_id="x", count=1))
    assert offered(out) == [("new", "x")]  # x is first of b by order, but a is x's first group


def test_at_the_same_priority_the_longest_waiting_call_goes_first() -> None:
    h = two_groups(priority_in_b=1)
    h.call("old", "b")
    h.advance(10)
    h.call("new", "a")
    out = h.send(ev.DevicesReachable(agent_id="x", count=1))
    assert offered(out) == [("old", "x")]


def test_an_agent_of_one_group_takes_its_call_and_the_other_takes_their_first_group() -> None:
    h = two_groups(priority_in_b=2)
    h.call("old", "b")
    h.call("new", "a")
    out = h.send(ev.DevicesReachable(agent_id="y", count=1))
    assert offered(out) == [("old", "y")]
    out = h.send(ev.DevicesReachable(agent_id="x", count=1))
    assert offered(out) == [("new", "x")]


def test_with_nothing_better_to_do_the_agent_takes_the_lower_priority_call() -> None:
    h = two_groups(priority_in_b=2)
    h.send(ev.DevicesReachable(agent_id="x", count=1))
    assert offered(h.call("c", "b")) == [("c", "x")]
