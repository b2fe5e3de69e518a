"""Property-based tests of the ACD engine: random valid event sequences against a shadow model.

``World`` drives ``AcdEngine`` on a fake clock and keeps a *shadow* of what the engine must be
doing, built only from the events it was sent and the outputs it returned. Every output is
checked as it comes, in order:

* Outputs caused directly by an event or a timer are predicted exactly (type, call, agent,
  result, outcome, ...) and must come next, in the engine's order: a call's entry into a queue
  or its refusal (closed, no agents, full) and the overflow action taken (forward to a group or
  number, clip then end, end), answers, declines, hang-ups, log-ins and -outs, DND, devices,
  bounces after missed offers, wrap-up, direct and outbound calls.
* Leaving the queue on ``max_wait``, because the group lost its last agent, or because the group
  was configured while no agent staffs it (with ``no_agents`` set to overflow) is recognised
  from the first output and must then follow the group's overflow action for that reason. A
  group whose ``no_agents`` says overflow never keeps a caller queued while no agent staffs it.
* Clips: every reported ``PlayClip`` carries a ``ref`` not used before for the call (0 when not
  reported); the clip that ends a call (closed or overflow) and only it has ``interrupt``, and
  the shadow's copy of the switch then drops the reported clips still queued for the caller.
  The switch reports clips in the order they play, each with its ``ref``; only the report of
  the last reported clip the engine asked for ends an in-full greeting or the ending clip. Late
  reports (a cut clip, a clip reported twice, ref 0, an unknown ref, a call already ended) get
  no output and change nothing.
* ``OfferCall`` comes only at the end of a batch (distribution runs after the event is handled)
  and each ring of one call is checked against the pool the shadow computes: the agent is a
  logged-in member, not on DND, has a reachable device and is not ringing, on a call, on a call
  of their own or in wrap-up; no agent rings twice at once.
* First come, first served, in the form the engine documents. In a group, the *ready* calls are
  the queued ones past any in-full greeting that have no outstanding offer (simultaneous groups:
  whether ringing or not). A ready call is *servable* when a pool agent has not been tried for
  it in this round (and, simultaneous, it rings fewer than ``MAX_RINGING``), or when it has no
  offer out and the pool is not empty (the round then starts over). Each offer goes to the
  oldest servable call of its group; for regular, circular, uniform and weighted groups that is
  simply the oldest ready call. Across groups, no other group may have a servable call older
  than the one served: a simultaneous call that already rings every available agent it could
  (or ``MAX_RINGING`` of them) does not hold its group's place. The agent chosen must
  follow the policy (regular: first by order; circular: first after the last one rung,
  wrapping; uniform: longest idle since their last group call; weighted: any untried agent
  with weight > 0; simultaneous: every untried pool agent, longest idle first, up to
  ``MAX_RINGING`` rings at once for the call) skipping agents tried this round; a
  tried agent is rung again only when every pool agent has been tried and the call rings
  nobody.
* After every batch no group is left with a servable call (no agent idles while a caller they
  could take waits), nothing is overdue (rings, waits, wrap-ups), and the engine's own views
  (``agent_state``, ``group_status``, ``active_calls``, ``check_invariants``) agree with the
  shadow.
* Records: one ``CallRecord`` per call segment, segments 0, 1, 2, ... with ``group:<id>``
  forwarding between them, every field equal to the shadow's (times, agent, offers), outcome
  from ``Outcome`` with ``overflow_reason`` set iff overflowed, and
  ``arrived_at <= queued_at <= first_offered_at <= answered_at <= ended_at``; nothing about a
  call after its last record; every ``OfferCall`` closed by exactly one ``OfferRecord`` (with a
  ``CancelOffer`` just before it unless the switch reported the end); exactly one ``Bridge`` per
  answered segment, to an agent who was ringing with it. Stale answers get exactly
  ``DropAgentLeg`` and stale failures and clip reports nothing, and none changes the engine's
  views.

At the end of every example all calls still up are hung up and the clock runs on until nothing
is pending, then every call's segments and every offer are checked to be closed.

Two machines send the events. ``AcdMachine`` builds worlds of up to five agents in three groups
of random settings and changes configuration, memberships and availability as it goes.
``RingMachine`` keeps to crowded small worlds (a simultaneous group and one other, two or three
agents in both) and only calls, rings, clips and agents leaving and coming back, where rings end
one by one, agents rejoin pools in the middle of a round, groups compete for a shared agent and
overflow clips cut greetings far more often. Both send stale clip reports besides the switch's
own, withdraw rings from ringing agents and let time run to the next deadline exactly.

Runs are reproducible (``derandomize=True``, no example database). ``HELIN_PROPERTY_EXAMPLES``
raises the number of random worlds of both machines for a longer local hunt. Example-based tests
at the end cover what random traffic rarely reaches (cross-group order, rounds, a simultaneous
call whose last ring ends, clip refs, reconfiguring to the no-agents overflow, weight 0,
overflow chains, bounces), and a last property drives the agent pools directly, past the
weighted pool's growth.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from helin.acd import events as ev
from helin.acd.calendar import OpeningCalendar
from helin.acd.commands import (
    AgentEventRecord,
    AgentStateRecord,
    AnnouncePosition,
    AnnounceWait,
    AnswerCaller,
    Bridge,
    CallRecord,
    CancelOffer,
    DropAgentLeg,
    EndCall,
    ForwardCall,
    OfferCall,
    OfferRecord,
    Output,
    PlayClip,
    RejectDirect,
    RingDirect,
    StartMusic,
    StopMusic,
    WhisperToAgent,
)
from helin.acd.engine import MAX_SEGMENTS, AcdEngine
from helin.acd.model import (
    AgentState,
    GroupConfig,
    NoAgentsAction,
    OfferResult,
    Outcome,
    OverflowAction,
    OverflowKind,
    OverflowReason,
    Policy,
    QueueSettings,
)
from helin.acd.policies import MAX_RINGING, make_pool

START = 1_700_000_000.0
"""Wednesday 2023-11-15 00:13:20 in Tallinn."""
GROUP_IDS = ("g0", "g1", "g2")
AGENT_IDS = ("a0", "a1", "a2", "a3", "a4")
ALWAYS = OpeningCalendar.always_open()
TILL_HALF_PAST = OpeningCalendar(weekly={day: ((0, 30),) for day in range(7)})
"""Open 00:00-00:30 every day: closes 1000 s after START."""
MISSED = (OfferResult.NO_ANSWER, OfferResult.DECLINED)
REPORTED = (OfferResult.ANSWERED, OfferResult.DECLINED, OfferResult.UNREACHABLE)
"""Offer ends the switch reports itself: the engine sends no CancelOffer for them."""
QUIET = QueueSettings(greeting_clip=None, comfort_clip=None, wrap_up=0, bounce_after_missed=0)


# -- the shadow model ----------------------------------------------------------------------


@dataclass
class SMember:
    order: int
    weight: int
    logged_in: bool
    priority: int = 1


@dataclass(eq=False)
class SGroup:
    config: GroupConfig
    members: dict[str, SMember] = field(default_factory=dict)
    override: str | None = None
    last: tuple[int, str] | None = None
    """Key (order, agent) of the agent a circular pool rang last."""

    @property
    def id(self) -> str:
        return self.config.id


@dataclass(eq=False)
class SAgent:
    id: str
    groups: dict[str, SGroup] = field(default_factory=dict)
    """Memberships, in the order they were made (the engine's order)."""
    dnd: bool = False
    paused: str | None = None
    devices: int = 0
    offer: str | None = None
    call: str | None = None
    personal: set[str] = field(default_factory=set)
    wrap_up_until: float | None = None
    wrap_up_length: float = 0.0
    wrap_up_group: str | None = None
    idle_since: float = float("-inf")
    missed: int = 0


@dataclass(eq=False)
class SCall:
    id: str
    caller: str
    number: str
    group: SGroup
    segment: int = -1
    seq: int = 0
    phase: str = "new"
    """queued, leaving (its exit is decided, outputs pending), ending (last clip), connecting
    (the agent hears the group's whisper), bridged, done."""
    greeting: bool = False
    """Queued but hearing an in-full greeting (not ready)."""
    exit: tuple[Outcome, OverflowReason | None] | None = None
    clip: str | None = None
    """The clip a leaving call will end with."""
    arrived_at: float = 0.0
    queued_at: float | None = None
    first_offered_at: float | None = None
    answered_at: float | None = None
    max_wait_at: float | None = None
    offers: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Outstanding offers: agent -> (started at, ring deadline)."""
    tried: set[str] = field(default_factory=set)
    offer_count: int = 0
    agent: str | None = None
    answered: bool = False
    music: bool = False
    clips: list[tuple[str, int]] = field(default_factory=list)
    """The switch's queue of reported clips, (clip, ref), not finished or cut yet (it plays
    them in order and reports each one's end)."""
    awaited: int = 0
    """The ref of the last reported clip asked for, until its report comes (0: none)."""
    refs: list[int] = field(default_factory=list)
    """Every ref reported clips for the call were given."""
    terminal: int = 0
    """EndCall and ForwardCall commands seen."""
    hung_up_agent: bool = False
    """The caller left during the whisper: the engine hangs up the agent's leg (EndCall)."""


@dataclass(frozen=True)
class Exp:
    """An output that must come next: its type and some of its fields."""

    kind: type[Any]
    fields: tuple[tuple[str, Any], ...]

    def matches(self, output: Output) -> bool:
        return isinstance(output, self.kind) and all(
            getattr(output, name) == value for name, value in self.fields
        )

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.fields)
        return f"{self.kind.__name__}({args})"


def exp(output_type: type[Any], /, **fields: Any) -> Exp:
    return Exp(output_type, tuple(fields.items()))


