"""Rings: which agents ring for which caller, and how each ring ends.

``dispatch`` runs after every event and timer (``AcdEngine._settle``) over the groups marked
dirty; the other functions start and end single rings. Each takes the engine first and works on
its state with the engine's own steps.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from typing import TYPE_CHECKING

from helin.acd import events as ev
from helin.acd.commands import (
    Bridge,
    CancelOffer,
    DropAgentLeg,
    OfferCall,
    OfferRecord,
    WhisperToAgent,
)
from helin.acd.model import OfferResult, Policy
from helin.acd.policies import MAX_RINGING
from helin.acd.state import Agent, Call, Group, Happened, Offer, Phase, advance

if TYPE_CHECKING:
    from helin.acd.engine import AcdEngine

WAIT_SMOOTHING = 0.3
"""Weight of the newest sample in the smoothed wait per queue place."""
MISSED = (OfferResult.NO_ANSWER, OfferResult.DECLINED)
"""Ring results that count as missed (towards ``bounce_after_missed``)."""


def dispatch(engine: AcdEngine) -> None:
    """Serve dirty groups one decision at a time, the oldest servable caller first.

    An agent whose priority is better in another group is held back from a group's calls
    while that better group has a call for them (``held_back``). A group whose every
    servable call waits for such agents is tried again once the groups before it are served
    (a pass that offers nothing ends it)."""
    pending = set(engine._dirty)
    while pending:
        engine._dirty.clear()
        pending, offered = _serve(engine, pending)
        pending |= engine._dirty
        if not offered:
            break
    engine._dirty.clear()


def _serve(engine: AcdEngine, groups: set[Group]) -> tuple[set[Group], bool]:
    """One pass over ``groups``: (the groups held back for better ones, whether it offered)."""
    heap: list[tuple[tuple[int, str], str]] = []
    waiting: set[Group] = set()
    for group in groups:
        call, _ = _next(engine, group, waiting)
        if call is not None:
            heap.append((call.key, group.id))
    heapq.heapify(heap)
    offered = False
    while heap:
        key, group_id = heapq.heappop(heap)
        found = engine._groups.get(group_id)
        if found is None:
            continue
        group = found
        call, held = _next(engine, group, waiting)
        if call is None:
            continue
        if call.key != key:
            heapq.heappush(heap, (call.key, group_id))
            continue
        excluded: Collection[str] = call.tried | set(held) if held else call.tried
        if not call.offers and not untried_in_pool(group, call):
            call.tried.clear()  # everyone had their turn: a new round
            excluded = held
        chosen = group.pool.pick(excluded, MAX_RINGING - len(call.offers))
        if not chosen:
            continue  # only agents of weight 0 are left
        offered = True
        for agent_id in chosen:
            start_offer(engine, call, engine._agents[agent_id])
        following, _ = _next(engine, group, waiting)
        if following is not None:
            heapq.heappush(heap, (following.key, group_id))
    return waiting, offered


def _next(
    engine: AcdEngine, group: Group, waiting: set[Group]
) -> tuple[Call | None, Collection[str]]:
    """The group's next call to serve now, and its agents held back for better groups; a
    group whose calls wait only for those goes into ``waiting``."""
    if not group.outranked:  # the usual case: nobody of the group has a better group
        return first_servable(engine, group), NOBODY
    held = held_back(engine, group)
    call = first_servable(engine, group, held)
    if call is None and held and first_servable(engine, group) is not None:
        waiting.add(group)
    return call, held


def first_servable(
    engine: AcdEngine, group: Group, held: Collection[str] = frozenset()
) -> Call | None:
    """The oldest ready call that an available agent of the group could take now (the
    agents ``held`` for better groups aside).

    A call can take an agent not yet tried for it this round; a call ringing nobody whose
    every available agent was tried starts a new round. Only simultaneous calls that ring
    already are skipped, so the scan is short.
    """
    pool = group.pool
    if not len(pool):
        return None
    for _, call_id in group.ready:
        call = engine._calls[call_id]
        if not held:
            if not call.offers or (len(call.offers) < MAX_RINGING and pool.can_pick(call.tried)):
                return call
        elif not call.offers:
            if pool.can_pick(call.tried | set(held)):
                return call
            if not untried_in_pool(group, call) and pool.can_pick(held):
                return call  # a new round, among the agents not held
        elif len(call.offers) < MAX_RINGING and pool.can_pick(call.tried | set(held)):
            return call
    return None


NOBODY: frozenset[str] = frozenset()


def held_back(engine: AcdEngine, group: Group) -> set[str]:
    """The group's available agents that a group where their priority is better has a call
    for now: they take that first."""
    held: set[str] = set()
    for agent_id in group.outranked:
        if agent_id not in group.pool:
            continue
        agent = engine._agents[agent_id]
        mine = agent.members[group.id].priority
        if any(
            m.priority < mine and could_take(engine, m.group, agent_id)
            for m in agent.members.values()
        ):
            held.add(agent_id)
    return held


def could_take(engine: AcdEngine, group: Group, agent_id: str) -> bool:
    """Whether the group would offer the agent one of its ready calls now (their other
    groups aside)."""
    if agent_id not in group.pool:
        return False
    if group.config.policy is Policy.WEIGHTED and group.members[agent_id].weight <= 0:
        return False
    simultaneous = group.config.policy is Policy.SIMULTANEOUS
    for _, call_id in group.ready:
        call = engine._calls[call_id]
        if not call.offers:
            if agent_id not in call.tried or not untried_in_pool(group, call):
                return True
        elif simultaneous and len(call.offers) < MAX_RINGING and agent_id not in call.tried:
            return True
    return False


def untried_in_pool(group: Group, call: Call) -> bool:
    """Whether the group's pool holds an agent not yet tried for the call in this round."""
    return group.pool.can_pick(call.tried)


