"""The engine's mutable picture of agents, groups, calls and offers (internal)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum, auto

from sortedcontainers import SortedList

from helin.acd.model import GroupConfig
from helin.acd.policies import Pool, make_pool


class Phase(Enum):
    GREETING = auto()
    """Queued, hearing a greeting that must play in full before any agent rings."""
    WAITING = auto()
    """Queued; may be offered to agents."""
    BRIDGED = auto()
    """Answered by an agent."""
    ENDING = auto()
    """Leaving: hearing a closed or overflow clip before the call ends."""


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
    devices: int = 0
    offer: Offer | None = None
    call: Call | None = None
    """The answered group call the agent is on."""
    personal: set[str] = field(default_factory=set)
    """Direct and outbound calls in progress."""
    wrap_up: bool = False
    idle_since: float = float("-inf")
    missed: int = 0

    @property
    def free(self) -> bool:
        """Could take a group call now (group login aside)."""
        return (
            not self.dnd
            and self.devices > 0
            and self.offer is None
            and self.call is None
            and not self.personal
            and not self.wrap_up
        )

    @property
    def serving(self) -> bool:
        """Counts as staffing a group it is logged in to (may be busy)."""
        return not self.dnd and self.devices > 0


@dataclass(slots=True, eq=False)
class Member:
    agent: Agent
    group: Group
    order: int
    weight: int
    logged_in: bool
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
    phase: Phase = Phase.WAITING
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
    awaited_clip: int = 0
    """``ref`` of the reported clip the call waits for (0: none)."""
    ending: tuple[str, str | None, str | None] | None = None
    """While ENDING: (outcome, overflow reason, forwarded to)."""

    @property
    def key(self) -> tuple[int, str]:
        return (self.seq, self.id)
