"""What the ACD engine asks the switch to do, and the records it emits for the store.

Commands are imperative; the switch carries them out in order. Records describe what happened,
with every timestamp statistics need; the store writes them.

Both are values: nothing assigns to a field once one is made. They are not ``frozen``
dataclasses because a frozen one sets each field through ``object.__setattr__``, which makes it
three to four times slower to construct, and a simultaneous ring makes five of them per agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from helin.acd.model import AgentState, OfferResult, Outcome, OverflowReason


@dataclass(kw_only=True, slots=True)
class AnswerCaller:
    call_id: str


@dataclass(kw_only=True, slots=True)
class PlayClip:
    """Play a clip to the caller; clips queue and play one after another over the music.

    The switch reports ``ClipFinished`` (with this ``ref``) only for clips with ``report``.
    """

    call_id: str
    clip: str
    report: bool = False
    ref: int = 0
    """Echoed in ``ClipFinished`` so a late report of an earlier clip is not mistaken."""
    interrupt: bool = False
    """Cut whatever plays or is queued for the caller first (leaving messages)."""


@dataclass(kw_only=True, slots=True)
class AnnouncePosition:
    call_id: str
    position: int
    """1 for the caller next in line."""


@dataclass(kw_only=True, slots=True)
class AnnounceWait:
    call_id: str
    seconds: int
    """Estimated wait; the switch rounds it for speech."""


@dataclass(kw_only=True, slots=True)
class StartMusic:
    call_id: str


@dataclass(kw_only=True, slots=True)
class StopMusic:
    call_id: str


@dataclass(kw_only=True, slots=True)
class OfferCall:
    """Ring every reachable device of the agent with this call."""

    call_id: str
    agent_id: str
    group_id: str
    caller: str


@dataclass(kw_only=True, slots=True)
class CancelOffer:
    call_id: str
    agent_id: str
    result: OfferResult


@dataclass(kw_only=True, slots=True)
class DropAgentLeg:
    """An answer the engine did not accept (it came after the offer ended): hang it up."""

    call_id: str
    agent_id: str


@dataclass(kw_only=True, slots=True)
class Bridge:
    """Stop the caller's queue audio and connect the caller with the agent who answered."""

    call_id: str
    agent_id: str


@dataclass(kw_only=True, slots=True)
class WhisperToAgent:
    """Play the group's whisper to the agent who answered (the caller keeps hearing the queue);
    report ``WhisperPlayed`` when it has played, ``AgentHungUp`` if the agent hangs up."""

    call_id: str
    agent_id: str
    clip: str


@dataclass(kw_only=True, slots=True)
class ForwardCall:
    """Hand the caller to a phone number; the call leaves the call center."""

    call_id: str
    number: str


@dataclass(kw_only=True, slots=True)
class EndCall:
    """Hang up every leg of the call that is still up."""

    call_id: str


@dataclass(kw_only=True, slots=True)
class RingDirect:
    """Ring the agent's devices with a call to their own number."""

    call_id: str
    agent_id: str


@dataclass(kw_only=True, slots=True)
class RejectDirect:
    """Refuse a call to the agent's own number (DND: 486 or the user's forward target)."""

    call_id: str
    agent_id: str
    reason: str


Command = (
    AnswerCaller
    | PlayClip
    | AnnouncePosition
    | AnnounceWait
    | StartMusic
    | StopMusic
    | OfferCall
    | CancelOffer
    | DropAgentLeg
    | WhisperToAgent
    | Bridge
    | ForwardCall
    | EndCall
    | RingDirect
    | RejectDirect
)


@dataclass(kw_only=True, slots=True)
class CallRecord:
    """One call's stay in one group. A call moved by overflow to another group gets a
    second record with ``segment`` 1, and so on."""

    call_id: str
    segment: int
    group_id: str
    caller: str
    number: str
    outcome: Outcome
    arrived_at: float
    ended_at: float
    queued_at: float | None = None
    """When the caller entered the queue (None when closed or refused on arrival)."""
    first_offered_at: float | None = None
    answered_at: float | None = None
    agent_id: str | None = None
    overflow_reason: OverflowReason | None = None
    forwarded_to: str | None = None
    """The phone number an overflow forwarded the call to."""
    overflow_group: str | None = None
    """The group an overflow moved the call to (its next segment is in that group)."""
    offers: int = 0

    @property
    def wait_seconds(self) -> float:
        """Time from arrival until answered or until the caller left the queue."""
        return (self.answered_at or self.ended_at) - self.arrived_at


@dataclass(kw_only=True, slots=True)
class OfferRecord:
    call_id: str
    segment: int
    group_id: str
    agent_id: str
    started_at: float
    ended_at: float
    result: OfferResult


@dataclass(kw_only=True, slots=True)
class DispositionRecord:
    """A call segment's disposition code (the last one given counts)."""

    call_id: str
    segment: int
    group_id: str
    agent_id: str
    disposition_id: str
    at: float


@dataclass(kw_only=True, slots=True)
class AgentEventRecord:
    agent_id: str
    at: float
    kind: str
    """login, logout, dnd_on, dnd_off, pause_on, pause_off, wrap_up_start, wrap_up_end,
    bounced."""
    group_id: str | None = None
    reason: str | None = None
    """Why: the pause reason's id (pause_on); ``missed`` (a bounce's log-out)."""


@dataclass(kw_only=True, slots=True)
class AgentStateRecord:
    """The agent's state (``helin.acd.views.agent_state``) changed: statistics add up the time
    in each state from these. Emitted whenever the state, or the group it concerns, changes."""

    agent_id: str
    at: float
    state: AgentState
    group_id: str | None = None
    """The group whose call the agent is ringing with, on or wrapping up; None otherwise."""
    reason: str | None = None
    """The pause reason's id while ``PAUSED``; None otherwise."""


Record = CallRecord | OfferRecord | AgentEventRecord | AgentStateRecord | DispositionRecord
Output = Command | Record
