"""The engine's mutable picture of agents, groups, calls and offers, and a call's phases.

Rules of a call's phases
------------------------
A call's stay in one group is a *segment*; ``Call.phase`` says where the segment is. It changes
only through ``advance(call, happened)``, which looks the move up in ``TRANSITIONS`` and raises
``PhaseError`` for any move the table does not list.

* A segment starts ``ARRIVED``. While the engine handles that event the call either joins the
  queue (``WAITING``; ``GREETING`` when the greeting must play in full before any agent rings)
  or is refused (closed, no agents, queue full): then it hears a last clip (``ENDING``) or its
  segment ends at once (``ENDED``).
* ``GREETING`` becomes ``WAITING`` when the greeting has played to its end.
* A queued call (``GREETING`` or ``WAITING``) is ``LEAVING`` once it is out of the queue: an
  agent answered, the caller hung up or the call failed, it waited too long, its group lost its
  last agent or was removed. Its rings end while it is ``LEAVING``, so none of them can put it
  back in the queue. Within the same event it is then bridged (``BRIDGED``; the engine takes an
  answer only for a ``WAITING`` call), hears a last clip (``ENDING``) or ends (``ENDED``).
* With the group's whisper (``whisper_clip``) an answered call is ``CONNECTING`` first: the
  agent hears the group's clip while the caller still hears the queue. When the clip has
  played it is ``BRIDGED``; when the caller hangs up (or the call fails) it ends (``ENDED``,
  abandoned: it was never connected); when the agent hangs up it is back in the queue
  (``WAITING``), in its old place.
* ``BRIDGED`` and ``ENDING`` end (``ENDED``) when a side hangs up, the call fails or the last
  clip has played.
* ``ENDED``: the segment's one ``CallRecord`` is written and the engine forgets the call, unless
  it overflows into another group: then the same call starts its next segment there
  (``ARRIVED``).
* ``ARRIVED``, ``LEAVING`` and ``ENDED`` last only while one event is handled; between events a
  call the engine knows is in one of the ``RESTING`` phases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum, auto

from sortedcontainers import SortedList

from helin.acd.errors import PhaseError
from helin.acd.model import AgentState, GroupConfig
from helin.acd.policies import Pool, make_pool


class Phase(Enum):
    ARRIVED = auto()
    """Just arrived in the group; not queued yet."""
    GREETING = auto()
    """Queued, hearing a greeting that must play in full before any agent rings."""
    WAITING = auto()
    """Queued; may be offered to agents."""
    LEAVING = auto()
    """Out of the queue, its rings ending; about to be bridged, sent on or ended."""
    CONNECTING = auto()
    """Answered by an agent who hears the group's whisper; the caller still hears the queue."""
    BRIDGED = auto()
    """Answered by an agent."""
    ENDING = auto()
    """Hearing a closed or overflow clip; the call ends after it."""
    ENDED = auto()
    """The segment is over and recorded."""


class Happened(Enum):
    """What happened to a call, as far as its phase is concerned."""

    QUEUED = auto()
    """Joined the queue; agents may ring at once."""
    QUEUED_BEHIND_GREETING = auto()
    """Joined the queue behind a greeting that plays in full before any agent rings."""
    GREETING_PLAYED = auto()
    """The in-full greeting has played to its end."""
    LEFT_QUEUE = auto()
    """Taken out of the queue (answered, hung up, failed, timed out, unstaffed, removed)."""
    ANSWERED = auto()
    """Bridged to the agent who answered."""
    WHISPERING = auto()
    """Answered by an agent who hears the group's whisper before the bridge."""
    REQUEUED = auto()
    """The agent hung up during the whisper: back in the queue, in its place."""
    LAST_CLIP_STARTED = auto()
    """Started the clip after which the call ends (closed or overflow)."""
    FINISHED = auto()
    """The segment's call record was written."""
    MOVED_TO_GROUP = auto()
    """Overflowed into another group, where its next segment starts."""


TRANSITIONS: dict[tuple[Phase, Happened], Phase] = {
    (Phase.ARRIVED, Happened.QUEUED): Phase.WAITING,
    (Phase.ARRIVED, Happened.QUEUED_BEHIND_GREETING): Phase.GREETING,
    (Phase.ARRIVED, Happened.LAST_CLIP_STARTED): Phase.ENDING,
    (Phase.ARRIVED, Happened.FINISHED): Phase.ENDED,
    (Phase.GREETING, Happened.GREETING_PLAYED): Phase.WAITING,
    (Phase.GREETING, Happened.LEFT_QUEUE): Phase.LEAVING,
    (Phase.WAITING, Happened.LEFT_QUEUE): Phase.LEAVING,
    (Phase.LEAVING, Happened.ANSWERED): Phase.BRIDGED,
    (Phase.LEAVING, Happened.WHISPERING): Phase.CONNECTING,
    (Phase.CONNECTING, Happened.ANSWERED): Phase.BRIDGED,
    (Phase.CONNECTING, Happened.FINISHED): Phase.ENDED,
    (Phase.CONNECTING, Happened.REQUEUED): Phase.WAITING,
    (Phase.LEAVING, Happened.LAST_CLIP_STARTED): Phase.ENDING,
    (Phase.LEAVING, Happened.FINISHED): Phase.ENDED,
    (Phase.BRIDGED, Happened.FINISHED): Phase.ENDED,
    (Phase.ENDING, Happened.FINISHED): Phase.ENDED,
    (Phase.ENDED, Happened.MOVED_TO_GROUP): Phase.ARRIVED,
}
"""Every allowed phase change: (phase, what happened) to the next phase."""