class World:
    """The engine, a fake clock and the shadow; every send and timer is checked."""

    def __init__(self, *, seed: int = 0) -> None:
        self.engine = AcdEngine(seed=seed)
        self.now = START
        self.groups: dict[str, SGroup] = {}
        self.agents: dict[str, SAgent] = {}
        self.calls: dict[str, SCall] = {}
        self.personal: dict[str, str] = {}
        self.records: dict[tuple[str, int], CallRecord] = {}
        self.offered: set[tuple[str, int, str]] = set()
        self.offer_closed: list[int] = []
        self.outstanding: dict[tuple[str, str], int] = {}
        """(call, agent) -> index into offer_closed."""
        self.ended_pairs: set[tuple[str, str]] = set()
        self.bridges: dict[tuple[str, int], int] = {}
        self.seq = 0
        self.ids = 0
        self.ok = True
        """False while a step runs (and stays so if it failed)."""
        self.log: list[Output] = []
        # the batch being checked
        self.event: ev.Event | None = None
        self.expect: deque[Exp] = deque()
        self.dispatching = False
        self.staffed_before: dict[str, int] = {}
        self.reported: dict[str, tuple[AgentState, str | None, str | None]] = {}
        """Each agent's state as its last ``AgentStateRecord`` gave it."""

    # -- driving ----------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self.ids += 1
        return f"{prefix}{self.ids}"

    def send(self, event: ev.Event) -> list[Output]:
        self.ok = False
        self._begin(event)
        stale = self._pre(event)
        before = self.snapshot() if stale is not None else None
        out = self.engine.handle(event, self.now)
        self.log.extend(out)
        if stale is not None:
            assert out == stale, f"{event!r} is stale: expected {stale}, got {out}"
            assert self.snapshot() == before, f"stale {event!r} changed the engine's state"
        else:
            self._process(out)
            self._post(event)
        self._check()
        self.ok = True
        return out

    def advance(self, seconds: float) -> list[Output]:
        """Move the clock, firing every timer due on the way, each at its deadline."""
        self.ok = False
        end = self.now + seconds
        outs: list[Output] = []
        while (deadline := self.engine.next_deadline()) is not None and deadline <= end:
            assert deadline >= self.now, "a timer was left overdue"
            self.now = deadline
            self._begin(None)
            out = self.engine.on_timer(self.now)
            self.log.extend(out)
            self._process(out)
            self._post(None)
            self._check()
            outs += out
        self.now = end
        self.ok = True
        return outs

    def snapshot(self) -> tuple[Any, ...]:
        return (
            tuple(self.engine.group_status(gid, self.now) for gid in sorted(self.groups)),
            tuple(self.engine.agent_state(aid) for aid in sorted(self.agents)),
            self.engine.active_calls,
            self.engine.next_deadline(),
        )

    def finish(self) -> None:
        """Hang up everything still up, let every timer run out, check nothing is left open."""
        for call in list(self.calls.values()):
            if call.phase != "done":
                self.send(ev.CallerHungUp(call_id=call.id))
        for call_id in sorted(self.personal):
            self.send(ev.PersonalCallEnded(call_id=call_id))
        self.advance(100_000)
        assert self.engine.active_calls == 0
        assert self.engine.next_deadline() is None
        assert not self.outstanding, f"offers never closed: {sorted(self.outstanding)}"
        assert all(n == 1 for n in self.offer_closed)
        for call in self.calls.values():
            assert call.phase == "done"
            segments = [self.records[(call.id, k)] for k in range(call.segment + 1)]
            assert {k for (cid, k) in self.records if cid == call.id} == set(range(len(segments)))
            for prev, nxt in itertools.pairwise(segments):
                assert prev.overflow_group == nxt.group_id, (prev, nxt)
                assert prev.forwarded_to is None, prev
                assert nxt.arrived_at == prev.ended_at
                assert nxt.caller == prev.caller and nxt.number == prev.number
            assert segments[-1].overflow_group is None, segments[-1]
            assert len(segments) <= MAX_SEGMENTS
            assert call.terminal <= 1
        for key, record in self.records.items():
            assert self.bridges.get(key, 0) == (record.outcome is Outcome.ANSWERED)

    # -- the shadow's views ---------------------------------------------------------------

    def agent(self, agent_id: str) -> SAgent:
        if agent_id not in self.agents:
            self.agents[agent_id] = SAgent(agent_id)
        return self.agents[agent_id]

    def is_open(self, group: SGroup) -> bool:
        if group.override is not None:
            return group.override == "open"
        return group.config.calendar.is_open(self.now)

    def staffed(self, group: SGroup) -> int:
        return sum(
            1
            for aid, m in group.members.items()
            if m.logged_in and not self.agents[aid].dnd and self.agents[aid].devices > 0
        )

    def queue(self, group: SGroup) -> list[SCall]:
        calls = [c for c in self.calls.values() if c.group is group and c.phase == "queued"]
        return sorted(calls, key=lambda c: c.seq)

    def free_for(self, agent_id: str, group: SGroup) -> bool:
        a, m = self.agents[agent_id], group.members[agent_id]
        return (
            m.logged_in
            and not a.dnd
            and a.paused is None
            and a.devices > 0
            and a.offer is None
            and a.call is None
            and not a.personal
            and a.wrap_up_until is None
        )

    def pool(self, group: SGroup) -> list[str]:
        """Agents the group may ring now, by (order, id); weight 0 never picked."""
        agents = [aid for aid in group.members if self.free_for(aid, group)]
        if group.config.policy is Policy.WEIGHTED:
            agents = [aid for aid in agents if group.members[aid].weight > 0]
        return sorted(agents, key=lambda aid: (group.members[aid].order, aid))

    def ready(self, group: SGroup) -> list[SCall]:
        simultaneous = group.config.policy is Policy.SIMULTANEOUS
        return [c for c in self.queue(group) if not c.greeting and (simultaneous or not c.offers)]

    @staticmethod
    def servable_call(call: SCall, pool: list[str], held: set[str]) -> bool:
        free = [aid for aid in pool if aid not in held]
        if not call.offers:
            if any(aid not in call.tried for aid in free):
                return True
            return bool(free) and all(aid in call.tried for aid in pool)  # a new round
        return len(call.offers) < MAX_RINGING and any(aid not in call.tried for aid in free)

    def could_take(self, group: SGroup, aid: str) -> bool:
        """Whether the group would offer the agent a ready call now, their other groups aside."""
        pool = self.pool(group)
        if aid not in pool:
            return False
        simultaneous = group.config.policy is Policy.SIMULTANEOUS
        for call in self.ready(group):
            if not call.offers:
                if aid not in call.tried or all(a in call.tried for a in pool):
                    return True
            elif simultaneous and len(call.offers) < MAX_RINGING and aid not in call.tried:
                return True
        return False

    def held(self, group: SGroup) -> set[str]:
        """Available agents a group where their priority is better has a call for now."""
        out = set()
        for aid in self.pool(group):
            mine = group.members[aid].priority
            for other in self.agents[aid].groups.values():
                if other.members[aid].priority < mine and self.could_take(other, aid):
                    out.add(aid)
        return out

    def first_servable(self, group: SGroup) -> SCall | None:
        """The oldest ready call of the group that an available agent could take now, the
        agents held for better groups aside."""
        pool = self.pool(group)
        if not pool:
            return None
        held = self.held(group)
        return next((c for c in self.ready(group) if self.servable_call(c, pool, held)), None)

    def servable(self, group: SGroup) -> bool:
        return self.first_servable(group) is not None

    def state_of(self, a: SAgent) -> AgentState:
        if a.devices <= 0:
            return AgentState.UNREACHABLE
        if a.call is not None:
            return AgentState.ON_CALL
        if a.offer is not None:
            return AgentState.RINGING
        if a.personal:
            return AgentState.BUSY
        if a.wrap_up_until is not None:
            return AgentState.WRAP_UP
        if a.dnd:
            return AgentState.DND
        return AgentState.AVAILABLE if a.paused is None else AgentState.PAUSED

    def state_group(self, a: SAgent, state: AgentState) -> str | None:
        """The group an agent's state concerns, as ``AgentStateRecord`` names it."""
        if state is AgentState.ON_CALL and a.call is not None:
            return self.calls[a.call].group.id
        if state is AgentState.RINGING and a.offer is not None:
            return self.calls[a.offer].group.id
        return a.wrap_up_group if state is AgentState.WRAP_UP else None

    @staticmethod
    def state_reason(a: SAgent, state: AgentState) -> str | None:
        return a.paused if state is AgentState.PAUSED else None

    def live_calls(self) -> list[SCall]:
        return [c for c in self.calls.values() if c.phase != "done"]

    # -- predictions ----------------------------------------------------------------------

    def _push(self, items: list[Exp], *, front: bool = False) -> None:
        if front:
            self.expect.extendleft(reversed(items))
        else:
            self.expect.extend(items)

    def _record_exp(
        self, call: SCall, forwarded_to: str | None = None, overflow_group: str | None = None
    ) -> Exp:
        assert call.exit is not None
        outcome, reason = call.exit
        return exp(
            CallRecord,
            call_id=call.id,
            segment=call.segment,
            group_id=call.group.id,
            outcome=outcome,
            overflow_reason=reason,
            forwarded_to=forwarded_to,
            overflow_group=overflow_group,
        )

    def _leave(
        self,
        call: SCall,
        outcome: Outcome,
        reason: OverflowReason | None,
        action: OverflowAction | str,
    ) -> list[Exp]:
        """The call's exit is decided: what the engine must emit for it, in order."""
        call.exit, call.phase = (outcome, reason), "leaving"
        items = [
            exp(CancelOffer, call_id=call.id, agent_id=aid, result=OfferResult.CALLER_GONE)
            for aid in call.offers
        ]
        if action == "abandon":
            return [*items, self._record_exp(call)]
        if action == "fail":
            return [*items, exp(EndCall, call_id=call.id), self._record_exp(call)]
        assert isinstance(action, OverflowAction)
        target = self.groups.get(action.target or "")
        if (
            action.kind is OverflowKind.FORWARD_GROUP
            and target is not None
            and target is not call.group
            and call.segment + 1 < MAX_SEGMENTS
        ):
            return [*items, self._record_exp(call, overflow_group=target.id)]
        stop = [exp(StopMusic, call_id=call.id)] if call.music else []
        if action.kind is OverflowKind.FORWARD_NUMBER and action.target:
            return [
                *items,
                *stop,
                exp(ForwardCall, call_id=call.id, number=action.target),
                self._record_exp(call, action.target),
            ]
        if action.kind is OverflowKind.CLIP_AND_END and action.clip:
            call.clip = action.clip
            answer = [] if call.answered else [exp(AnswerCaller, call_id=call.id)]
            clip = exp(PlayClip, call_id=call.id, clip=action.clip, report=True, interrupt=True)
            return [*items, *answer, *stop, clip]
        return [*items, exp(EndCall, call_id=call.id), self._record_exp(call)]

    def _start_segment(self, call: SCall, group: SGroup) -> None:
        """A call arrives in a group (from outside or by overflow): predict what happens."""
        call.segment += 1
        call.group = group
        self.seq += 1
        call.seq = self.seq
        call.arrived_at = self.now
        call.queued_at = call.first_offered_at = call.answered_at = call.max_wait_at = None
        call.tried, call.offer_count, call.agent, call.exit, call.clip = set(), 0, None, None, None
        call.greeting = False
        config, settings_ = group.config, group.config.queue
        if not self.is_open(group):
            items = self._leave(call, Outcome.CLOSED, None, config.closed_action)
        elif settings_.no_agents is NoAgentsAction.OVERFLOW and self.staffed(group) == 0:
            reason = OverflowReason.NO_AGENTS
            items = self._leave(call, Outcome.OVERFLOWED, reason, config.on_no_agents)
        elif len(self.queue(group)) >= settings_.max_queue_length:
            reason = OverflowReason.FULL
            items = self._leave(call, Outcome.OVERFLOWED, reason, config.on_full)
        else:
            items = [] if call.answered else [exp(AnswerCaller, call_id=call.id)]
            blocking = settings_.greeting_in_full and settings_.greeting_clip is not None
            if settings_.greeting_clip is not None:
                clip = settings_.greeting_clip
                items.append(
                    exp(PlayClip, call_id=call.id, clip=clip, report=blocking, interrupt=False)
                )
            if not call.music:
                items.append(exp(StartMusic, call_id=call.id))
            call.phase, call.greeting, call.queued_at = "queued", blocking, self.now
            if settings_.max_wait > 0:
                call.max_wait_at = self.now + settings_.max_wait
        self._push(items, front=True)

    def _withdraw(self, agent: SAgent, group: SGroup | None = None) -> list[Exp]:
        if agent.offer is None or (
            group is not None and self.calls[agent.offer].group is not group
        ):
            return []
        return [
            exp(CancelOffer, call_id=agent.offer, agent_id=agent.id, result=OfferResult.WITHDRAWN)
        ]

    def _targets(self, agent: SAgent, group_id: str | None) -> list[SGroup]:
        return list(agent.groups.values()) if group_id is None else [agent.groups[group_id]]

    def _begin(self, event: ev.Event | None) -> None:
        assert not self.expect
        self.event = event
        self.dispatching = False
        self.staffed_before = {gid: self.staffed(g) for gid, g in self.groups.items()}

    def _pre(self, e: ev.Event) -> list[Output] | None:
        """Apply what the event itself says and predict its outputs; for a stale event return
        the exact outputs expected (and change nothing)."""
        match e:
            case ev.GroupConfigured(group=config):
                group = self.groups.get(config.id)
                if group is None:
                    self.groups[config.id] = SGroup(config)
                else:
                    if config.policy is not group.config.policy:
                        group.last = None
                    group.config = config
            case ev.GroupRemoved(group_id=gid):
                for call in self.queue(self.groups[gid]):
                    self._push(self._leave(call, Outcome.FAILED, None, "fail"))
            case ev.GroupOverrideSet(group_id=gid, mode=mode):
                self.groups[gid].override = mode
            case ev.MemberAdded(group_id=gid, agent_id=aid):
                group, agent = self.groups[gid], self.agent(aid)
                member = group.members.get(aid)
                if member is None:
                    group.members[aid] = SMember(e.order, e.weight, e.logged_in, e.priority)
                    agent.groups[gid] = group
                else:
                    member.order, member.weight = e.order, e.weight
                    member.priority = e.priority
            case ev.MemberRemoved(group_id=gid, agent_id=aid):
                group, agent = self.groups[gid], self.agent(aid)
                if aid in group.members:
                    self._push(self._withdraw(agent, group))
                    del group.members[aid], agent.groups[gid]
            case ev.AgentLoggedIn(agent_id=aid, group_id=gid):
                agent = self.agent(aid)
                for group in self._targets(agent, gid):
                    if not group.members[aid].logged_in:
                        self._push([self._agent_exp(aid, "login", group.id)])
            case ev.AgentLoggedOut(agent_id=aid, group_id=gid):
                agent = self.agent(aid)
                offer = agent.offer
                for group in self._targets(agent, gid):
                    if group.members[aid].logged_in:
                        self._push([self._agent_exp(aid, "logout", group.id)])
                        if offer is not None and self.calls[offer].group is group:
                            self._push(self._withdraw(agent))
            case ev.DndChanged(agent_id=aid, on=on):
                agent = self.agent(aid)
                if agent.dnd != on:
                    self._push([self._agent_exp(aid, "dnd_on" if on else "dnd_off")])
                    if on:
                        self._push(self._withdraw(agent))
            case ev.PauseChanged(agent_id=aid, reason=reason):
                agent = self.agent(aid)
                if agent.paused != reason:
                    kind = "pause_off" if reason is None else "pause_on"
                    self._push([self._agent_exp(aid, kind, reason=reason)])
            case ev.DevicesReachable(agent_id=aid, count=count):
                agent = self.agent(aid)
                agent.devices = max(0, count)
                if agent.devices == 0:
                    self._push(self._withdraw(agent))
            case ev.CallArrived(call_id=cid, group_id=gid):
                assert cid not in self.calls
                call = SCall(cid, e.caller, e.number, self.groups[gid])
                self.calls[cid] = call
                self._start_segment(call, self.groups[gid])
            case ev.ClipFinished(call_id=cid, ref=ref):
                call = self.calls.get(cid)
                if call is not None:
                    # the switch's report: the clip is no longer queued there
                    call.clips = [(clip, r) for clip, r in call.clips if r != ref]
                if call is None or call.phase == "done" or not call.awaited or ref != call.awaited:
                    return []  # not the clip the engine waits for
                call.awaited = 0
                if call.phase == "queued" and call.greeting:
                    call.greeting = False
                elif call.phase == "ending":
                    self._push([exp(EndCall, call_id=cid), self._record_exp(call)])
            case ev.OfferAnswered(call_id=cid, agent_id=aid):
                call = self.calls.get(cid)
                if call is None or aid not in call.offers:
                    return [DropAgentLeg(call_id=cid, agent_id=aid)]
                call.exit, call.phase = (Outcome.ANSWERED, None), "leaving"
                items = [
                    exp(OfferRecord, call_id=cid, agent_id=aid, result=OfferResult.ANSWERED)
                ] + [
                    exp(
                        CancelOffer,
                        call_id=cid,
                        agent_id=other,
                        result=OfferResult.ANSWERED_ELSEWHERE,
                    )
                    for other in call.offers
                    if other != aid
                ]
                whisper = call.group.config.queue.whisper_clip
                last = (
                    exp(WhisperToAgent, call_id=cid, agent_id=aid, clip=whisper)
                    if whisper is not None
                    else exp(Bridge, call_id=cid, agent_id=aid)
                )
                self._push([*items, last])
            case ev.WhisperPlayed(call_id=cid):
                call = self.calls.get(cid)
                if call is None or call.phase != "connecting":
                    return []
                self._push([exp(Bridge, call_id=cid, agent_id=call.agent)])
            case ev.OfferFailed(call_id=cid, agent_id=aid, declined=declined):
                call = self.calls.get(cid)
                if call is None or aid not in call.offers:
                    return []
                result = OfferResult.DECLINED if declined else OfferResult.UNREACHABLE
                self._push([exp(OfferRecord, call_id=cid, agent_id=aid, result=result)])
            case ev.CallerHungUp(call_id=cid) | ev.AgentHungUp(call_id=cid):
                call = self.calls.get(cid)
                if call is None or call.phase == "done":
                    return []
                if call.phase == "bridged":
                    self._push([exp(EndCall, call_id=cid), self._record_exp(call)])
                elif call.phase == "connecting":
                    self._whisper_cut(call, agent_left=isinstance(e, ev.AgentHungUp))
                elif isinstance(e, ev.AgentHungUp):
                    assert call.phase == "queued", "the switch has no agent leg to hang up"
                    return []
                elif call.phase == "queued":
                    self._push(self._leave(call, Outcome.ABANDONED, None, "abandon"))
                else:
                    assert call.phase == "ending"
                    self._push([self._record_exp(call)])
            case ev.DirectCallArrived(call_id=cid, agent_id=aid):
                agent = self.agent(aid)
                if agent.dnd or agent.devices == 0:
                    reason = "dnd" if agent.dnd else "unreachable"
                    self._push([exp(RejectDirect, call_id=cid, agent_id=aid, reason=reason)])
                else:
                    agent.personal.add(cid)
                    self.personal[cid] = aid
                    self._push([exp(RingDirect, call_id=cid, agent_id=aid)])
            case ev.OutboundCallPlaced(call_id=cid, agent_id=aid):
                agent = self.agent(aid)
                self._push(self._withdraw(agent))
                agent.personal.add(cid)
                self.personal[cid] = aid
            case ev.PersonalCallEnded(call_id=cid):
                aid = self.personal.pop(cid, None)
                if aid is not None:
                    self.agents[aid].personal.discard(cid)
            case _:
                raise AssertionError(f"no model for {e!r}")
        return None

    def _whisper_cut(self, call: SCall, *, agent_left: bool) -> None:
        """A side left during the whisper: the caller back in the queue, or abandoned."""
        agent = self.agents[call.agent or ""]
        agent.call, agent.idle_since, call.agent = None, self.now, None
        if not agent_left:
            call.exit, call.phase, call.hung_up_agent = (Outcome.ABANDONED, None), "leaving", True
            self._push([exp(EndCall, call_id=call.id), self._record_exp(call)])
            return
        call.phase, call.exit = "queued", None
        if call.max_wait_at is not None and call.max_wait_at <= self.now:
            action = call.group.config.on_timeout
            self._push(self._leave(call, Outcome.OVERFLOWED, OverflowReason.TIMEOUT, action))

    def _agent_exp(
        self, agent_id: str, kind: str, group_id: str | None = None, reason: str | None = None
    ) -> Exp:
        return exp(
            AgentEventRecord,
            agent_id=agent_id,
            at=self.now,
            kind=kind,
            group_id=group_id,
            reason=reason,
        )

    # -- checking outputs -----------------------------------------------------------------

    def _process(self, out: list[Output]) -> None:
        for o in out:
            if isinstance(o, AgentStateRecord):
                assert o.at == self.now, o
                now = (o.state, o.group_id, o.reason)
                assert self.reported.get(o.agent_id) != now, f"repeated {o!r}"
                self.reported[o.agent_id] = now
        out = [o for o in out if not isinstance(o, AgentStateRecord)]
        i = 0
        while i < len(out):
            output = out[i]
            if isinstance(output, OfferCall) and not self.expect:
                j = i
                while j < len(out) and isinstance(out[j], OfferCall):
                    if out[j].call_id != output.call_id:  # type: ignore[union-attr]
                        break
                    j += 1
                self._serve([o for o in out[i:j] if isinstance(o, OfferCall)])
                self.dispatching = True
                i = j
                continue
            assert not self.dispatching, f"{output!r} after distribution began: {out}"
            if not self.expect:
                self._spontaneous(output)
            if self.expect:
                wanted = self.expect.popleft()
                assert wanted.matches(output), (
                    f"expected {wanted!r}, got {output!r}\n  after {self.event!r}\n  in {out}"
                )
            self._apply(output)
            i += 1

    def _spontaneous(self, o: Output) -> None:
        """An output no event predicted: a timer's, or a queued call leaving on its own."""
        on_timer = self.event is None
        if isinstance(o, AgentEventRecord):
            assert on_timer and o.kind == "wrap_up_end", f"unexpected {o!r} after {self.event!r}"
            return
        call = self.calls.get(getattr(o, "call_id", ""))
        assert call is not None, f"unexpected {o!r}"
        if isinstance(o, CancelOffer) and o.result is OfferResult.NO_ANSWER:
            assert on_timer and call.offers[o.agent_id][1] == self.now, o
            return
        if isinstance(o, AnnouncePosition | AnnounceWait) or (
            isinstance(o, PlayClip) and not o.report
        ):
            assert on_timer and call.phase == "queued", o
            if isinstance(o, PlayClip):
                assert o.clip == call.group.config.queue.comfort_clip
                assert o.ref == 0 and not o.interrupt, o
            return
        if (
            call.phase == "queued"
            and isinstance(o, CancelOffer | StopMusic | EndCall | CallRecord)
            and (not isinstance(o, CancelOffer) or o.result is OfferResult.CALLER_GONE)
        ):
            group = call.group
            if on_timer and call.max_wait_at == self.now:
                reason = OverflowReason.TIMEOUT
            else:
                reason = OverflowReason.NO_AGENTS
                assert group.config.queue.no_agents is NoAgentsAction.OVERFLOW, o
                assert self.staffed(group) == 0, f"{o!r}: group {group.id} is staffed"
                reconfigured = (
                    isinstance(self.event, ev.GroupConfigured) and self.event.group.id == group.id
                )
                assert reconfigured or self.staffed_before.get(group.id, 0) > 0, (
                    f"{o!r}: {group.id} was neither staffed nor reconfigured"
                )
            action = group.config.overflow_action(reason)
            self._push(self._leave(call, Outcome.OVERFLOWED, reason, action), front=True)
            return
        raise AssertionError(f"unexpected {o!r} ({call.id} is {call.phase}) after {self.event!r}")

    def _serve(self, run: list[OfferCall]) -> None:
        """One distribution decision: one call rung at one agent (or several, simultaneous)."""
        call = self.calls[run[0].call_id]
        group = call.group
        agents = [o.agent_id for o in run]
        assert self.groups.get(group.id) is group and call.phase == "queued", run
        for o in run:
            assert o.group_id == group.id and o.caller == call.caller, o
            agent = self.agents[o.agent_id]
            member = group.members.get(agent.id)
            assert member is not None and member.logged_in, f"{o!r}: not logged in to the group"
            assert not agent.dnd, f"{o!r}: agent on DND"
            assert agent.devices > 0, f"{o!r}: agent has no reachable device"
            assert agent.offer is None, f"{o!r}: agent already ringing with {agent.offer}"
            assert agent.call is None, f"{o!r}: agent on call {agent.call}"
            assert not agent.personal, f"{o!r}: agent on a call of their own"
            assert agent.wrap_up_until is None, f"{o!r}: agent in wrap-up"
        assert len(set(agents)) == len(agents)
        assert not call.greeting, f"{run[0]!r} during an in-full greeting"
        pool = self.pool(group)
        ready = self.ready(group)
        assert call in ready, f"{run[0]!r}: call not ready (ringing: {sorted(call.offers)})"
        first = self.first_servable(group)
        assert first is call, f"{run[0]!r}: older call {first and first.id} of {group.id} waits"
        # Across groups the oldest servable call goes first: a call that rings every agent it
        # could does not hold its group's place.
        for other in self.groups.values():
            rival = self.first_servable(other) if other is not group else None
            assert rival is None or rival.seq > call.seq, (
                f"{run[0]!r}: group {other.id} has an older servable call {rival.id}"
            )
        held = self.held(group)
        for aid in agents:
            assert aid not in held, f"{run[0]!r}: {aid} has a call of a better group"
        restart = all(aid in call.tried for aid in pool)
        if restart:
            assert not call.offers, f"{run[0]!r}: new round while the call still rings"
        base = [aid for aid in pool if aid not in held and (restart or aid not in call.tried)]
        policy = group.config.policy
        if policy is Policy.SIMULTANEOUS:
            longest_idle = sorted(base, key=lambda aid: (self.agents[aid].idle_since, aid))
            want = longest_idle[: MAX_RINGING - len(call.offers)]
            assert agents == want, f"simultaneous: rang {agents}, longest idle untried {want}"
        else:
            assert len(agents) == 1, run
            chosen = agents[0]
            if policy is Policy.REGULAR:
                assert chosen == base[0], f"regular: rang {chosen}, first in order is {base[0]}"
            elif policy is Policy.UNIFORM:
                want = min(base, key=lambda aid: (self.agents[aid].idle_since, aid))
                assert chosen == want, f"uniform: rang {chosen}, longest idle is {want}"
            elif policy is Policy.CIRCULAR:
                keys = [(group.members[aid].order, aid) for aid in pool]
                start = 0 if group.last is None else bisect.bisect_right(keys, group.last)
                cycle = [keys[(start + k) % len(keys)][1] for k in range(len(keys))]
                want = next(aid for aid in cycle if aid in base)
                assert chosen == want, f"circular: rang {chosen}, next after {group.last} is {want}"
            else:
                assert chosen in base, f"weighted: rang {chosen}, untried {base}"
        if restart:
            call.tried.clear()
        timeout = group.config.queue.ring_timeout
        for aid in agents:
            call.offers[aid] = (self.now, self.now + timeout)
            call.tried.add(aid)
            call.offer_count += 1
            self.agents[aid].offer = call.id
            self.outstanding[(call.id, aid)] = len(self.offer_closed)
            self.offer_closed.append(0)
            self.offered.add((call.id, call.segment, aid))
        if call.first_offered_at is None:
            call.first_offered_at = self.now
        if policy is Policy.CIRCULAR:
            group.last = (group.members[agents[0]].order, agents[0])

    def _apply(self, o: Output) -> None:
        """Update the shadow with one output, checking what holds whichever way it came."""
        if isinstance(o, AgentEventRecord):
            self._apply_agent_event(o)
            return
        if isinstance(o, RingDirect | RejectDirect):
            return
        call = self.calls[o.call_id]
        assert call.phase != "done", f"{o!r} after the call's last record"
        match o:
            case AnswerCaller():
                assert not call.answered, o
                call.answered = True
            case PlayClip(clip=clip, report=report, ref=ref, interrupt=interrupt):
                assert call.answered, f"{o!r} before the caller was answered"
                assert interrupt == (call.phase == "leaving"), f"{o!r} ({call.phase})"
                if interrupt:
                    call.clips.clear()  # the switch cuts what plays or is queued
                if report:
                    assert ref != 0 and ref not in call.refs, f"{o!r}: ref used before"
                    call.refs.append(ref)
                    call.clips.append((clip, ref))
                    call.awaited = ref
                    if call.phase == "leaving":
                        assert clip == call.clip
                        call.phase = "ending"
                else:
                    assert ref == 0, f"{o!r}: a ref for a clip not reported"
            case StartMusic():
                assert not call.music and call.answered, o
                call.music = True
            case StopMusic():
                assert call.music, o
                call.music = False
            case AnnouncePosition(position=position):
                ahead = [c for c in self.queue(call.group) if c.seq < call.seq]
                assert position == len(ahead) + 1, f"{o!r}: {len(ahead)} ahead"
            case AnnounceWait(seconds=seconds):
                assert seconds >= 0, o
            case CancelOffer(agent_id=aid, result=result):
                assert aid in call.offers, f"{o!r}: no such offer"
                assert result not in REPORTED, o
                self._push(
                    [exp(OfferRecord, call_id=call.id, agent_id=aid, result=result)], front=True
                )
            case OfferRecord():
                self._apply_offer_record(call, o)
            case WhisperToAgent(agent_id=aid):
                assert call.phase == "leaving" and call.exit == (Outcome.ANSWERED, None), o
                assert not call.offers, f"{o!r} while {sorted(call.offers)} still ring"
                assert (call.id, call.segment, aid) in self.offered, f"{o!r}: never offered"
                call.phase, call.agent = "connecting", aid
                agent = self.agents[aid]
                assert agent.call is None
                agent.call, agent.missed = call.id, 0
            case Bridge(agent_id=aid):
                if call.phase == "connecting":
                    assert call.agent == aid, o
                    call.phase = "leaving"
                    self.agents[aid].call = None
                assert call.phase == "leaving" and call.exit == (Outcome.ANSWERED, None), o
                assert not call.offers, f"{o!r} while {sorted(call.offers)} still ring"
                assert (call.id, call.segment, aid) in self.offered, f"{o!r}: never offered"
                key = (call.id, call.segment)
                self.bridges[key] = self.bridges.get(key, 0) + 1
                assert self.bridges[key] == 1, f"{o!r}: bridged twice"
                call.phase, call.agent, call.music, call.answered_at = (
                    "bridged",
                    aid,
                    False,
                    self.now,
                )
                agent = self.agents[aid]
                assert agent.call is None
                agent.call, agent.missed = call.id, 0
            case ForwardCall() | EndCall():
                call.terminal += 1
                assert call.terminal == 1, f"{o!r}: the call was already ended"
            case CallRecord():
                self._apply_call_record(call, o)
            case _:
                raise AssertionError(f"unexpected {o!r}")

    def _apply_offer_record(self, call: SCall, o: OfferRecord) -> None:
        aid = o.agent_id
        assert aid in call.offers, f"{o!r}: no such offer"
        started, deadline = call.offers.pop(aid)
        assert (o.segment, o.group_id) == (call.segment, call.group.id), o
        assert o.started_at == started and o.ended_at == self.now, o
        if o.result is OfferResult.NO_ANSWER:
            assert self.event is None and deadline == self.now, o
        self.offer_closed[self.outstanding.pop((call.id, aid))] += 1
        self.ended_pairs.add((call.id, aid))
        agent = self.agents[aid]
        assert agent.offer == call.id
        agent.offer = None
        if o.result in MISSED:
            agent.missed += 1
            limit = call.group.config.queue.bounce_after_missed
            if 0 < limit <= agent.missed:
                agent.missed = 0
                reason = f"missed {limit} offers in a row"
                items = [self._agent_exp(aid, "bounced", reason=reason)] + [
                    self._agent_exp(aid, "logout", gid, "bounced")
                    for gid, group in agent.groups.items()
                    if group.members[aid].logged_in
                ]
                self._push(items, front=True)

    def _apply_call_record(self, call: SCall, o: CallRecord) -> None:
        key = (call.id, call.segment)
        assert key not in self.records, f"{o!r}: second record for the segment"
        assert call.phase in ("leaving", "ending", "bridged"), o
        assert not call.offers, f"{o!r} while offers are out: {sorted(call.offers)}"
        self.records[key] = o
        assert isinstance(o.outcome, Outcome)
        assert (o.overflow_reason is not None) == (o.outcome is Outcome.OVERFLOWED), o
        assert (o.call_id, o.caller, o.number) == (call.id, call.caller, call.number), o
        assert o.arrived_at == call.arrived_at and o.ended_at == self.now, o
        assert o.queued_at == call.queued_at, o
        assert o.first_offered_at == call.first_offered_at, o
        assert o.answered_at == call.answered_at and o.agent_id == call.agent, o
        assert o.offers == call.offer_count, o
        answered = o.outcome is Outcome.ANSWERED
        assert answered == (o.agent_id is not None) == (o.answered_at is not None), o
        times = [o.arrived_at, o.queued_at, o.first_offered_at, o.answered_at, o.ended_at]
        known = [t for t in times if t is not None]
        assert known == sorted(known), f"{o!r}: times out of order"
        if o.first_offered_at is not None or answered:
            assert o.queued_at is not None, o
        assert o.wait_seconds >= 0
        if answered:
            agent = self.agents[call.agent or ""]
            assert agent.call == call.id
            agent.call, agent.idle_since = None, self.now
            wrap_up = call.group.config.queue.wrap_up
            if wrap_up > 0:
                agent.wrap_up_length = wrap_up
                self._push([self._agent_exp(agent.id, "wrap_up_start", call.group.id)], front=True)
        if o.overflow_group is not None:
            assert o.outcome in (Outcome.OVERFLOWED, Outcome.CLOSED), o
            self._start_segment(call, self.groups[o.overflow_group])
            return
        caller_left = isinstance(self.event, ev.CallerHungUp) and self.event.call_id == call.id
        ended = call.phase == "bridged" or call.hung_up_agent
        expected_terminal = 0 if caller_left and not ended else 1
        assert call.terminal == expected_terminal, f"{o!r}: {call.terminal} EndCall/ForwardCall"
        call.phase = "done"

    def _apply_agent_event(self, o: AgentEventRecord) -> None:
        assert o.at == self.now, o
        agent = self.agents[o.agent_id]
        if o.kind in ("login", "logout"):
            member = agent.groups[o.group_id or ""].members[agent.id]
            assert member.logged_in == (o.kind == "logout"), o
            member.logged_in = o.kind == "login"
        elif o.kind in ("dnd_on", "dnd_off"):
            assert agent.dnd == (o.kind == "dnd_off"), o
            agent.dnd = o.kind == "dnd_on"
        elif o.kind in ("pause_on", "pause_off"):
            assert agent.paused != o.reason and (o.reason is None) == (o.kind == "pause_off"), o
            agent.paused = o.reason
        elif o.kind == "wrap_up_start":
            assert agent.wrap_up_until is None and agent.call is None, o
            agent.wrap_up_until = self.now + agent.wrap_up_length
            agent.wrap_up_group = o.group_id
        elif o.kind == "wrap_up_end":
            assert agent.wrap_up_until == self.now, o
            agent.wrap_up_until = agent.wrap_up_group = None
        else:
            assert o.kind == "bounced", o

    def _post(self, event: ev.Event | None) -> None:
        assert not self.expect, f"missing outputs after {event!r}: {list(self.expect)}"
        leaving = [c.id for c in self.calls.values() if c.phase == "leaving"]
        assert not leaving, f"calls left half-ended: {leaving}"
        match event:
            case ev.AgentLoggedIn(agent_id=aid, group_id=gid):
                assert all(g.members[aid].logged_in for g in self._targets(self.agents[aid], gid))
            case ev.AgentLoggedOut(agent_id=aid, group_id=gid):
                groups = self._targets(self.agents[aid], gid)
                assert not any(g.members[aid].logged_in for g in groups)
            case ev.DndChanged(agent_id=aid, on=on):
                assert self.agents[aid].dnd == on
            case ev.PauseChanged(agent_id=aid, reason=reason):
                assert self.agents[aid].paused == reason
            case ev.GroupRemoved(group_id=gid):
                group = self.groups.pop(gid)
                for aid in group.members:
                    del self.agents[aid].groups[gid]
            case _:
                pass
        for gid, group in self.groups.items():
            if group.config.queue.no_agents is NoAgentsAction.OVERFLOW and not self.staffed(group):
                assert not self.queue(group), f"{gid}: no agent staffs it but it still queues"

    def _check(self) -> None:
        self.engine.check_invariants()
        for aid, agent in self.agents.items():
            assert self.engine.agent_state(aid) == self.state_of(agent), aid
            state = self.state_of(agent)
            detail = (self.state_group(agent, state), self.state_reason(agent, state))
            assert self.reported.get(aid) == (state, *detail), aid
            if agent.offer is not None:
                assert aid in self.calls[agent.offer].offers
            if agent.wrap_up_until is not None:
                assert agent.wrap_up_until > self.now, f"{aid}: wrap-up overdue"
        for gid, group in self.groups.items():
            status = self.engine.group_status(gid, self.now)
            queue = self.queue(group)
            assert status.queued == len(queue), (gid, status, [c.id for c in queue])
            assert status.open == self.is_open(group)
            if queue:
                assert status.longest_wait == self.now - queue[0].arrived_at
            members = [(m.agent_id, m.logged_in) for m in status.members]
            assert members == [(aid, m.logged_in) for aid, m in group.members.items()], gid
            assert not self.held(group), f"{gid}: agents held for a better group that waits"
            assert not self.servable(group), (
                f"{gid}: an available agent idles while a caller waits: pool "
                f"{self.pool(group)}, ready {[(c.id, sorted(c.tried)) for c in self.ready(group)]}"
            )
        live = self.live_calls()
        assert self.engine.active_calls == len(live)
        for call in live:
            for aid, (_, deadline) in call.offers.items():
                assert deadline > self.now, f"{call.id}: ring of {aid} overdue"
            if call.phase == "queued" and call.max_wait_at is not None:
                assert call.max_wait_at > self.now, f"{call.id}: max_wait overdue"


