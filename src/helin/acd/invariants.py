"""The engine's self-check: its state never contradicts itself (tests run it after each event)."""

from __future__ import annotations

from collections.abc import Mapping

from helin.acd.state import RESTING, Agent, Call, Group, Phase


def check_invariants(
    agents: Mapping[str, Agent], groups: Mapping[str, Group], calls: Mapping[str, Call]
) -> None:
    """Raise AssertionError if agents, groups and calls disagree with each other."""
    for agent in agents.values():
        if agent.offer is not None:
            assert agent.offer.call.offers.get(agent.id) is agent.offer
            assert agent.offer.call.id in calls
        for group_id, member in agent.members.items():
            group = groups[group_id]
            assert group.members[agent.id] is member
            assert (agent.id in group.pool) == (member.logged_in and agent.free), agent.id
            assert member.staffed == (member.logged_in and agent.serving)
    for group in groups.values():
        assert group.staffed == sum(m.staffed for m in group.members.values())
        for key in group.queue:
            call = calls[key[1]]
            assert call.group is group and call.phase in (Phase.GREETING, Phase.WAITING)
        assert len(set(group.ready)) == len(group.ready)
        for key in group.ready:
            assert key in group.queue
    for call in calls.values():
        for agent_id, offer in call.offers.items():
            assert offer.agent.offer is offer and offer.agent.id == agent_id
        assert call.phase in RESTING, (call.id, call.phase)
        if call.phase in (Phase.CONNECTING, Phase.BRIDGED):
            assert call.agent is not None and call.agent.call is call
            assert not call.offers
