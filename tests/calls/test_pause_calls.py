"""Pauses end to end: an agent pauses from a baresip phone with a reason's code, group calls
then ring only the others, and the pause ends from another of the agent's phones."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from helin.store.tables import AgentEvent, Call, Offer, PauseReason, User
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node

MakeNode = Callable[[str], Node]

USERS = agent("alice", "+3725000001", devices=("desk", "mobile")) + agent("bob", "+3725000002")
GROUPS = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: regular
  override: open
  members: [alice, bob]
"""
REASONS = "[{code: 4, name: Lunch}, {code: 5, name: Training}]"


def answered_by(node: Node, count: int) -> list[int | None]:
    """The agents who answered the first ``count`` calls, once they are closed."""

    def closed() -> list[Call]:
        query = select(Call).where(Call.outcome.is_not(None)).order_by(Call.id)
        return node.query(lambda s: list(s.scalars(query)))

    node.until(lambda: len(closed()) >= count, f"{count} calls closed")
    return [c.agent_id for c in closed()]


def test_a_pause_by_feature_code_stops_offers_until_it_ends(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS, pause_reasons=REASONS))
    alice, bob = int(node.user_id("alice")), int(node.user_id("bob"))
    lunch = node.query(
        lambda s: s.scalar(select(PauseReason.id).where(PauseReason.name == "Lunch"))
    )
    peers.phone(node, "bob-desk", password("bob-desk"))
    peers.phone(node, "alice-desk", password("alice-desk"), dial="*424")
    node.until(lambda: node.device_count("bob") == 1, "bob's phone registered")
    node.log_in("alice", "bob")
    node.until(lambda: node.agent_state("alice") == "paused", "alice paused by *424")
    assert node.query(lambda s: s.get(User, alice).pause_reason_id) == lunch  # type: ignore[union-attr]

    first = peers.call(node, SUPPORT, talk_ms=2000)
    assert first.wait() == 0, first.report()
    assert answered_by(node, 1) == [bob]  # alice rings first by order, but she is paused

    peers.phone(node, "alice-mobile", password("alice-mobile"), dial="*43")
    node.until(lambda: node.agent_state("alice") == "available", "alice's pause ended by *43")
    second = peers.call(node, SUPPORT, talk_ms=2000)
    assert second.wait() == 0, second.report()
    assert answered_by(node, 2) == [bob, alice]

    rung = node.query(lambda s: [o.agent_id for o in s.scalars(select(Offer).order_by(Offer.id))])
    assert rung == [bob, alice]
    kinds = node.query(
        lambda s: [
            (e.kind.value, e.reason)
            for e in s.scalars(
                select(AgentEvent)
                .where(AgentEvent.agent_id == alice, AgentEvent.kind.in_(["pause_on", "pause_off"]))
                .order_by(AgentEvent.id)
            )
        ]
    )
    assert kinds == [("pause_on", str(lunch)), ("pause_off", None)]
    assert node.query(lambda s: s.get(User, alice).pause_reason_id) is None  # type: ignore[union-attr]