# -- random worlds ---------------------------------------------------------------------------


@st.composite
def overflow_actions(draw: st.DrawFn, gid: str, reason: str) -> OverflowAction:
    kinds = [OverflowKind.FORWARD_GROUP, OverflowKind.CLIP_AND_END, *OverflowKind]
    kind = draw(st.sampled_from(kinds))
    if kind is OverflowKind.FORWARD_GROUP:
        others = [g for g in GROUP_IDS if g != gid]
        return OverflowAction(kind=kind, target=draw(st.sampled_from([*others, gid, "gone"])))
    if kind is OverflowKind.FORWARD_NUMBER:
        return OverflowAction(kind=kind, target=draw(st.sampled_from(["+3725551234", None])))
    if kind is OverflowKind.CLIP_AND_END:
        return OverflowAction(kind=kind, clip=draw(st.sampled_from([f"{reason}-{gid}", None])))
    return OverflowAction(kind=kind)


@st.composite
def group_configs(draw: st.DrawFn, gid: str, policy: Policy | None = None) -> GroupConfig:
    queue = QueueSettings(
        ring_timeout=draw(st.sampled_from([5.0, 15.0, 30.0])),
        wrap_up=draw(st.sampled_from([0.0, 0.0, 5.0, 20.0])),
        max_queue_length=draw(st.sampled_from([1, 3, 50, 50])),
        max_wait=draw(st.sampled_from([0.0, 20.0, 60.0, 300.0])),
        no_agents=draw(st.sampled_from(list(NoAgentsAction))),
        greeting_clip=draw(st.sampled_from([None, f"greeting-{gid}"])),
        greeting_in_full=draw(st.booleans()),
        comfort_clip="comfort",
        comfort_interval=draw(st.sampled_from([0.0, 25.0])),
        announce_position=draw(st.booleans()),
        announce_wait=draw(st.booleans()),
        announce_interval=draw(st.sampled_from([0.0, 30.0])),
        bounce_after_missed=draw(st.sampled_from([0, 0, 2, 3])),
        whisper_clip=draw(st.sampled_from([None, None, f"whisper-{gid}"])),
    )
    return GroupConfig(
        id=gid,
        policy=policy or draw(st.sampled_from(list(Policy))),
        queue=queue,
        calendar=draw(st.sampled_from([ALWAYS, ALWAYS, TILL_HALF_PAST])),
        closed_action=draw(overflow_actions(gid, "closed")),
        on_timeout=draw(overflow_actions(gid, "timeout")),
        on_full=draw(overflow_actions(gid, "full")),
        on_no_agents=draw(overflow_actions(gid, "no_agents")),
    )


