"""Poisson traffic through the real ACD engine on a virtual clock, measured like Erlang C.

Theory of operation. One group with the chosen policy; every agent is a member, logged in,
with one reachable device. The queue settings make the engine an M/M/c queue: no greeting,
no comfort clips or announcements, no wrap-up, no bouncing, no practical limit on waiting time
or queue length. Calls arrive as a Poisson process (``random.Random(seed)``); each call draws
its talk time (exponential, mean AHT) when it arrives, so every policy sees the very same
arrivals and talk times (common random numbers). An agent answers an ``OfferCall`` at the
instant it is made, talks, then hangs up (``AgentHungUp`` once the engine has sent ``Bridge``).

The driver merges its own event heap with the engine's timers (``next_deadline`` /
``on_timer``). Statistics come from the engine's ``CallRecord`` outputs (wait = ``answered_at -
arrived_at``) for calls that arrive after the warm-up and before the end; arrivals stop at the
end and the run drains, so every measured call finishes. Standard errors are batch means: the
measured window is cut into ``BATCHES`` equal slices by arrival time.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from helin.acd.commands import Bridge, CallRecord, CancelOffer, DropAgentLeg, OfferCall, Output
from helin.acd.engine import AcdEngine
from helin.acd.events import (
    AgentHungUp,
    AgentLoggedIn,
    CallArrived,
    DevicesReachable,
    Event,
    GroupConfigured,
    MemberAdded,
    OfferAnswered,
)
from helin.acd.model import GroupConfig, Outcome, Policy, QueueSettings

SECONDS_PER_HOUR = 3600.0
START = 1_704_067_200.0
"""Virtual clock origin (2024-01-01T00:00:00Z); the engine sees POSIX times from here."""
GROUP_ID = "sim"
BATCHES = 20
"""Slices of the measured window for batch-means standard errors."""
WAIT_EPSILON = 1e-6
"""A call "waited" when answered more than this many seconds after it arrived."""
MAX_EXPECTED_CALLS = 20_000_000
"""Refuse runs larger than this (memory and time stay bounded)."""
MAX_AGENTS = 100_000


class Engine(Protocol):
    """What the simulator needs of the ACD engine (``AcdEngine`` satisfies it)."""

    def handle(self, event: Event, now: float) -> list[Output]: ...

    def next_deadline(self) -> float | None: ...

    def on_timer(self, now: float) -> list[Output]: ...


@dataclass(frozen=True, kw_only=True)
class SimulationParams:
    """One simulation run; validated on construction (ValueError with a clear message)."""

    agents: int
    """Agents logged in to the group."""
    calls_per_hour: float
    """Poisson arrival rate."""
    aht: float
    """Mean handle (talk) time, seconds; talk times are exponential."""
    threshold: float = 20.0
    """Service-level threshold, seconds."""
    hours: float = 100.0
    """Simulated hours of arrivals, warm-up included."""
    seed: int = 1
    """Seed for arrivals, talk times and the engine's own random choices."""
    policy: str = "uniform"
    """Distribution policy: simultaneous, regular, circular, uniform or weighted."""
    warmup_hours: float | None = None
    """Hours discarded from the statistics; None: 5 % of ``hours``, at most one hour."""

    def __post_init__(self) -> None:
        if isinstance(self.agents, bool) or not isinstance(self.agents, int):
            raise ValueError(f"agents must be a whole number, got {self.agents!r}")
        if not 1 <= self.agents <= MAX_AGENTS:
            raise ValueError(f"agents must be between 1 and {MAX_AGENTS}, got {self.agents}")
        _positive("calls_per_hour", self.calls_per_hour)
        _positive("aht", self.aht)
        _positive("hours", self.hours)
        if not (math.isfinite(self.threshold) and self.threshold >= 0):
            raise ValueError(f"threshold must be a number of seconds >= 0, got {self.threshold}")
        if self.policy not in {p.value for p in Policy}:
            names = ", ".join(p.value for p in Policy)
            raise ValueError(f"unknown policy {self.policy!r}; choose one of: {names}")
        warmup = self.warmup
        if not (math.isfinite(warmup) and 0 <= warmup < self.hours):
            raise ValueError(
                f"warmup_hours must be >= 0 and less than hours ({self.hours}), got {warmup}"
            )
        expected = self.calls_per_hour * self.hours
        if expected > MAX_EXPECTED_CALLS:
            raise ValueError(
                f"{expected:.0f} expected calls is too many (at most {MAX_EXPECTED_CALLS}); "
                "lower --hours or --calls-per-hour"
            )

    @property
    def warmup(self) -> float:
        """Warm-up in hours."""
        if self.warmup_hours is not None:
            return self.warmup_hours
        return min(1.0, 0.05 * self.hours)


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def queue_settings() -> QueueSettings:
    """Queue settings under which the engine behaves as an M/M/c queue."""
    return QueueSettings(
        ring_timeout=60.0,
        wrap_up=0.0,
        max_queue_length=10**9,
        max_wait=1e9,
        greeting_clip=None,
        comfort_clip=None,
        comfort_interval=0.0,
        announce_position=False,
        announce_wait=False,
        bounce_after_missed=0,
    )


