"""Agents' events: log-ins and -outs, DND, pauses, reachable devices, personal calls, wrap-up.

Each function takes the engine first and works on its state with the engine's own steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helin.acd import events as ev
from helin.acd import offers
from helin.acd.commands import DispositionRecord, RejectDirect, RingDirect
from helin.acd.errors import AcdUsageError
from helin.acd.model import OfferResult
from helin.acd.state import Agent, Member

if TYPE_CHECKING:
    from helin.acd.engine import AcdEngine


def members_of(agent: Agent, group_id: str | None) -> list[Member]:
    """The agent's membership of the group, or all of them when ``group_id`` is None."""
    if group_id is None:
        return list(agent.members.values())
    member = agent.members.get(group_id)
    if member is None:
        raise AcdUsageError(f"agent {agent.id!r} is not a member of group {group_id!r}")
    return [member]


def logged_in(engine: AcdEngine, event: ev.AgentLoggedIn) -> None:
    agent = engine._agent(event.agent_id)
    for member in members_of(agent, event.group_id):
        if not member.logged_in:
            member.logged_in = True
            engine._agent_event(agent, "login", member.group.id)
    engine._refresh(agent)


def logged_out(engine: AcdEngine, event: ev.AgentLoggedOut) -> None:
    agent = engine._agent(event.agent_id)
    engine._log_out(agent, members_of(agent, event.group_id), reason=None)


def dnd_changed(engine: AcdEngine, event: ev.DndChanged) -> None:
    agent = engine._agent(event.agent_id)
    if agent.dnd == event.on:
        return
    agent.dnd = event.on
    engine._agent_event(agent, "dnd_on" if event.on else "dnd_off")
    if event.on and agent.offer is not None:
        offers.end_offer(engine, agent.offer, OfferResult.WITHDRAWN)
    engine._refresh(agent)


def pause_changed(engine: AcdEngine, event: ev.PauseChanged) -> None:
    """Pause (or change the reason) or resume. A ringing offer is left to ring: the agent
    may still answer it (a pause asked for on a call applies once it and its wrap-up end)."""
    agent = engine._agent(event.agent_id)
    if agent.paused == event.reason:
        return
    agent.paused = event.reason
    kind = "pause_off" if event.reason is None else "pause_on"
    engine._agent_event(agent, kind, reason=event.reason)
    engine._refresh(agent)


def disposition_given(engine: AcdEngine, event: ev.DispositionGiven) -> None:
    """Record the call's code, if its group has it; a wrap-up that waited for a required code
    ends (once it has lasted the group's wrap-up time)."""
    agent = engine._agent(event.agent_id)
    last = agent.last_call
    if event.call is None:
        if last is None:
            return
        call_id, segment, group = last.id, last.segment, last.group
    else:
        call_id, segment, group_id = event.call
        found = engine._groups.get(group_id)
        if found is None:
            return
        group = found
    settings = group.config.queue
    disposition = dict(settings.dispositions).get(event.code)
    if disposition is None:
        return
    engine._emit(
        DispositionRecord(
            call_id=call_id,
            segment=segment,
            group_id=group.id,
            agent_id=agent.id,
            disposition_id=disposition,
            at=engine._now,
        )
    )
    if last is None or (last.id, last.segment) != (call_id, segment):
        return
    agent.coded = True
    if agent.wrap_up and settings.disposition_required:
        end = agent.wrap_up_began + settings.wrap_up
        if end > engine._now:
            engine._timers.set(("wrap_up", agent.id), end)
        else:
            engine._timers.cancel(("wrap_up", agent.id))
            wrap_up_over(engine, agent.id)


def devices_reachable(engine: AcdEngine, event: ev.DevicesReachable) -> None:
    agent = engine._agent(event.agent_id)
    agent.devices = max(0, event.count)
    if agent.devices == 0 and agent.offer is not None:
        offers.end_offer(engine, agent.offer, OfferResult.WITHDRAWN)
    engine._refresh(agent)


def direct_arrived(engine: AcdEngine, event: ev.DirectCallArrived) -> None:
    agent = engine._agent(event.agent_id)
    if agent.dnd or agent.devices == 0:
        reason = "dnd" if agent.dnd else "unreachable"
        engine._emit(RejectDirect(call_id=event.call_id, agent_id=agent.id, reason=reason))
        return
    start_personal(engine, agent, event.call_id)
    engine._emit(RingDirect(call_id=event.call_id, agent_id=agent.id))


def outbound_placed(engine: AcdEngine, event: ev.OutboundCallPlaced) -> None:
    agent = engine._agent(event.agent_id)
    if agent.offer is not None:
        offers.end_offer(engine, agent.offer, OfferResult.WITHDRAWN)
    start_personal(engine, agent, event.call_id)


def start_personal(engine: AcdEngine, agent: Agent, call_id: str) -> None:
    """The agent is on a direct or outbound call of their own."""
    if call_id in engine._personal:
        raise AcdUsageError(f"personal call {call_id!r} already started")
    agent.personal.add(call_id)
    engine._personal[call_id] = agent
    engine._refresh(agent)


def personal_ended(engine: AcdEngine, event: ev.PersonalCallEnded) -> None:
    agent = engine._personal.pop(event.call_id, None)
    if agent is not None:
        agent.personal.discard(event.call_id)
        engine._refresh(agent)


def wrap_up_over(engine: AcdEngine, agent_id: str) -> None:
    agent = engine._agents[agent_id]
    agent.wrap_up, agent.wrap_up_group = False, None
    engine._agent_event(agent, "wrap_up_end")
    engine._refresh(agent)