def _world(machine: Traffic) -> World:
    assert machine.w is not None
    return machine.w


def _has(what: str) -> Any:
    return precondition(lambda self: self.w is not None and bool(getattr(self, what)()))


class Traffic(RuleBasedStateMachine):
    """Calls and rings: the rules both machines share; ``World`` checks every output."""

    def __init__(self) -> None:
        super().__init__()
        self.w: World | None = None
        self.staff: tuple[str, ...] = AGENT_IDS
        """The agents the world starts with (others may join later, unreachable)."""

    # -- what the rules may pick --------------------------------------------------------

    def offers(self) -> list[tuple[str, str]]:
        return sorted(_world(self).outstanding)

    def stale_pairs(self) -> list[tuple[str, str]]:
        w = _world(self)
        return sorted(w.ended_pairs - w.outstanding.keys())

    def reported_clips(self) -> list[str]:
        """Calls up with a reported clip queued at the switch."""
        return [c.id for c in _world(self).live_calls() if c.clips]

    def clip_refs(self) -> list[str]:
        """Calls that were given a reported clip, up or ended."""
        return [c.id for c in _world(self).calls.values() if c.refs]

    def live(self) -> list[str]:
        return [c.id for c in _world(self).live_calls()]

    def bridged(self) -> list[str]:
        return [c.id for c in _world(self).live_calls() if c.phase == "bridged"]

    def connecting(self) -> list[str]:
        return [c.id for c in _world(self).live_calls() if c.phase == "connecting"]

    def done(self) -> list[str]:
        return [c.id for c in _world(self).calls.values() if c.phase == "done"]

    def members(self) -> list[tuple[str, str]]:
        w = _world(self)
        return sorted((aid, gid) for aid, a in w.agents.items() for gid in a.groups)

    def groups(self) -> list[str]:
        return sorted(_world(self).groups)

    def personal_calls(self) -> list[str]:
        return sorted(_world(self).personal)

    def removable(self) -> bool:
        return len(_world(self).groups) > 1

    def away(self) -> list[tuple[str, str]]:
        """(agent, what) for every way an agent who cannot take calls now could come back."""
        ways = []
        for aid, agent in sorted(_world(self).agents.items()):
            if agent.dnd:
                ways.append((aid, "dnd"))
            if agent.devices == 0:
                ways.append((aid, "devices"))
            if any(not group.members[aid].logged_in for group in agent.groups.values()):
                ways.append((aid, "login"))
            ways.extend((aid, cid) for cid in sorted(agent.personal))
        return ways

    def timer_due(self) -> bool:
        return _world(self).engine.next_deadline() is not None

    # -- calls and rings ------------------------------------------------------------------

    @precondition(lambda self: self.w is not None and self.w.groups)
    @rule(data=st.data())
    def call_arrives(self, data: st.DataObject) -> None:
        w = _world(self)
        gid = data.draw(st.sampled_from(self.groups()))
        w.send(ev.CallArrived(call_id=w.new_id("c"), group_id=gid, caller=f"+372{w.ids}"))

    @precondition(lambda self: self.w is not None and self.w.groups)
    @rule(data=st.data())
    def another_call_arrives(self, data: st.DataObject) -> None:
        self.call_arrives(data)

    @precondition(lambda self: self.w is not None)
    @rule(seconds=st.sampled_from([0.0, 1.0, 3.0, 8.0, 20.0, 45.0, 120.0]))
    def time_passes(self, seconds: float) -> None:
        _world(self).advance(seconds)

    @_has("timer_due")
    @rule()
    def next_timer_fires(self) -> None:
        """Time runs to the next deadline (a ring, a wait, a clip, a wrap-up) and no further."""
        w = _world(self)
        deadline = w.engine.next_deadline()
        assert deadline is not None
        w.advance(deadline - w.now)

    @_has("offers")
    @rule(data=st.data())
    def agent_answers(self, data: st.DataObject) -> None:
        cid, aid = data.draw(st.sampled_from(self.offers()))
        _world(self).send(ev.OfferAnswered(call_id=cid, agent_id=aid))

    @_has("offers")
    @rule(data=st.data(), declined=st.booleans())
    def offer_fails(self, data: st.DataObject, declined: bool) -> None:
        cid, aid = data.draw(st.sampled_from(self.offers()))
        _world(self).send(ev.OfferFailed(call_id=cid, agent_id=aid, declined=declined))

    @_has("reported_clips")
    @rule(data=st.data())
    def clip_finishes(self, data: st.DataObject) -> None:
        """The switch reports the end of the first reported clip queued for a caller."""
        w = _world(self)
        call = w.calls[data.draw(st.sampled_from(self.reported_clips()))]
        w.send(ev.ClipFinished(call_id=call.id, ref=call.clips[0][1]))

    @_has("clip_refs")
    @rule(data=st.data())
    def late_clip_report(self, data: st.DataObject) -> None:
        """A report of a clip that was cut or reported already, ref 0 or an unknown ref."""
        w = _world(self)
        call = w.calls[data.draw(st.sampled_from(self.clip_refs()))]
        queued = {ref for _, ref in call.clips}
        stale = [0, 10**9, *(ref for ref in call.refs if ref not in queued)]
        out = w.send(ev.ClipFinished(call_id=call.id, ref=data.draw(st.sampled_from(stale))))
        assert out == []

    @_has("live")
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        _world(self).send(ev.CallerHungUp(call_id=data.draw(st.sampled_from(self.live()))))

    @_has("bridged")
    @rule(data=st.data())
    def agent_hangs_up(self, data: st.DataObject) -> None:
        _world(self).send(ev.AgentHungUp(call_id=data.draw(st.sampled_from(self.bridged()))))

    @_has("connecting")
    @rule(data=st.data(), how=st.sampled_from(["played", "played", "agent", "caller"]))
    def whisper(self, data: st.DataObject, how: str) -> None:
        """The group's whisper plays to its end, or a side hangs up during it."""
        cid = data.draw(st.sampled_from(self.connecting()))
        event = {"played": ev.WhisperPlayed, "agent": ev.AgentHungUp, "caller": ev.CallerHungUp}
        _world(self).send(event[how](call_id=cid))

    @_has("offers")
    @rule(
        data=st.data(),
        how=st.sampled_from(["dnd", "devices", "logout", "logout_all", "removed", "outbound"]),
    )
    def ringing_agent_withdrawn(self, data: st.DataObject, how: str) -> None:
        """An agent who rings becomes unable to take the call (the ring is withdrawn)."""
        w = _world(self)
        cid, aid = data.draw(st.sampled_from(self.offers()))
        gid = w.calls[cid].group.id
        event: ev.Event
        match how:
            case "dnd":
                event = ev.DndChanged(agent_id=aid, on=True)
            case "devices":
                event = ev.DevicesReachable(agent_id=aid, count=0)
            case "logout":
                event = ev.AgentLoggedOut(agent_id=aid, group_id=gid)
            case "logout_all":
                event = ev.AgentLoggedOut(agent_id=aid)
            case "removed":
                event = ev.MemberRemoved(group_id=gid, agent_id=aid)
            case _:
                event = ev.OutboundCallPlaced(call_id=w.new_id("p"), agent_id=aid)
        w.send(event)

    @_has("away")
    @rule(data=st.data())
    def agent_comes_back(self, data: st.DataObject) -> None:
        """DND off, a device back, a log-in everywhere or the end of a call of their own."""
        aid, what = data.draw(st.sampled_from(self.away()))
        event: ev.Event
        match what:
            case "dnd":
                event = ev.DndChanged(agent_id=aid, on=False)
            case "devices":
                event = ev.DevicesReachable(agent_id=aid, count=1)
            case "login":
                event = ev.AgentLoggedIn(agent_id=aid)
            case _:
                event = ev.PersonalCallEnded(call_id=what)
        _world(self).send(event)

    def teardown(self) -> None:
        if self.w is not None and self.w.ok:
            self.w.finish()


