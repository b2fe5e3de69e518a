"""Configuration values the ACD engine is given: groups, queue settings, overflow actions.

These are plain frozen data. The store builds them from its tables; the engine never reads
the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from helin.acd.calendar import OpeningCalendar


class Policy(StrEnum):
    """How a group picks which available agent to ring."""

    SIMULTANEOUS = "simultaneous"
    """Ring every available agent at once; the first to answer takes the call."""
    REGULAR = "regular"
    """Ring agents one at a time in their fixed order, always starting from the top."""
    CIRCULAR = "circular"
    """Round robin: start after the agent the group offered a call to last."""
    UNIFORM = "uniform"
    """Ring the agent who has been idle longest since their last call."""
    WEIGHTED = "weighted"
    """Pick at random, in proportion to each agent's configured weight."""


class OverflowKind(StrEnum):
    FORWARD_NUMBER = "forward_number"
    """Forward the caller to a phone number (the switch places the call)."""
    FORWARD_GROUP = "forward_group"
    """Move the caller into another group's queue."""
    CLIP_AND_END = "clip_and_end"
    """Play a clip, then end the call."""
    END = "end"
    """End the call at once."""


class Outcome(StrEnum):
    """How a call's stay in a group ended; every call segment gets exactly one."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"
    CLOSED = "closed"
    FAILED = "failed"
    UNANSWERED = "unanswered"
    """A direct or outbound call nobody answered (set by the switch; the engine never
    gives a group call this outcome)."""


class OverflowReason(StrEnum):
    TIMEOUT = "timeout"
    FULL = "full"
    NO_AGENTS = "no_agents"


class NoAgentsAction(StrEnum):
    """What a group does with callers when no agent is logged in and serving."""

    QUEUE = "queue"
    """Queue the caller anyway and wait for an agent to log in."""
    OVERFLOW = "overflow"
    """Apply the group's no-agents overflow action."""


class OfferResult(StrEnum):
    """How one ring of one agent ended."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    """The ring timeout passed."""
    DECLINED = "declined"
    """Every device of the agent declined (603) or was busy (486)."""
    UNREACHABLE = "unreachable"
    """No device of the agent could be reached (408, 503, transport error)."""
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    """Another agent answered first (simultaneous ringing)."""
    CALLER_GONE = "caller_gone"
    """The caller hung up, or the call left the queue, while this agent rang."""
    WITHDRAWN = "withdrawn"
    """The agent logged out, went DND, lost their devices or left the group."""


@dataclass(frozen=True, kw_only=True)
class OverflowAction:
    kind: OverflowKind = OverflowKind.CLIP_AND_END
    target: str | None = None
    """Phone number (forward_number) or group id (forward_group)."""
    clip: str | None = None
    """Clip to play first (clip_and_end); a built-in clip name or a clip id."""


@dataclass(frozen=True, kw_only=True)
class QueueSettings:
    ring_timeout: float = 20.0
    """Seconds one offer rings before the engine moves on."""
    wrap_up: float = 10.0
    """Seconds an agent stays unavailable after a group call ends."""
    max_queue_length: int = 50
    """Callers waiting at once; the next one overflows with reason ``full``."""
    max_wait: float = 600.0
    """Seconds a caller may wait before overflowing with reason ``timeout``; 0 turns it off."""
    no_agents: NoAgentsAction = NoAgentsAction.QUEUE
    greeting_clip: str | None = "greeting"
    """Played on arrival (None: no greeting)."""
    greeting_in_full: bool = False
    """Play the whole greeting before any agent is rung."""
    comfort_clip: str | None = "comfort"
    comfort_interval: float = 0.0
    """Seconds between comfort clips while waiting; 0 turns them off."""
    announce_position: bool = False
    announce_wait: bool = False
    announce_interval: float = 60.0
    """Seconds between position / estimated-wait announcements (first one on queueing)."""
    bounce_after_missed: int = 3
    """Consecutive missed offers that log an agent out; 0 turns bouncing off."""
    dispositions: tuple[tuple[int, str], ...] = ()
    """The group's disposition codes an agent may give a call: (code, id) of each."""
    disposition_required: bool = False
    """An answered call needs a code: the agent's wrap-up lasts until they give one (at least
    ``wrap_up``, at most ``wrap_up_max`` seconds)."""
    wrap_up_max: float = 120.0
    """Seconds a wrap-up waits for a required code before it ends anyway."""
    whisper_clip: str | None = None
    """The whisper of the group: a clip the agent who answers hears before the caller is
    connected (the caller keeps hearing the queue's music until then); None: connect at once."""


@dataclass(frozen=True, kw_only=True)
class GroupConfig:
    id: str
    name: str = ""
    policy: Policy = Policy.SIMULTANEOUS
    queue: QueueSettings = field(default_factory=QueueSettings)
    calendar: OpeningCalendar = field(default_factory=OpeningCalendar.always_open)
    closed_action: OverflowAction = field(default_factory=lambda: OverflowAction(clip="closed"))
    on_timeout: OverflowAction = field(default_factory=lambda: OverflowAction(clip="sorry"))
    on_full: OverflowAction = field(default_factory=lambda: OverflowAction(clip="queue_full"))
    on_no_agents: OverflowAction = field(default_factory=lambda: OverflowAction(clip="no_agents"))

    def overflow_action(self, reason: OverflowReason) -> OverflowAction:
        return {
            OverflowReason.TIMEOUT: self.on_timeout,
            OverflowReason.FULL: self.on_full,
            OverflowReason.NO_AGENTS: self.on_no_agents,
        }[reason]


class AgentState(StrEnum):
    """What an agent is doing, as the live view shows it (one value, most important first)."""

    ON_CALL = "on_call"
    RINGING = "ringing"
    BUSY = "busy"
    """On a direct or outbound call of their own."""
    WRAP_UP = "wrap_up"
    DND = "dnd"
    PAUSED = "paused"
    """Logged in but taking no group calls, for one of the tenant's pause reasons."""
    UNREACHABLE = "unreachable"
    """No device can ring."""
    AVAILABLE = "available"


@dataclass(frozen=True, kw_only=True)
class AgentCall:
    """The group call an agent is on or answered last, as the live view reads it."""

    call_id: str
    segment: int
    group_id: str
    caller: str
    answered_at: float | None
    """When caller and agent were connected (None while the group's whisper plays)."""


@dataclass(frozen=True, kw_only=True)
class MemberStatus:
    agent_id: str
    logged_in: bool
    state: AgentState


@dataclass(frozen=True, kw_only=True)
class GroupStatus:
    group_id: str
    open: bool
    queued: int
    """Callers waiting, ringing included."""
    longest_wait: float
    """Seconds the longest-waiting queued caller has waited (0 with an empty queue)."""
    members: tuple[MemberStatus, ...]
