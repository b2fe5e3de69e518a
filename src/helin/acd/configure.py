"""Configuration events: a group set up, changed or removed, its override, its members.

Each function takes the engine first and works on its state with the engine's own steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helin.acd import events as ev
from helin.acd import offers
from helin.acd.commands import EndCall
from helin.acd.errors import AcdUsageError
from helin.acd.model import OfferResult, Outcome
from helin.acd.policies import make_pool
from helin.acd.state import Agent, Group, Member

if TYPE_CHECKING:
    from helin.acd.engine import AcdEngine


def group_configured(engine: AcdEngine, event: ev.GroupConfigured) -> None:
    config = event.group
    group = engine._groups.get(config.id)
    if group is None:
        engine._groups[config.id] = Group.new(config, engine._rng)
        return
    policy_changed = config.policy is not group.config.policy
    group.config = config
    if group.staffed == 0:
        engine._unstaffed.add(group)
    if policy_changed:
        group.pool = make_pool(config.policy, engine._rng)
        for member in group.members.values():
            engine._refresh_member(member)
        group.ready.clear()
        for key in group.queue:
            engine._make_ready_if_due(engine._calls[key[1]])
    engine._dirty.add(group)


def group_removed(engine: AcdEngine, event: ev.GroupRemoved) -> None:
    group = engine._group(event.group_id)
    for _, call_id in list(group.queue):
        call = engine._calls[call_id]
        engine._leave_queue(call, OfferResult.CALLER_GONE)
        engine._emit(EndCall(call_id=call_id))
        engine._finish(call, Outcome.FAILED)
    for agent_id in list(group.members):
        member_removed(engine, ev.MemberRemoved(group_id=group.id, agent_id=agent_id))
    del engine._groups[group.id]
    engine._dirty.discard(group)
    engine._unstaffed.discard(group)


def override_set(engine: AcdEngine, event: ev.GroupOverrideSet) -> None:
    if event.mode not in (None, "open", "closed"):
        raise AcdUsageError(f"override mode {event.mode!r} is not open, closed or None")
    engine._group(event.group_id).override = event.mode


def member_added(engine: AcdEngine, event: ev.MemberAdded) -> None:
    group = engine._group(event.group_id)
    agent = engine._agent(event.agent_id)
    member = group.members.get(agent.id)
    if member is None:
        member = Member(agent, group, event.order, event.weight, event.logged_in, event.priority)
        group.members[agent.id] = agent.members[group.id] = member
    else:
        member.order, member.weight = event.order, event.weight
        member.priority = event.priority
        group.pool.discard(agent.id)  # re-added below with the new order and weight
    rank(agent)
    engine._report_state(agent)
    engine._refresh_member(member)


def rank(agent: Agent) -> None:
    """Mark in each of the agent's groups whether a better priority elsewhere outranks it."""
    best = min((m.priority for m in agent.members.values()), default=1)
    for member in agent.members.values():
        if member.priority > best:
            member.group.outranked.add(agent.id)
        else:
            member.group.outranked.discard(agent.id)


def member_removed(engine: AcdEngine, event: ev.MemberRemoved) -> None:
    group = engine._group(event.group_id)
    member = group.members.pop(event.agent_id, None)
    if member is None:
        return
    agent = member.agent
    del agent.members[group.id]
    group.outranked.discard(agent.id)
    rank(agent)
    if agent.offer is not None and agent.offer.call.group is group:
        offers.end_offer(engine, agent.offer, OfferResult.WITHDRAWN)
    group.pool.discard(agent.id)
    if member.staffed:
        engine._set_staffed(member, False)