class AcdMachine(Traffic):
    """Random but valid traffic in worlds of up to five agents and three groups, also changing
    the configuration, memberships and availability as it goes."""

    @initialize(data=st.data())
    def setup(self, data: st.DataObject) -> None:
        self.w = World(seed=data.draw(st.integers(0, 3), label="seed"))
        policies = data.draw(st.permutations(list(Policy)), label="policies")
        for gid, policy in zip(GROUP_IDS, policies, strict=False):
            config = data.draw(group_configs(gid, policy), label=gid)
            self.w.send(ev.GroupConfigured(group=config))
        self.staff = AGENT_IDS[: data.draw(st.integers(2, len(AGENT_IDS)), label="agents")]
        for aid in self.staff:
            gids = data.draw(st.sets(st.sampled_from(GROUP_IDS), min_size=1), label=aid)
            for gid in sorted(gids):
                order, weight = data.draw(st.integers(0, 3)), data.draw(st.integers(1, 3))
                priority = data.draw(st.sampled_from([1, 1, 2, 3]))
                self.w.send(
                    ev.MemberAdded(
                        group_id=gid,
                        agent_id=aid,
                        order=order,
                        weight=weight,
                        priority=priority,
                        logged_in=True,
                    )
                )
            self.w.send(ev.DevicesReachable(agent_id=aid, count=data.draw(st.integers(1, 2))))

    @_has("offers")
    @rule(data=st.data())
    def another_agent_answers(self, data: st.DataObject) -> None:
        self.agent_answers(data)

    @_has("stale_pairs")
    @rule(data=st.data(), answer=st.booleans())
    def stale_offer_reply(self, data: st.DataObject, answer: bool) -> None:
        cid, aid = data.draw(st.sampled_from(self.stale_pairs()))
        event: ev.Event = (
            ev.OfferAnswered(call_id=cid, agent_id=aid)
            if answer
            else ev.OfferFailed(call_id=cid, agent_id=aid)
        )
        _world(self).send(event)

    @_has("done")
    @rule(data=st.data(), kind=st.sampled_from(["caller", "agent", "clip"]))
    def late_report_of_ended_call(self, data: st.DataObject, kind: str) -> None:
        cid = data.draw(st.sampled_from(self.done()))
        event = {"caller": ev.CallerHungUp, "agent": ev.AgentHungUp, "clip": ev.ClipFinished}
        out = _world(self).send(event[kind](call_id=cid))
        assert out == []

    @_has("members")
    @rule(data=st.data(), login=st.booleans(), everywhere=st.booleans())
    def login_logout(self, data: st.DataObject, login: bool, everywhere: bool) -> None:
        aid, gid = data.draw(st.sampled_from(self.members()))
        group_id = None if everywhere else gid
        event: ev.Event = (
            ev.AgentLoggedIn(agent_id=aid, group_id=group_id)
            if login
            else ev.AgentLoggedOut(agent_id=aid, group_id=group_id)
        )
        _world(self).send(event)

    @precondition(lambda self: self.w is not None)
    @rule(data=st.data(), on=st.sampled_from([False, True]))
    def dnd(self, data: st.DataObject, on: bool) -> None:
        aid = data.draw(st.sampled_from(self.staff))
        _world(self).send(ev.DndChanged(agent_id=aid, on=on))

    @precondition(lambda self: self.w is not None)
    @rule(data=st.data(), reason=st.sampled_from([None, "lunch", "training"]))
    def pause(self, data: st.DataObject, reason: str | None) -> None:
        aid = data.draw(st.sampled_from(self.staff))
        _world(self).send(ev.PauseChanged(agent_id=aid, reason=reason))

    @precondition(lambda self: self.w is not None)
    @rule(data=st.data(), count=st.sampled_from([1, 0, 2]))
    def devices(self, data: st.DataObject, count: int) -> None:
        aid = data.draw(st.sampled_from(self.staff))
        _world(self).send(ev.DevicesReachable(agent_id=aid, count=count))

    @precondition(lambda self: self.w is not None)
    @rule(data=st.data(), outbound=st.booleans())
    def personal_call(self, data: st.DataObject, outbound: bool) -> None:
        aid = data.draw(st.sampled_from(self.staff))
        w = _world(self)
        cid = w.new_id("p")
        event: ev.Event = (
            ev.OutboundCallPlaced(call_id=cid, agent_id=aid)
            if outbound
            else ev.DirectCallArrived(call_id=cid, agent_id=aid)
        )
        w.send(event)

    @_has("personal_calls")
    @rule(data=st.data())
    def personal_call_ends(self, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(self.personal_calls()))
        _world(self).send(ev.PersonalCallEnded(call_id=cid))

    @_has("groups")
    @rule(
        data=st.data(),
        aid=st.sampled_from(AGENT_IDS),
        order=st.integers(0, 3),
        weight=st.integers(1, 3),
        priority=st.sampled_from([1, 1, 2, 3]),
        logged_in=st.booleans(),
    )
    def member_added(
        self,
        data: st.DataObject,
        aid: str,
        order: int,
        weight: int,
        priority: int,
        logged_in: bool,
    ) -> None:
        gid = data.draw(st.sampled_from(self.groups()))
        event = ev.MemberAdded(
            group_id=gid,
            agent_id=aid,
            order=order,
            weight=weight,
            priority=priority,
            logged_in=logged_in,
        )
        _world(self).send(event)

    @_has("members")
    @rule(data=st.data())
    def member_removed(self, data: st.DataObject) -> None:
        aid, gid = data.draw(st.sampled_from(self.members()))
        _world(self).send(ev.MemberRemoved(group_id=gid, agent_id=aid))

    @precondition(lambda self: self.w is not None)
    @rule(data=st.data(), gid=st.sampled_from(GROUP_IDS), policy_only=st.booleans())
    def group_configured(self, data: st.DataObject, gid: str, policy_only: bool) -> None:
        w = _world(self)
        config = data.draw(group_configs(gid))
        if policy_only and gid in w.groups:
            config = replace(w.groups[gid].config, policy=config.policy)
        w.send(ev.GroupConfigured(group=config))

    @_has("groups")
    @rule(data=st.data(), no_agents=st.sampled_from(list(NoAgentsAction)))
    def no_agents_changed(self, data: st.DataObject, no_agents: NoAgentsAction) -> None:
        """Only what a group does with callers while no agent staffs it changes."""
        w = _world(self)
        config = w.groups[data.draw(st.sampled_from(self.groups()))].config
        queue = replace(config.queue, no_agents=no_agents)
        w.send(ev.GroupConfigured(group=replace(config, queue=queue)))

    @_has("groups")
    @rule(data=st.data(), mode=st.sampled_from(["open", "closed", None]))
    def override(self, data: st.DataObject, mode: str | None) -> None:
        gid = data.draw(st.sampled_from(self.groups()))
        _world(self).send(ev.GroupOverrideSet(group_id=gid, mode=mode))

    @_has("removable")
    @rule(data=st.data())
    def group_removed(self, data: st.DataObject) -> None:
        gid = data.draw(st.sampled_from(self.groups()))
        _world(self).send(ev.GroupRemoved(group_id=gid))