def start_offer(engine: AcdEngine, call: Call, agent: Agent) -> None:
    """Ring the agent with the call for the group's ring timeout."""
    offer = Offer(call=call, agent=agent, started_at=engine._now)
    agent.offer = call.offers[agent.id] = offer
    call.tried.add(agent.id)
    call.offer_count += 1
    if call.first_offered_at is None:
        call.first_offered_at = engine._now
    engine._timers.set(
        ("ring", (call.id, agent.id)), engine._now + call.group.config.queue.ring_timeout
    )
    engine._emit(
        OfferCall(call_id=call.id, agent_id=agent.id, group_id=call.group.id, caller=call.caller)
    )
    if call.group.config.policy is not Policy.SIMULTANEOUS:
        call.group.ready.discard(call.key)
    engine._refresh(agent)


def end_offer(engine: AcdEngine, offer: Offer, result: OfferResult, *, cancel: bool = True) -> None:
    """Close the ring with its result; a missed one counts towards bouncing the agent."""
    call, agent = offer.call, offer.agent
    del call.offers[agent.id]
    agent.offer = None
    engine._timers.cancel(("ring", (call.id, agent.id)))
    if cancel:
        engine._emit(CancelOffer(call_id=call.id, agent_id=agent.id, result=result))
    engine._emit(
        OfferRecord(
            call_id=call.id,
            segment=call.segment,
            group_id=call.group.id,
            agent_id=agent.id,
            started_at=offer.started_at,
            ended_at=engine._now,
            result=result,
        )
    )
    engine._make_ready_if_due(call)
    if result in MISSED:
        agent.missed += 1
        limit = call.group.config.queue.bounce_after_missed
        if 0 < limit <= agent.missed:
            agent.missed = 0
            engine._agent_event(agent, "bounced", reason=f"missed {limit} offers in a row")
            engine._log_out(agent, list(agent.members.values()), reason="bounced")
    engine._refresh(agent)


def ring_timeout(engine: AcdEngine, key: tuple[str, str]) -> None:
    call_id, agent_id = key
    end_offer(engine, engine._calls[call_id].offers[agent_id], OfferResult.NO_ANSWER)


def offer_answered(engine: AcdEngine, event: ev.OfferAnswered) -> None:
    call = engine._calls.get(event.call_id)
    offer = call.offers.get(event.agent_id) if call is not None else None
    if call is None or offer is None or call.phase is not Phase.WAITING:
        engine._emit(DropAgentLeg(call_id=event.call_id, agent_id=event.agent_id))
        return
    agent = offer.agent
    agent.call, call.agent = call, agent
    agent.last_call, agent.coded = call, False
    agent.missed = 0
    end_offer(engine, offer, OfferResult.ANSWERED, cancel=False)
    engine._leave_queue(call, OfferResult.ANSWERED_ELSEWHERE)
    whisper = call.group.config.queue.whisper_clip
    if whisper is not None:
        advance(call, Happened.WHISPERING)
        engine._emit(WhisperToAgent(call_id=call.id, agent_id=agent.id, clip=whisper))
        engine._refresh(agent)
        return
    advance(call, Happened.ANSWERED)
    bridge(engine, call)


def bridge(engine: AcdEngine, call: Call) -> None:
    """Connect the caller with the agent who answered: the call is answered now."""
    agent = call.agent
    assert agent is not None
    call.answered_at = engine._now
    call.music = False
    engine._emit(Bridge(call_id=call.id, agent_id=agent.id))
    learn_wait(engine, call)
    engine._refresh(agent)


def whisper_played(engine: AcdEngine, event: ev.WhisperPlayed) -> None:
    call = engine._calls.get(event.call_id)
    if call is not None and call.phase is Phase.CONNECTING:
        advance(call, Happened.ANSWERED)
        bridge(engine, call)


def offer_failed(engine: AcdEngine, event: ev.OfferFailed) -> None:
    call = engine._calls.get(event.call_id)
    offer = call.offers.get(event.agent_id) if call is not None else None
    if offer is not None:
        result = OfferResult.DECLINED if event.declined else OfferResult.UNREACHABLE
        end_offer(engine, offer, result, cancel=False)


def learn_wait(engine: AcdEngine, call: Call) -> None:
    """Fold the answered call's wait per queue place into the group's smoothed figure."""
    assert call.queued_at is not None
    sample = (engine._now - call.queued_at) / call.entry_place
    group = call.group
    if group.seconds_per_place is None:
        group.seconds_per_place = sample
    else:
        group.seconds_per_place += WAIT_SMOOTHING * (sample - group.seconds_per_place)
