"""The ACD engine: which caller rings which agent, and what every caller hears meanwhile.

Theory of operation
-------------------
The engine is pure. ``handle(event, now)`` and ``on_timer(now)`` change its state and return
commands for the switch and records for the store; ``next_deadline()`` says when ``on_timer``
is due next. It never reads a clock, so tests and the simulator run it on virtual time.

Each group keeps its queued calls in arrival order (``queue``) and, among them, the ones that
may be offered now (``ready``). Each group also keeps a *pool* of the agents who are available
for it: logged in to the group, not on DND or paused, with a reachable device, and not ringing,
on a call, on a call of their own or in wrap-up. Whenever a pool gains an agent or ``ready``
gains a call the group is marked dirty; after every event the dirty groups are served oldest
head call first, so an agent in several groups takes the longest-waiting caller among them.
A group's policy picks agents from its pool, skipping the agents already tried for the call in the
current round; when every available agent has been tried the round starts over.

Non-simultaneous policies ring one agent per call at a time, and the call leaves ``ready``
while it rings. Simultaneous ringing keeps the call in ``ready`` so agents who become free
while it rings are added to the ring, up to ``MAX_RINGING`` rings at once.

Every call segment ends with exactly one ``CallRecord``; every ring with one ``OfferRecord``.

Where the code is
-----------------
``AcdEngine`` holds the whole state and the three entry points. ``_HANDLERS`` and ``_TIMERS`` name
the function that handles each event and each timer. Those functions take the engine as their first
argument and live in ``configure.py`` (groups, overrides, members), ``agents.py`` (log-ins, DND,
pauses, devices, personal calls, wrap-up), ``callers.py`` (arrivals, clips, hang-ups, a queued
caller's timers) and ``offers.py`` (rings, and ``dispatch``, which serves the dirty groups). What
stays here are the steps they share: a call's path through a group (queueing, leaving the queue,
overflow actions, the call record), agents' availability and the output. A call's phases and the
table of their changes are in ``state.py``; ``views.py`` answers the live view; ``invariants.py`` is
the self-check tests run after every event.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from helin.acd import agents, callers, configure, invariants, offers, views
from helin.acd import events as ev
from helin.acd.commands import (
    AgentEventRecord,
    AgentStateRecord,
    AnswerCaller,
    CallRecord,
    EndCall,
    ForwardCall,
    Output,
    PlayClip,
    StartMusic,
    StopMusic,
)
from helin.acd.errors import AcdUsageError as AcdUsageError
from helin.acd.model import (
    AgentCall,
    AgentState,
    GroupStatus,
    NoAgentsAction,
    OfferResult,
    Outcome,
    OverflowAction,
    OverflowKind,
    OverflowReason,
    Policy,
)
from helin.acd.state import Agent, Call, Group, Happened, Member, Phase, advance
from helin.deadlines import Deadlines

MAX_SEGMENTS = 5
"""A call overflowing from group to group stops after this many groups."""

_HANDLERS: dict[type[Any], Callable[[AcdEngine, Any], None]] = {
    ev.GroupConfigured: configure.group_configured,
    ev.GroupRemoved: configure.group_removed,
    ev.GroupOverrideSet: configure.override_set,
    ev.MemberAdded: configure.member_added,
    ev.MemberRemoved: configure.member_removed,
    ev.AgentLoggedIn: agents.logged_in,
    ev.AgentLoggedOut: agents.logged_out,
    ev.DndChanged: agents.dnd_changed,
    ev.PauseChanged: agents.pause_changed,
    ev.DispositionGiven: agents.disposition_given,
    ev.DevicesReachable: agents.devices_reachable,
    ev.DirectCallArrived: agents.direct_arrived,
    ev.OutboundCallPlaced: agents.outbound_placed,
    ev.PersonalCallEnded: agents.personal_ended,
    ev.CallArrived: callers.call_arrived,
    ev.ClipFinished: callers.clip_finished,
    ev.CallerHungUp: callers.hung_up,
    ev.AgentHungUp: callers.hung_up,
    ev.CallFailed: callers.hung_up,
    ev.OfferAnswered: offers.offer_answered,
    ev.OfferFailed: offers.offer_failed,
    ev.WhisperPlayed: offers.whisper_played,
}
"""Which function handles each kind of event."""

_TIMERS: dict[str, Callable[[AcdEngine, Any], None]] = {
    "wrap_up": agents.wrap_up_over,
    "max_wait": callers.max_wait,
    "comfort": callers.comfort,
    "announce": callers.announce,
    "ring": offers.ring_timeout,
}
"""Which function handles each kind of timer, by the first part of its key."""


def _oldest_first(group: Group) -> tuple[tuple[int, str], str]:
    """Sort key: the group whose longest-waiting caller came first, then by id."""
    return (group.queue[0] if group.queue else (2**62, ""), group.id)


class AcdEngine:
    """Deterministic call distribution: events and ``now`` in, commands and records out."""

    def __init__(self, *, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._groups: dict[str, Group] = {}
        self._agents: dict[str, Agent] = {}
        """Every agent an event named, by id; never forgotten."""
        self._calls: dict[str, Call] = {}
        """The calls in a group now (queued, bridged or hearing their last clip), by id."""
        self._personal: dict[str, Agent] = {}
        """The agent on each direct or outbound call, by call id."""
        self._timers: Deadlines[tuple[str, Any]] = Deadlines()
        """Keyed by (kind, id); the kind names the handler in ``_TIMERS``."""
        self._seq = 0
        """Arrivals so far: orders calls first come, first served, across groups."""
        self._clip_refs = 0
        """The last ``ref`` given to a reported clip."""
        self._dirty: set[Group] = set()
        """Groups that may have a caller to serve (a pool gained an agent or ready a call)."""
        self._unstaffed: set[Group] = set()
        """Groups whose last staffing agent left, to check for the no-agents overflow."""
        self._out: list[Output] = []
        """Commands and records of the event being handled."""
        self._emit: Callable[[Output], None] = self._out.append
        """Add a command or record to the event's output (the bound ``append`` itself: the
        engine emits several per ring, and a method around it would double their cost)."""
        self._now = 0.0
        """The time of the event being handled."""

    # -- the three entry points ---------------------------------------------------------

    def handle(self, event: ev.Event, now: float) -> list[Output]:
        self._now = now
        handler = _HANDLERS.get(type(event))
        if handler is None:
            raise AcdUsageError(f"not an ACD event: {event!r}")
        handler(self, event)
        return self._settle()

    def next_deadline(self) -> float | None:
        return self._timers.next()

    def on_timer(self, now: float) -> list[Output]:
        self._now = now
        while (key := self._timers.pop_due(now)) is not None:
            kind, ident = key
            _TIMERS[kind](self, ident)
        return self._settle()

    # -- views ----------------------------------------------------------------------------

    def group_status(self, group_id: str, now: float) -> GroupStatus:
        """The group's opening, queue and members; ``AcdUsageError`` for an unknown group."""
        return views.group_status(self._group(group_id), self._calls, now)

    def agent_state(self, agent_id: str) -> AgentState:
        """What the agent is doing, as the live view shows it."""
        return views.agent_state(self._agents.get(agent_id))

    def last_call(self, agent_id: str) -> AgentCall | None:
        """The group call the agent is on or answered last (what a disposition code codes);
        None before their first one since the engine started."""
        agent = self._agents.get(agent_id)
        call = agent.last_call if agent is not None else None
        if call is None:
            return None
        return AgentCall(
            call_id=call.id,
            segment=call.segment,
            group_id=call.group.id,
            caller=call.caller,
            answered_at=call.answered_at,
        )

    @property
    def active_calls(self) -> int:
        """Calls in a group right now: queued, bridged or hearing their last clip."""
        return len(self._calls)

    # -- lookups --------------------------------------------------------------------------

    def _group(self, group_id: str) -> Group:
        try:
            return self._groups[group_id]
        except KeyError:
            raise AcdUsageError(f"unknown group {group_id!r}") from None

    def _agent(self, agent_id: str) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            agent = self._agents[agent_id] = Agent(id=agent_id)
        return agent

    # -- availability ---------------------------------------------------------------------

    def _log_out(self, agent: Agent, members: list[Member], reason: str | None) -> None:
        for member in members:
            if member.logged_in:
                member.logged_in = False
                self._agent_event(agent, "logout", member.group.id, reason)
                if agent.offer is not None and agent.offer.call.group is member.group:
                    offers.end_offer(self, agent.offer, OfferResult.WITHDRAWN)
        self._refresh(agent)

    def _refresh(self, agent: Agent) -> None:
        """Report the agent's state if it changed, and bring each membership up to date."""
        self._report_state(agent)
        for member in agent.members.values():
            self._refresh_member(member)

    def _refresh_member(self, member: Member) -> None:
        """The member's staffing and its place in the group's pool (nothing is emitted)."""
        agent, group = member.agent, member.group
        staffed = member.logged_in and agent.serving
        if staffed != member.staffed:
            self._set_staffed(member, staffed)
        if member.logged_in and agent.free:
            if agent.id not in group.pool:
                group.pool.add(
                    agent.id, order=member.order, weight=member.weight, idle_since=agent.idle_since
                )
                self._dirty.add(group)
        else:
            group.pool.discard(agent.id)

    def _report_state(self, agent: Agent) -> None:
        state = views.agent_state(agent)
        now = (state, views.state_group(agent, state), views.state_reason(agent, state))
        if now != agent.reported:
            agent.reported = now
            self._emit(
                AgentStateRecord(
                    agent_id=agent.id, at=self._now, state=state, group_id=now[1], reason=now[2]
                )
            )

    def _set_staffed(self, member: Member, staffed: bool) -> None:
        member.staffed = staffed
        member.group.staffed += 1 if staffed else -1
        if member.group.staffed == 0:
            self._unstaffed.add(member.group)

    # -- a call's path through a group ----------------------------------------------------

    def _arrive(self, call: Call) -> None:
        group = call.group
        settings = group.config.queue
        if not group.is_open(self._now):
            self._take_action(call, group.config.closed_action, Outcome.CLOSED, None)
            return
        if settings.no_agents is NoAgentsAction.OVERFLOW and group.staffed == 0:
            self._overflow(call, OverflowReason.NO_AGENTS)
            return
        if len(group.queue) >= settings.max_queue_length:
            self._overflow(call, OverflowReason.FULL)
            return
        if not call.answered:
            call.answered = True
            self._emit(AnswerCaller(call_id=call.id))
        group.queue.add(call.key)
        call.queued_at = self._now
        call.entry_place = len(group.queue)
        blocking = settings.greeting_in_full and settings.greeting_clip is not None
        if settings.greeting_clip is not None:
            self._play(call, settings.greeting_clip, report=blocking)
        self._music(call, True)
        advance(call, Happened.QUEUED_BEHIND_GREETING if blocking else Happened.QUEUED)
        self._make_ready_if_due(call)
        if settings.max_wait > 0:
            self._timers.set(("max_wait", call.id), self._now + settings.max_wait)
        if settings.comfort_interval > 0 and settings.comfort_clip is not None:
            self._timers.set(("comfort", call.id), self._now + settings.comfort_interval)
        if settings.announce_position or settings.announce_wait:
            self._timers.set(("announce", call.id), self._now)

    def _requeue(self, call: Call) -> None:
        """Put a call back in its group's queue, in its old place (by its arrival), with its
        timers: the longest wait still counts from when it first queued (past it, the call
        overflows at once)."""
        group, settings = call.group, call.group.config.queue
        assert call.queued_at is not None
        group.queue.add(call.key)
        deadline = call.queued_at + settings.max_wait
        if settings.max_wait > 0 and deadline <= self._now:
            self._leave_queue(call, OfferResult.CALLER_GONE)
            self._overflow(call, OverflowReason.TIMEOUT)
            return
        self._make_ready_if_due(call)
        if settings.max_wait > 0:
            self._timers.set(("max_wait", call.id), deadline)
        if settings.comfort_interval > 0 and settings.comfort_clip is not None:
            self._timers.set(("comfort", call.id), self._now + settings.comfort_interval)
        if settings.announce_position or settings.announce_wait:
            self._timers.set(("announce", call.id), self._now + settings.announce_interval)
        if group.staffed == 0:
            self._unstaffed.add(group)  # the no-agents rule looks at it after this event

    def _make_ready_if_due(self, call: Call) -> None:
        simultaneous = call.group.config.policy is Policy.SIMULTANEOUS
        ready = call.group.ready
        if call.phase is Phase.WAITING and (simultaneous or not call.offers):
            if call.key not in ready:
                ready.add(call.key)
            self._dirty.add(call.group)

    def _play(self, call: Call, clip: str, *, report: bool, interrupt: bool = False) -> None:
        ref = 0
        if report:
            self._clip_refs += 1
            ref = call.awaited_clip = self._clip_refs
        self._emit(
            PlayClip(call_id=call.id, clip=clip, report=report, ref=ref, interrupt=interrupt)
        )

    def _finish_ending(self, call: Call) -> None:
        assert call.ending is not None
        outcome, reason, forwarded_to = call.ending
        self._finish(
            call,
            Outcome(outcome),
            reason=OverflowReason(reason) if reason else None,
            forwarded_to=forwarded_to,
        )

    def _end_bridged(self, call: Call) -> None:
        agent = call.agent
        assert agent is not None
        self._finish(call, Outcome.ANSWERED)
        agent.call = None
        agent.idle_since = self._now
        settings = call.group.config.queue
        wrap_up = settings.wrap_up
        if settings.disposition_required and settings.dispositions and not agent.coded:
            wrap_up = max(wrap_up, settings.wrap_up_max)  # until a code is given
        if wrap_up > 0:
            agent.wrap_up, agent.wrap_up_group = True, call.group.id
            agent.wrap_up_began = self._now
            self._timers.set(("wrap_up", agent.id), self._now + wrap_up)
            self._agent_event(agent, "wrap_up_start", call.group.id)
        self._refresh(agent)

    def _leave_queue(self, call: Call, offers_result: OfferResult) -> None:
        group = call.group
        group.queue.discard(call.key)
        group.ready.discard(call.key)
        for kind in ("max_wait", "comfort", "announce"):
            self._timers.cancel((kind, call.id))
        advance(call, Happened.LEFT_QUEUE)
        for offer in list(call.offers.values()):
            offers.end_offer(self, offer, offers_result)

    def _overflow(self, call: Call, reason: OverflowReason) -> None:
        action = call.group.config.overflow_action(reason)
        self._take_action(call, action, Outcome.OVERFLOWED, reason)

    def _take_action(
        self, call: Call, action: OverflowAction, outcome: Outcome, reason: OverflowReason | None
    ) -> None:
        """Send a caller who is not (or no longer) queued where the group's settings say."""
        target = self._groups.get(action.target or "")
        if (
            action.kind is OverflowKind.FORWARD_GROUP
            and target is not None
            and target is not call.group
            and call.segment + 1 < MAX_SEGMENTS
        ):
            self._finish(call, outcome, reason=reason, overflow_group=target.id)
            self._move(call, target)
            return
        if action.kind is OverflowKind.FORWARD_NUMBER and action.target:
            self._music(call, False)
            self._emit(ForwardCall(call_id=call.id, number=action.target))
            self._finish(call, outcome, reason=reason, forwarded_to=action.target)
            return
        if action.kind is OverflowKind.CLIP_AND_END and action.clip:
            if not call.answered:
                call.answered = True
                self._emit(AnswerCaller(call_id=call.id))
            self._music(call, False)
            self._play(call, action.clip, report=True, interrupt=True)
            advance(call, Happened.LAST_CLIP_STARTED)
            call.ending = (outcome.value, reason.value if reason else None, None)
            return
        self._emit(EndCall(call_id=call.id))
        self._finish(call, outcome, reason=reason)

    def _move(self, call: Call, target: Group) -> None:
        """Start the call's next segment in another group (overflow to a group)."""
        self._seq += 1
        self._calls[call.id] = call
        call.group, call.seq, call.segment = target, self._seq, call.segment + 1
        call.arrived_at, call.queued_at, call.first_offered_at = self._now, None, None
        call.offer_count, call.ending = 0, None
        advance(call, Happened.MOVED_TO_GROUP)
        call.tried.clear()
        self._arrive(call)

    def _music(self, call: Call, on: bool) -> None:
        if call.music != on:
            call.music = on
            self._emit(StartMusic(call_id=call.id) if on else StopMusic(call_id=call.id))

    def _finish(
        self,
        call: Call,
        outcome: Outcome,
        *,
        reason: OverflowReason | None = None,
        forwarded_to: str | None = None,
        overflow_group: str | None = None,
    ) -> None:
        """Emit the segment's one call record and forget the call."""
        del self._calls[call.id]
        advance(call, Happened.FINISHED)
        self._emit(
            CallRecord(
                call_id=call.id,
                segment=call.segment,
                group_id=call.group.id,
                caller=call.caller,
                number=call.number,
                outcome=outcome,
                arrived_at=call.arrived_at,
                ended_at=self._now,
                queued_at=call.queued_at,
                first_offered_at=call.first_offered_at,
                answered_at=call.answered_at,
                agent_id=call.agent.id if call.agent else None,
                overflow_reason=reason,
                forwarded_to=forwarded_to,
                overflow_group=overflow_group,
                offers=call.offer_count,
            )
        )

    # -- after every event ----------------------------------------------------------------

    def _settle(self) -> list[Output]:
        """After every event: overflow unstaffed queues, then serve the dirty groups."""
        while self._unstaffed:
            group = min(self._unstaffed, key=_oldest_first)  # a fixed, fair order
            self._unstaffed.discard(group)
            if group.staffed == 0 and group.config.queue.no_agents is NoAgentsAction.OVERFLOW:
                for _, call_id in list(group.queue):
                    call = self._calls[call_id]
                    self._leave_queue(call, OfferResult.CALLER_GONE)
                    self._overflow(call, OverflowReason.NO_AGENTS)
        offers.dispatch(self)
        out, self._out = self._out, []
        self._emit = self._out.append
        return out

    # -- output ---------------------------------------------------------------------------

    def _agent_event(
        self, agent: Agent, kind: str, group_id: str | None = None, reason: str | None = None
    ) -> None:
        self._emit(
            AgentEventRecord(
                agent_id=agent.id, at=self._now, kind=kind, group_id=group_id, reason=reason
            )
        )

    # -- checks for tests -----------------------------------------------------------------

    def check_invariants(self) -> None:
        """Raise AssertionError if the internal state contradicts itself (used by tests)."""
        invariants.check_invariants(self._agents, self._groups, self._calls)