class RingMachine(Traffic):
    """Crowded small worlds: a simultaneous group and one other, two or three agents in both
    (see the module docstring)."""

    @initialize(data=st.data())
    def setup(self, data: st.DataObject) -> None:
        self.w = World(seed=data.draw(st.integers(0, 3), label="seed"))
        other = data.draw(st.sampled_from(list(Policy)), label="policy")
        for n, policy in enumerate((Policy.SIMULTANEOUS, other)):
            gid, elsewhere = GROUP_IDS[n], GROUP_IDS[1 - n]
            greeting = data.draw(st.sampled_from([None, f"greeting-{gid}"]))
            queue = replace(
                QUIET,
                ring_timeout=data.draw(st.sampled_from([5.0, 15.0, 30.0])),
                wrap_up=data.draw(st.sampled_from([0.0, 5.0])),
                bounce_after_missed=data.draw(st.sampled_from([0, 1, 2])),
                greeting_clip=greeting,
                greeting_in_full=True,
                max_wait=data.draw(st.sampled_from([0.0, 20.0, 60.0])),
            )
            on_timeout = data.draw(
                st.sampled_from(
                    [
                        OverflowAction(clip=f"sorry-{gid}"),
                        OverflowAction(kind=OverflowKind.FORWARD_GROUP, target=elsewhere),
                    ]
                )
            )
            config = GroupConfig(id=gid, policy=policy, queue=queue, on_timeout=on_timeout)
            self.w.send(ev.GroupConfigured(group=config))
        self.staff = AGENT_IDS[: data.draw(st.integers(2, 3), label="agents")]
        for aid in self.staff:
            for gid in GROUP_IDS[:2]:
                order = data.draw(st.integers(0, 1))
                self.w.send(ev.MemberAdded(group_id=gid, agent_id=aid, order=order, logged_in=True))
            self.w.send(ev.DevicesReachable(agent_id=aid, count=1))