def setup_events(agent_ids: Iterable[str], group_id: str, policy: Policy) -> list[Event]:
    """Events that create the group and log every agent in with one reachable device."""
    events: list[Event] = [
        GroupConfigured(group=GroupConfig(id=group_id, policy=policy, queue=queue_settings()))
    ]
    for order, agent_id in enumerate(agent_ids):
        events.append(MemberAdded(group_id=group_id, agent_id=agent_id, order=order))
        events.append(DevicesReachable(agent_id=agent_id, count=1))
        events.append(AgentLoggedIn(agent_id=agent_id, group_id=group_id))
    return events


class _Driver:
    """Feeds events to the engine, answers offers at once and schedules the hang-ups."""

    def __init__(self, params: SimulationParams, engine: Engine) -> None:
        self.params = params
        self.engine = engine
        self.rng = random.Random(params.seed)
        self.heap: list[tuple[float, int, Event]] = []
        self.seq = itertools.count()
        self.talk: dict[str, float] = {}
        """Talk time drawn at arrival, by call id, until the call is bridged."""
        self.bridged_at: dict[str, float] = {}
        self.offers: set[tuple[str, str]] = set()
        self.live = 0
        """Calls that arrived and have no record yet."""
        self.window = (
            START + params.warmup * SECONDS_PER_HOUR,
            START + params.hours * SECONDS_PER_HOUR,
        )
        self.busy = [0.0] * BATCHES
        """Agent talk seconds inside each batch slice of the measured window."""
        self.measured: list[CallRecord] = []
        self.records: list[CallRecord] = []
        """Every call record the engine emitted, warm-up included."""
        self.dropped_legs = 0
        self.events = 0

    def push(self, at: float, event: Event) -> None:
        heapq.heappush(self.heap, (at, next(self.seq), event))

    def feed(self, event: Event, now: float) -> None:
        self.events += 1
        self.react(self.engine.handle(event, now), now)

    def react(self, outputs: list[Output], now: float) -> None:
        to_answer: list[OfferCall] = []
        for out in outputs:
            if isinstance(out, OfferCall):
                self.offers.add((out.call_id, out.agent_id))
                to_answer.append(out)
            elif isinstance(out, CancelOffer):
                self.offers.discard((out.call_id, out.agent_id))
            elif isinstance(out, Bridge):
                self.offers.discard((out.call_id, out.agent_id))
                self.bridged_at[out.call_id] = now
                self.push(now + self.talk.pop(out.call_id), AgentHungUp(call_id=out.call_id))
            elif isinstance(out, CallRecord):
                self.record(out)
            elif isinstance(out, DropAgentLeg):
                self.dropped_legs += 1
        for offer in to_answer:
            key = (offer.call_id, offer.agent_id)
            if key in self.offers and offer.call_id not in self.bridged_at:
                self.feed(OfferAnswered(call_id=offer.call_id, agent_id=offer.agent_id), now)

    def record(self, rec: CallRecord) -> None:
        self.live -= 1
        self.records.append(rec)
        start, end = self.window
        bridged = self.bridged_at.pop(rec.call_id, None)
        if bridged is not None:
            self.add_busy(bridged, rec.ended_at)
        if start <= rec.arrived_at < end:
            self.measured.append(rec)

    def add_busy(self, begin: float, finish: float) -> None:
        start, end = self.window
        width = (end - start) / BATCHES
        begin, finish = max(begin, start), min(finish, end)
        first = int((begin - start) / width)
        while begin < finish and first < BATCHES:
            edge = min(finish, start + (first + 1) * width)
            self.busy[first] += max(0.0, edge - begin)
            begin, first = edge, first + 1

    def run(self) -> None:
        for event in setup_events(
            (f"a{i}" for i in range(self.params.agents)), GROUP_ID, Policy(self.params.policy)
        ):
            self.feed(event, START)
        rate = self.params.calls_per_hour / SECONDS_PER_HOUR
        end = self.window[1]
        arrival = START + self.rng.expovariate(rate)
        numbers = itertools.count()
        limit = 20 * (self.params.calls_per_hour * self.params.hours + self.params.agents) + 1000
        for _ in range(int(limit)):
            deadline = self.engine.next_deadline()
            own = self.heap[0][0] if self.heap else math.inf
            if deadline is not None and deadline <= min(own, arrival):
                self.events += 1
                self.react(self.engine.on_timer(deadline), deadline)
            elif arrival < own:
                call_id = f"c{next(numbers)}"
                self.talk[call_id] = self.rng.expovariate(1.0 / self.params.aht)
                self.live += 1
                self.feed(CallArrived(call_id=call_id, group_id=GROUP_ID), arrival)
                arrival += self.rng.expovariate(rate)
                if arrival >= end:
                    arrival = math.inf
            elif self.heap:
                at, _, event = heapq.heappop(self.heap)
                self.feed(event, at)
            else:
                return
            if self.live == 0 and not self.heap and arrival == math.inf:
                return
        raise RuntimeError(f"the engine did not settle after {int(limit)} steps")


