"""Events fed to the ACD engine: what happened, in the past tense.

Configuration events (``GroupConfigured``, ``MemberAdded``, ...) change the engine's picture of
the world and emit no records; the rest come from calls and people and may emit commands and
records. Ids are opaque strings chosen by the caller of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from helin.acd.model import GroupConfig


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupConfigured:
    """A group was created or its settings changed (takes effect for the next decision)."""

    group: GroupConfig


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupRemoved:
    group_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupOverrideSet:
    """A manager forced a group closed or open, or (``mode=None``) back to its calendar."""

    group_id: str
    mode: str | None
    """``"closed"``, ``"open"`` or None."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberAdded:
    """An agent was added to a group (or their order/weight changed)."""

    group_id: str
    agent_id: str
    order: int = 0
    """Position for the regular and circular policies (lower rings first)."""
    weight: int = 1
    """Relative weight for the weighted policy (0 never picks the agent)."""
    priority: int = 1
    """The agent's order across their groups: while a group where their priority is better
    (lower) has a call for them, they get no call of this one (1 comes first)."""
    logged_in: bool = False
    """Restored login state (no record is emitted for it)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MemberRemoved:
    group_id: str
    agent_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentLoggedIn:
    agent_id: str
    group_id: str | None = None
    """None logs in to every group the agent belongs to."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentLoggedOut:
    agent_id: str
    group_id: str | None = None
    """None logs out of every group the agent belongs to."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DndChanged:
    agent_id: str
    on: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class PauseChanged:
    """The agent paused (for one of the tenant's reasons) or resumed taking group calls.

    A pause stops new group offers at once; a ringing offer, a call and its wrap-up go on, and
    the agent shows as paused when they are over. Direct calls still ring. A paused agent
    still staffs the groups they are logged in to (callers queue for them)."""

    agent_id: str
    reason: str | None
    """The pause reason's id; None resumes."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DispositionGiven:
    """The agent coded a group call they answered with one of its group's disposition codes
    (again: the new code replaces the old one)."""

    agent_id: str
    code: int
    call: tuple[str, int, str] | None = None
    """(call id, segment, group id) of the call; None: the agent's current or last group call
    (what a feature code means)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DevicesReachable:
    """How many of the agent's devices can ring now (from the registrar and OPTIONS pings)."""

    agent_id: str
    count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class CallArrived:
    """A caller reached one of a group's numbers."""

    call_id: str
    group_id: str
    caller: str = ""
    """The caller's number as presented."""
    number: str = ""
    """The group number dialled."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ClipFinished:
    """A clip the engine asked to hear about (``PlayClip.report``) has played to its end."""

    call_id: str
    ref: int = 0
    """The ``PlayClip.ref`` of the clip that finished."""


@dataclass(frozen=True, kw_only=True, slots=True)
class OfferAnswered:
    call_id: str
    agent_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class OfferFailed:
    """Every device of the agent refused or could not be reached."""

    call_id: str
    agent_id: str
    declined: bool = True
    """True for busy/decline (counts as missed); False for unreachable (does not)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WhisperPlayed:
    """The group's whisper (``WhisperToAgent``) has played to the agent who answered."""

    call_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CallerHungUp:
    """The caller left: abandoned while waiting or ringing, or the end of an answered call."""

    call_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentHungUp:
    """The agent ended an answered group call (or hung up during the group's whisper)."""

    call_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CallFailed:
    """The switch could not carry the call on (no media port, a codec the caller cannot use,
    an internal error): it ends with outcome ``failed`` unless it was already answered or its
    ending was already decided."""

    call_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class DirectCallArrived:
    """A call dialled to the agent's own number; the engine decides whether it may ring."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class OutboundCallPlaced:
    """The agent started a call of their own (not a group offer)."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PersonalCallEnded:
    """A direct or outbound call of the agent ended (answered or not)."""

    call_id: str


Event = (
    GroupConfigured
    | GroupRemoved
    | GroupOverrideSet
    | MemberAdded
    | MemberRemoved
    | AgentLoggedIn
    | AgentLoggedOut
    | DndChanged
    | PauseChanged
    | DispositionGiven
    | DevicesReachable
    | CallArrived
    | ClipFinished
    | OfferAnswered
    | OfferFailed
    | WhisperPlayed
    | CallerHungUp
    | AgentHungUp
    | CallFailed
    | DirectCallArrived
    | OutboundCallPlaced
    | PersonalCallEnded
)