def _machine_settings(examples: int) -> settings:
    return settings(
        max_examples=int(os.environ.get("HELIN_PROPERTY_EXAMPLES", str(examples))),
        stateful_step_count=60,
        deadline=None,
        derandomize=True,
        database=None,
        # No explain phase: before Python 3.12 it traces every line of every replay, which took
        # a failing run minutes, past pytest's timeout, so the real failure was reported as a
        # FlakyStrategyDefinition. Shrinking alone takes well under a minute.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


TestAcdProperties = AcdMachine.TestCase
TestAcdProperties.settings = _machine_settings(300)
TestRings = RingMachine.TestCase
TestRings.settings = _machine_settings(150)


# -- examples for what random traffic rarely hits ----------------------------------------------


def _world_with(*configs: GroupConfig) -> World:
    w = World()
    for config in configs:
        w.send(ev.GroupConfigured(group=config))
    return w


def _join(w: World, aid: str, *gids: str, order: int = 0, weight: int = 1) -> None:
    for gid in gids:
        w.send(
            ev.MemberAdded(group_id=gid, agent_id=aid, order=order, weight=weight, logged_in=True)
        )
    w.send(ev.DevicesReachable(agent_id=aid, count=1))


def _offers(out: list[Output]) -> list[tuple[str, str]]:
    return [(o.call_id, o.agent_id) for o in out if isinstance(o, OfferCall)]


def _clips(out: list[Output]) -> list[PlayClip]:
    return [o for o in out if isinstance(o, PlayClip)]


def test_agent_in_two_groups_takes_the_older_caller() -> None:
    for first, second in (("A", "B"), ("B", "A")):
        w = _world_with(
            GroupConfig(id="A", policy=Policy.REGULAR, queue=QUIET),
            GroupConfig(id="B", policy=Policy.UNIFORM, queue=QUIET),
        )
        _join(w, "x", "A", "B")
        w.send(ev.DndChanged(agent_id="x", on=True))
        w.send(ev.CallArrived(call_id="old", group_id=first))
        w.advance(5)
        w.send(ev.CallArrived(call_id="new", group_id=second))
        out = w.send(ev.DndChanged(agent_id="x", on=False))
        assert _offers(out) == [("old", "x")]
        w.send(ev.OfferAnswered(call_id="old", agent_id="x"))
        out = w.send(ev.AgentHungUp(call_id="old"))
        assert _offers(out) == [("new", "x")]
        w.finish()


def test_tried_agent_rings_again_only_when_everyone_was_tried() -> None:
    queue = replace(QUIET, ring_timeout=10)
    w = _world_with(GroupConfig(id="g", policy=Policy.REGULAR, queue=queue))
    _join(w, "x", "g", order=0)
    _join(w, "y", "g", order=1)
    assert _offers(w.send(ev.CallArrived(call_id="c1", group_id="g"))) == [("c1", "x")]
    # x lets c1 ring out: x is first in order and free, but tried, so y is next
    assert _offers(w.advance(10)) == [("c1", "y")]
    assert _offers(w.send(ev.CallArrived(call_id="c2", group_id="g"))) == [("c2", "x")]
    # both ring out at once: everyone was tried for c1, so its new round starts at the top
    # (x), and c2 goes on to y
    assert _offers(w.advance(10)) == [("c1", "x"), ("c2", "y")]
    w.finish()


def test_simultaneous_round_waits_for_every_ring_to_end() -> None:
    w = _world_with(GroupConfig(id="s", policy=Policy.SIMULTANEOUS, queue=QUIET))
    _join(w, "x", "s", order=0)
    _join(w, "y", "s", order=1)
    out = w.send(ev.CallArrived(call_id="c", group_id="s"))
    assert _offers(out) == [("c", "x"), ("c", "y")]
    # x declines: it is not rung again while y still rings (same round) ...
    assert _offers(w.send(ev.OfferFailed(call_id="c", agent_id="x"))) == []
    # ... but a new caller rings x at once
    assert _offers(w.send(ev.CallArrived(call_id="d", group_id="s"))) == [("d", "x")]
    assert _offers(w.send(ev.CallerHungUp(call_id="d"))) == []
    # once y's ring ends too, c starts a new round with everyone available
    out = w.send(ev.OfferFailed(call_id="c", agent_id="y"))
    assert _offers(out) == [("c", "x"), ("c", "y")]
    w.finish()


def test_weight_zero_agent_is_never_rung() -> None:
    w = _world_with(GroupConfig(id="w", policy=Policy.WEIGHTED, queue=QUIET))
    _join(w, "zero", "w", weight=0)
    for n in range(5):
        assert _offers(w.send(ev.CallArrived(call_id=f"c{n}", group_id="w"))) == []
    out = w.send(ev.MemberAdded(group_id="w", agent_id="zero", weight=2))
    assert _offers(out) == [("c0", "zero")]
    w.finish()


def test_stale_answer_is_dropped_and_changes_nothing() -> None:
    w = _world_with(GroupConfig(id="g", policy=Policy.SIMULTANEOUS, queue=QUIET))
    _join(w, "x", "g", order=0)
    _join(w, "y", "g", order=1)
    w.send(ev.CallArrived(call_id="c", group_id="g"))
    w.send(ev.OfferAnswered(call_id="c", agent_id="x"))
    out = w.send(ev.OfferAnswered(call_id="c", agent_id="y"))  # World checks: only DropAgentLeg
    assert out == [DropAgentLeg(call_id="c", agent_id="y")]
    assert w.send(ev.OfferFailed(call_id="c", agent_id="y")) == []
    w.finish()


def test_cross_group_order_skips_a_call_that_rings_everyone_it_could() -> None:
    w = _world_with(
        GroupConfig(id="s", policy=Policy.SIMULTANEOUS, queue=QUIET),
        GroupConfig(id="r", policy=Policy.REGULAR, queue=QUIET),
    )
    _join(w, "x", "s", "r")
    _join(w, "y", "s")
    assert _offers(w.send(ev.CallArrived(call_id="d", group_id="s"))) == [("d", "x"), ("d", "y")]
    w.send(ev.DndChanged(agent_id="x", on=True))  # x's ring is withdrawn; x stays tried for d
    w.advance(1)
    w.send(ev.CallArrived(call_id="c", group_id="r"))
    w.advance(1)
    w.send(ev.CallArrived(call_id="e", group_id="s"))
    # s's oldest call d cannot take x in this round, so the older of c and e does
    assert _offers(w.send(ev.DndChanged(agent_id="x", on=False))) == [("c", "x")]
    w.finish()


@pytest.mark.parametrize(
    ("how", "rung"),
    [
        ("dnd", ["x"]),
        ("logout", ["x"]),
        ("devices", ["x"]),
        ("member_removed", ["x"]),
        ("outbound", ["x"]),
        ("declined_and_bounced", ["x"]),
        ("declined", ["x", "y"]),
    ],
)
def test_simultaneous_call_whose_last_ring_ends_rings_again(how: str, rung: list[str]) -> None:
    bounce = 1 if how == "declined_and_bounced" else 0
    queue = replace(QUIET, bounce_after_missed=bounce)
    w = _world_with(GroupConfig(id="s", policy=Policy.SIMULTANEOUS, queue=queue))
    _join(w, "x", "s", order=0)
    _join(w, "y", "s", order=1)
    assert _offers(w.send(ev.CallArrived(call_id="c", group_id="s"))) == [("c", "x"), ("c", "y")]
    # x cannot be reached: free again, but tried in this round while y still rings
    assert _offers(w.send(ev.OfferFailed(call_id="c", agent_id="x", declined=False))) == []
    ways: dict[str, ev.Event] = {
        "dnd": ev.DndChanged(agent_id="y", on=True),
        "logout": ev.AgentLoggedOut(agent_id="y"),
        "devices": ev.DevicesReachable(agent_id="y", count=0),
        "member_removed": ev.MemberRemoved(group_id="s", agent_id="y"),
        "outbound": ev.OutboundCallPlaced(call_id="p", agent_id="y"),
        "declined_and_bounced": ev.OfferFailed(call_id="c", agent_id="y"),
        "declined": ev.OfferFailed(call_id="c", agent_id="y"),
    }
    # the call rings nobody now: a new round starts with whoever is available
    assert _offers(w.send(ways[how])) == [("c", aid) for aid in rung]
    w.finish()


def test_no_ring_before_an_in_full_greeting_ends() -> None:
    queue = replace(QUIET, greeting_clip="hello", greeting_in_full=True)
    w = _world_with(GroupConfig(id="g", policy=Policy.CIRCULAR, queue=queue))
    _join(w, "x", "g")
    out = w.send(ev.CallArrived(call_id="c", group_id="g"))
    [greeting] = _clips(out)
    assert (greeting.clip, greeting.report, greeting.interrupt) == ("hello", True, False)
    assert greeting.ref != 0
    assert _offers(out) == [] and _offers(w.advance(60)) == []
    assert w.send(ev.ClipFinished(call_id="c")) == []  # ref 0 names no clip
    assert _offers(w.send(ev.ClipFinished(call_id="c", ref=greeting.ref))) == [("c", "x")]
    assert w.send(ev.ClipFinished(call_id="c", ref=greeting.ref)) == []  # reported twice
    w.finish()


def test_a_late_greeting_report_is_not_taken_for_the_end_of_the_sorry_clip() -> None:
    queue = replace(QUIET, greeting_clip="hello", greeting_in_full=True, max_wait=30)
    w = _world_with(GroupConfig(id="g", queue=queue, on_timeout=OverflowAction(clip="sorry")))
    [greeting] = _clips(w.send(ev.CallArrived(call_id="c", group_id="g")))
    [sorry] = _clips(w.advance(30))
    assert (sorry.clip, sorry.report, sorry.interrupt) == ("sorry", True, True)
    assert sorry.ref not in (0, greeting.ref)
    # the greeting's end, reported just as "sorry" cut it: the caller still hears "sorry"
    assert w.send(ev.ClipFinished(call_id="c", ref=greeting.ref)) == []
    assert w.engine.active_calls == 1
    out = w.send(ev.ClipFinished(call_id="c", ref=sorry.ref))
    assert [type(o) for o in out] == [EndCall, CallRecord]
    assert w.send(ev.ClipFinished(call_id="c", ref=sorry.ref)) == []
    w.finish()


def test_greetings_of_two_groups_are_reported_in_turn() -> None:
    queue = replace(QUIET, greeting_clip="hello", greeting_in_full=True)
    to_h = OverflowAction(kind=OverflowKind.FORWARD_GROUP, target="h")
    w = _world_with(
        GroupConfig(id="g", queue=replace(queue, max_wait=30), on_timeout=to_h),
        GroupConfig(id="h", policy=Policy.REGULAR, queue=queue),
    )
    _join(w, "x", "h")
    [first] = _clips(w.send(ev.CallArrived(call_id="c", group_id="g")))
    [second] = _clips(w.advance(30))  # moved to h during g's greeting: h's greeting queues
    assert not second.interrupt and second.ref not in (0, first.ref)
    assert w.send(ev.ClipFinished(call_id="c", ref=first.ref)) == []  # h's greeting still plays
    assert _offers(w.send(ev.ClipFinished(call_id="c", ref=second.ref))) == [("c", "x")]
    w.finish()


def test_reconfiguring_to_overflow_while_unstaffed_moves_the_queue() -> None:
    overflow = replace(QUIET, no_agents=NoAgentsAction.OVERFLOW)
    to_h = OverflowAction(kind=OverflowKind.FORWARD_GROUP, target="h")
    config = GroupConfig(id="g", policy=Policy.REGULAR, queue=QUIET, on_no_agents=to_h)
    w = _world_with(config, GroupConfig(id="h", queue=QUIET))
    _join(w, "x", "g")
    w.send(ev.OutboundCallPlaced(call_id="p", agent_id="x"))  # busy, but staffs g
    w.send(ev.CallArrived(call_id="c1", group_id="g"))
    w.send(ev.CallArrived(call_id="c2", group_id="g"))
    assert w.send(ev.GroupConfigured(group=replace(config, queue=overflow))) == []
    w.send(ev.GroupConfigured(group=config))
    w.send(ev.DndChanged(agent_id="x", on=True))  # nobody staffs g; it queues anyway
    assert [w.calls[c].group.id for c in ("c1", "c2")] == ["g", "g"]
    out = w.send(ev.GroupConfigured(group=replace(config, queue=overflow)))
    moved = [
        (o.call_id, o.overflow_reason, o.overflow_group) for o in out if isinstance(o, CallRecord)
    ]
    assert moved == [(c, OverflowReason.NO_AGENTS, "h") for c in ("c1", "c2")]
    assert [w.calls[c].group.id for c in ("c1", "c2")] == ["h", "h"]
    w.finish()


def test_overflow_chain_stops_after_max_segments() -> None:
    ring = [f"r{n}" for n in range(MAX_SEGMENTS + 2)]
    configs = [
        GroupConfig(
            id=gid,
            queue=replace(QUIET, no_agents=NoAgentsAction.OVERFLOW),
            on_no_agents=OverflowAction(
                kind=OverflowKind.FORWARD_GROUP, target=ring[(n + 1) % len(ring)]
            ),
        )
        for n, gid in enumerate(ring)
    ]
    w = _world_with(*configs)
    w.send(ev.CallArrived(call_id="c", group_id="r0"))
    segments = sorted(k for (cid, k) in w.records if cid == "c")
    assert segments == list(range(MAX_SEGMENTS))
    assert w.records[("c", MAX_SEGMENTS - 1)].overflow_group is None
    w.finish()


def test_losing_the_last_agent_overflows_the_queue_in_order() -> None:
    config = GroupConfig(
        id="g",
        policy=Policy.REGULAR,
        queue=replace(QUIET, no_agents=NoAgentsAction.OVERFLOW),
        on_no_agents=OverflowAction(kind=OverflowKind.FORWARD_GROUP, target="h"),
    )
    w = _world_with(config, GroupConfig(id="h", queue=QUIET))
    _join(w, "x", "g")
    w.send(ev.CallArrived(call_id="c1", group_id="g"))
    w.send(ev.CallArrived(call_id="c2", group_id="g"))
    w.send(ev.AgentLoggedOut(agent_id="x"))  # World checks the withdrawn ring and both moves
    assert [w.calls[c].group.id for c in ("c1", "c2")] == ["h", "h"]
    assert w.calls["c1"].seq < w.calls["c2"].seq
    w.finish()


def test_bounce_after_missed_offers_logs_out_everywhere() -> None:
    queue = replace(QUIET, bounce_after_missed=2, ring_timeout=5)
    w = _world_with(
        GroupConfig(id="g", policy=Policy.REGULAR, queue=queue),
        GroupConfig(id="h", policy=Policy.REGULAR, queue=QUIET),
    )
    _join(w, "x", "g", "h")
    w.send(ev.CallArrived(call_id="c", group_id="g"))
    w.advance(5)
    out = w.advance(5)
    kinds = [(o.kind, o.group_id) for o in out if isinstance(o, AgentEventRecord)]
    assert kinds == [("bounced", None), ("logout", "g"), ("logout", "h")]
    w.finish()


def test_uniform_rings_the_agent_idle_longest() -> None:
    w = _world_with(GroupConfig(id="u", policy=Policy.UNIFORM, queue=QUIET))
    _join(w, "x", "u", order=0)
    _join(w, "y", "u", order=1)
    assert _offers(w.send(ev.CallArrived(call_id="c1", group_id="u"))) == [("c1", "x")]
    w.send(ev.OfferAnswered(call_id="c1", agent_id="x"))
    w.send(ev.CallArrived(call_id="c2", group_id="u"))  # y, never called, is idle longest
    w.send(ev.AgentHungUp(call_id="c1"))
    w.send(ev.OfferAnswered(call_id="c2", agent_id="y"))
    w.advance(10)
    w.send(ev.AgentHungUp(call_id="c2"))
    # x has been idle since c1 ended, y only since c2 ended
    assert _offers(w.send(ev.CallArrived(call_id="c3", group_id="u"))) == [("c3", "x")]
    w.finish()


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(
    policy=st.sampled_from(list(Policy)),
    seed=st.integers(0, 5),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["add", "add", "discard", "pick"]),
            st.integers(0, 39),
            st.integers(0, 3),
            st.sets(st.integers(0, 39), max_size=8),
            st.integers(1, 6),
        ),
        max_size=120,
    ),
)
def test_pools_pick_only_available_untried_agents(
    policy: Policy, seed: int, steps: list[tuple[str, int, int, set[int], int]]
) -> None:
    """Every pool, also past the weighted pool's first growth (16 slots), against a dict."""
    pool = make_pool(policy, random.Random(seed))
    agents: dict[str, tuple[int, int]] = {}
    for op, n, value, tried_ids, room in steps:
        aid = f"a{n:02d}"
        if op == "add":
            pool.add(aid, order=value, weight=value, idle_since=float(n % 7))
            agents[aid] = (value, n % 7)
        elif op == "discard":
            pool.discard(aid)
            agents.pop(aid, None)
        else:
            tried = {f"a{t:02d}" for t in tried_ids}
            eligible = [
                a
                for a, (value, _) in agents.items()
                if a not in tried and (policy is not Policy.WEIGHTED or value > 0)
            ]
            chosen = pool.pick(tried, room)
            if policy is Policy.SIMULTANEOUS:
                assert chosen == sorted(eligible, key=lambda a: (agents[a][1], a))[:room]
            else:
                assert len(chosen) == (1 if eligible else 0)
                assert set(chosen) <= set(eligible)
                if policy is Policy.REGULAR and eligible:
                    assert chosen == [min(eligible, key=lambda a: (agents[a][0], a))]
                if policy is Policy.UNIFORM and eligible:
                    assert chosen == [min(eligible, key=lambda a: (agents[a][1], a))]
        assert len(pool) == len(agents)
        assert all(a in pool for a in agents)