def _batch_error(values: list[float]) -> float:
    """Standard error of the mean of the batch values (NaN when fewer than two)."""
    finite = [v for v in values if not math.isnan(v)]
    if len(finite) < 2:
        return math.nan
    return statistics.stdev(finite) / math.sqrt(len(finite))


def _summary(records: list[CallRecord], threshold: float) -> tuple[float, float, float]:
    """(p_wait, asa, service level) of the records; NaN where undefined."""
    waits = [r.answered_at - r.arrived_at for r in records if r.answered_at is not None]
    if not waits:
        return math.nan, math.nan, (0.0 if records else math.nan)
    return (
        sum(1 for w in waits if w > WAIT_EPSILON) / len(waits),
        sum(waits) / len(waits),
        sum(1 for w in waits if w <= threshold) / len(records),
    )


def _batches(records: list[CallRecord], start: float, end: float) -> list[list[CallRecord]]:
    width = (end - start) / BATCHES
    slices: list[list[CallRecord]] = [[] for _ in range(BATCHES)]
    for rec in records:
        slices[min(BATCHES - 1, int((rec.arrived_at - start) / width))].append(rec)
    return slices


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def simulated_records(params: SimulationParams) -> list[CallRecord]:
    """Every call record of a simulation run, in the order the engine emitted them."""
    driver = _Driver(params, AcdEngine(seed=params.seed))
    driver.run()
    return driver.records


def simulate(
    params: SimulationParams, engine_factory: Callable[[int], Engine] | None = None
) -> dict[str, Any]:
    """Run the simulation and return its figures as a JSON-able dict (see docs/simulator.md).

    ``engine_factory(seed)`` replaces the real ``AcdEngine`` (for tests of the driver only).
    """
    engine = AcdEngine(seed=params.seed) if engine_factory is None else engine_factory(params.seed)
    driver = _Driver(params, engine)
    driver.run()
    records = sorted(driver.measured, key=lambda r: r.arrived_at)
    start, end = driver.window
    p_wait, asa, level = _summary(records, params.threshold)
    per_batch = [_summary(batch, params.threshold) for batch in _batches(records, start, end)]
    capacity = params.agents * (end - start)
    answered = sum(1 for r in records if r.outcome is Outcome.ANSWERED)
    errors = {
        "p_wait": _batch_error([b[0] for b in per_batch]),
        "asa_seconds": _batch_error([b[1] for b in per_batch]),
        "service_level": _batch_error([b[2] for b in per_batch]),
        "occupancy": _batch_error([busy * BATCHES / capacity for busy in driver.busy]),
    }
    return {
        "policy": params.policy,
        "seed": params.seed,
        "agents": params.agents,
        "calls_per_hour": params.calls_per_hour,
        "aht": params.aht,
        "threshold": params.threshold,
        "simulated_hours": params.hours,
        "warmup_hours": params.warmup,
        "measured_hours": (end - start) / SECONDS_PER_HOUR,
        "calls": len(records),
        "answered": answered,
        "abandoned": sum(1 for r in records if r.outcome is Outcome.ABANDONED),
        "not_answered": len(records) - answered,
        "unfinished": driver.live,
        "p_wait": _json_number(p_wait),
        "asa_seconds": _json_number(asa),
        "service_level": _json_number(level),
        "occupancy": sum(driver.busy) / capacity,
        "standard_errors": {key: _json_number(value) for key, value in errors.items()},
        "engine_events": driver.events,
        "dropped_agent_legs": driver.dropped_legs,
    }