RESTING = frozenset({Phase.GREETING, Phase.WAITING, Phase.CONNECTING, Phase.BRIDGED, Phase.ENDING})
"""The phases a call the engine knows can be in between two events."""


def advance(call: Call, happened: Happened) -> None:
    """Move the call to the phase ``TRANSITIONS`` gives; ``PhaseError`` if it gives none."""
    phase = TRANSITIONS.get((call.phase, happened))
    if phase is None:
        raise PhaseError(f"call {call.id!r}: {happened.name} cannot happen in {call.phase.name}")
    call.phase = phase


@dataclass(slots=True, eq=False)
class Offer:
    call: Call
    agent: Agent
    started_at: float


@dataclass(slots=True, eq=False)
class Agent:
    id: str
    members: dict[str, Member] = field(default_factory=dict)
    dnd: bool = False
    paused: str | None = None
    """The reason of the agent's pause (None: not paused): no new group offers."""
    devices: int = 0
    offer: Offer | None = None
    call: Call | None = None
    """The answered group call the agent is on."""
    personal: set[str] = field(default_factory=set)
    """Direct and outbound calls in progress."""
    wrap_up: bool = False
    wrap_up_group: str | None = None
    """The group of the call being wrapped up."""
    wrap_up_began: float = 0.0
    last_call: Call | None = None
    """The group call the agent is on or answered last (what a disposition code codes)."""
    coded: bool = False
    """``last_call`` has a disposition code."""
    reported: tuple[AgentState, str | None, str | None] | None = None
    """The state, its group and its pause reason last reported in an ``AgentStateRecord``."""
    idle_since: float = float("-inf")
    missed: int = 0

    @property
    def free(self) -> bool:
        """Could take a group call now (group login aside)."""
        return (
            not self.dnd
            and self.paused is None
            and self.devices > 0
            and self.offer is None
            and self.call is None
            and not self.personal
            and not self.wrap_up
        )

    @property
    def serving(self) -> bool:
        """Counts as staffing a group it is logged in to (may be busy or paused)."""
        return not self.dnd and self.devices > 0


@dataclass(slots=True, eq=False)
class Member:
    agent: Agent
    group: Group
    order: int
    weight: int
    logged_in: bool
    priority: int = 1
    """The agent's order across their groups (1 first)."""
    staffed: bool = False
    """Counted in ``group.staffed``."""


@dataclass(slots=True, eq=False)
class Group:
    config: GroupConfig
    pool: Pool
    members: dict[str, Member] = field(default_factory=dict)
    queue: SortedList[tuple[int, str]] = field(default_factory=SortedList)
    """Every queued call (greeting, waiting, ringing) as (arrival sequence, call id)."""
    ready: SortedList[tuple[int, str]] = field(default_factory=SortedList)
    """Queued calls that may get an offer now, in arrival order."""
    staffed: int = 0
    outranked: set[str] = field(default_factory=set)
    """Members with a better priority in another of their groups: before one of them is
    offered a call of this group, their better groups go first."""
    override: str | None = None
    seconds_per_place: float | None = None
    """Smoothed wait per queue place ahead, for estimated-wait announcements."""

    @classmethod
    def new(cls, config: GroupConfig, rng: random.Random) -> Group:
        return cls(config=config, pool=make_pool(config.policy, rng))

    @property
    def id(self) -> str:
        return self.config.id

    def is_open(self, now: float) -> bool:
        if self.override is not None:
            return self.override == "open"
        return self.config.calendar.is_open(now)


@dataclass(slots=True, eq=False)
class Call:
    id: str
    group: Group
    seq: int
    caller: str
    number: str
    arrived_at: float
    segment: int = 0
    phase: Phase = Phase.ARRIVED
    """Changed only by ``advance``."""
    answered: bool = False
    """The caller's leg has been answered (by helin or an agent)."""
    music: bool = False
    queued_at: float | None = None
    first_offered_at: float | None = None
    answered_at: float | None = None
    entry_place: int = 1
    offers: dict[str, Offer] = field(default_factory=dict)
    offer_count: int = 0
    tried: set[str] = field(default_factory=set)
    agent: Agent | None = None
    """The agent who answered (from ``CONNECTING`` on)."""
    awaited_clip: int = 0
    """``ref`` of the reported clip the call waits for (0: none)."""
    ending: tuple[str, str | None, str | None] | None = None
    """While ENDING: (outcome, overflow reason, forwarded to)."""

    @property
    def key(self) -> tuple[int, str]:
        return (self.seq, self.id)
