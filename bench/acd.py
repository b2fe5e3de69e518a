"""ACD engine throughput and the cost of one distribution decision, per policy.

Run as ``python -m bench.acd`` (``make bench-acd``). Only the engine's own calls are timed
(``handle``, ``next_deadline``, ``on_timer``), with ``time.perf_counter``; building events and
bookkeeping here are not. Two workloads, each at 100, 1,000 and 10,000 agents:

- **loaded**: 100 groups, every agent a member of two of them, 10,000 callers waiting at all
  times. Every agent is on a call; each cycle the longest call ends (``AgentHungUp``), the
  freed agent is offered the longest-waiting call of its groups and answers it at once
  (``OfferAnswered``), and a new caller arrives (``CallArrived``) so the queues stay full.
  Every cycle is one real distribution decision. Figure: events per engine-second, the best
  of ten blocks of 1,000 cycles.
- **idle pool**: one group whose agents are all available. Each cycle a caller arrives and the
  policy picks among all of them, the agent answers and hangs up. Figure: microseconds per
  arrival, i.e. per decision (the arrival and the answer, which ends the other rings), taken
  from a pool of every agent; the median and the 99th percentile. The policies keep their
  pools ordered (or in a Fenwick tree) and pick in O(log n); simultaneous ringing rings up to
  ``MAX_RINGING`` agents at once, so its cost is in proportion to the agents it rings, also
  given per agent rung and per available agent.

The fifteen configurations of a workload are built first and then run block by block in
turn, so that other load on the machine falls on all of them alike.

Results are printed as tables and written to ``bench/results/acd.json``.
"""

from __future__ import annotations

import collections
import json
import math
import platform
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.process import load_average, percentile
from helin.acd.commands import Bridge, OfferCall, Output
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
from helin.acd.model import GroupConfig, Policy, QueueSettings
from helin.acd.policies import MAX_RINGING

AGENT_COUNTS = (100, 1_000, 10_000)
GROUPS = 100
WAITING = 10_000
LOADED_WARMUP_CYCLES = 1_000
LOADED_CYCLES = 10_000
"""Timed cycles of the loaded workload (three events each)."""
LOADED_BLOCK = 1_000
"""Cycles per timed block; the table shows the best block (least disturbed by other load)."""
IDLE_WARMUP_CYCLES = 2
IDLE_CYCLES = 3_000
IDLE_ROUNDS = 10
IDLE_BUDGET_SECONDS = 1.5
"""Wall time one idle-pool configuration may take over all rounds (at least one decision a
round), which bounds simultaneous ringing of a 10,000-agent pool."""
START = 1_704_067_200.0
STEP = 0.01
"""Virtual seconds between cycles."""
RESULTS = Path(__file__).parent / "results" / "acd.json"


def queue_settings() -> QueueSettings:
    """Realistic settings, except that nothing expires while the benchmark runs."""
    return QueueSettings(wrap_up=0.0, max_wait=1e9, max_queue_length=10**9, bounce_after_missed=0)


@dataclass
class Harness:
    """Feeds the engine, times only the engine's calls, and answers every offer at once."""

    engine: AcdEngine
    now: float = START
    seconds: float = 0.0
    """Engine time spent in timed calls."""
    events: int = 0
    """Events handled in timed calls (timer firings count as one each)."""
    timing: bool = False
    talking: collections.deque[str] = field(default_factory=collections.deque)
    """Answered calls, oldest first."""
    offers: int = 0
    """Offers made (each one is a distribution decision's outcome)."""

    def feed(self, event: Event) -> list[Output]:
        if not self.timing:
            return self._react(self.engine.handle(event, self.now))
        begin = time.perf_counter()
        outputs = self.engine.handle(event, self.now)
        deadline = self.engine.next_deadline()
        if deadline is not None and deadline <= self.now:
            outputs += self.engine.on_timer(self.now)
            self.events += 1
        self.seconds += time.perf_counter() - begin
        self.events += 1
        return self._react(outputs)

    def _react(self, outputs: list[Output]) -> list[Output]:
        offers = [out for out in outputs if isinstance(out, OfferCall)]
        self.offers += len(offers)
        answered: set[str] = set()
        for out in outputs:
            if isinstance(out, Bridge):
                self.talking.append(out.call_id)
        for offer in offers:
            if offer.call_id not in answered:
                answered.add(offer.call_id)
                self.feed(OfferAnswered(call_id=offer.call_id, agent_id=offer.agent_id))
        return outputs

    def setup(self, policy: Policy, groups: int, memberships: dict[str, list[str]]) -> None:
        for g in range(groups):
            self.feed(
                GroupConfigured(
                    group=GroupConfig(id=f"g{g}", policy=policy, queue=queue_settings())
                )
            )
        for agent_id, group_ids in memberships.items():
            for order, group_id in enumerate(group_ids):
                self.feed(MemberAdded(group_id=group_id, agent_id=agent_id, order=order))
            self.feed(DevicesReachable(agent_id=agent_id, count=1))


def _two_groups(agents: int, groups: int) -> dict[str, list[str]]:
    """Agent i in group i mod G and in one other group, spread evenly."""
    out: dict[str, list[str]] = {}
    for i in range(agents):
        first = i % groups
        second = (first + 1 + (i // groups) % (groups - 1)) % groups
        out[f"a{i}"] = [f"g{first}", f"g{second}"]
    return out


def _call_ids() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"c{n}"


class Loaded:
    """The loaded workload for one policy and agent count, ready to run timed blocks."""

    def __init__(self, policy: Policy, agents: int) -> None:
        self.agents = agents
        self.harness = Harness(AcdEngine(seed=1))
        self.harness.setup(policy, GROUPS, _two_groups(agents, GROUPS))
        self.ids = _call_ids()
        self.arrivals = 0
        for _ in range(WAITING + agents):
            self.arrive()
        for i in range(agents):
            self.harness.feed(AgentLoggedIn(agent_id=f"a{i}"))
        assert len(self.harness.talking) == agents, "every agent should be on a call"
        self.cycles = 0
        self.block(LOADED_WARMUP_CYCLES, timed=False)

    def arrive(self) -> None:
        group_id = f"g{self.arrivals % GROUPS}"
        self.harness.feed(CallArrived(call_id=next(self.ids), group_id=group_id))
        self.arrivals += 1

    def block(self, cycles: int, *, timed: bool = True) -> float:
        """Run ``cycles`` cycles; events per engine-second over them."""
        harness = self.harness
        harness.timing, harness.events, harness.seconds = timed, 0, 0.0
        offers = harness.offers
        for _ in range(cycles):
            harness.now += STEP
            harness.feed(AgentHungUp(call_id=harness.talking.popleft()))
            self.arrive()
        self.cycles += cycles
        assert harness.offers - offers == cycles, "every hang-up should lead to one offer"
        assert harness.engine.active_calls == WAITING + self.agents, "queues stay loaded"
        return harness.events / harness.seconds if timed else 0.0


def loaded_all(policies: list[Policy]) -> dict[tuple[Policy, int], list[float]]:
    """Events per second of every timed block, the configurations interleaved block by block
    so that other load on the machine falls on all of them alike."""
    runs = {(p, n): Loaded(p, n) for p in policies for n in AGENT_COUNTS}
    rates: dict[tuple[Policy, int], list[float]] = {key: [] for key in runs}
    for _ in range(LOADED_CYCLES // LOADED_BLOCK):
        for key, run in runs.items():
            rates[key].append(run.block(LOADED_BLOCK))
    return rates


class IdlePool:
    """One group whose agents are all available; each arrival is one decision among them."""

    def __init__(self, policy: Policy, agents: int) -> None:
        self.harness = Harness(AcdEngine(seed=1))
        self.harness.setup(policy, 1, {f"a{i}": ["g0"] for i in range(agents)})
        for i in range(agents):
            self.harness.feed(AgentLoggedIn(agent_id=f"a{i}"))
        self.ids = _call_ids()
        self.decisions: list[float] = []
        """Engine seconds of each timed arrival."""
        self.rung: list[int] = []
        """Agents each timed arrival rang."""
        self.decide(IDLE_WARMUP_CYCLES, budget=math.inf, timed=False)

    def decide(self, count: int, *, budget: float, timed: bool = True) -> None:
        """Up to ``count`` arrive-answer-hang-up cycles, stopping after ``budget`` wall
        seconds (at least one cycle)."""
        harness = self.harness
        harness.timing = timed
        began = time.perf_counter()
        for _ in range(count):
            harness.now += STEP
            before, offers = harness.seconds, harness.offers
            harness.feed(CallArrived(call_id=next(self.ids), group_id="g0"))
            if timed:
                self.decisions.append(harness.seconds - before)
                self.rung.append(harness.offers - offers)
            harness.feed(AgentHungUp(call_id=harness.talking.popleft()))
            if time.perf_counter() - began > budget:
                break


def idle_all(policies: list[Policy]) -> dict[tuple[Policy, int], IdlePool]:
    """Every configuration's timed decisions, interleaved round by round."""
    runs = {(p, n): IdlePool(p, n) for p in policies for n in AGENT_COUNTS}
    for _ in range(IDLE_ROUNDS):
        for run in runs.values():
            run.decide(IDLE_CYCLES // IDLE_ROUNDS, budget=IDLE_BUDGET_SECONDS / IDLE_ROUNDS)
    return runs


def _table(title: str, unit: str, rows: dict[str, dict[str, float]], digits: int) -> str:
    head = f"{title} ({unit})"
    lines = [head, f"{'policy':<14}" + "".join(f"{n:>12,}" for n in AGENT_COUNTS) + "  10k/100"]
    for policy, cells in rows.items():
        values = [cells[str(n)] for n in AGENT_COUNTS]
        ratio = values[-1] / values[0]
        lines.append(
            f"{policy:<14}" + "".join(f"{v:>12,.{digits}f}" for v in values) + f"{ratio:>9.2f}"
        )
    return "\n".join(lines)


def main() -> dict[str, Any]:
    throughput: dict[str, dict[str, float]] = {}
    throughput_median: dict[str, dict[str, float]] = {}
    decision: dict[str, dict[str, float]] = {}
    decision_best: dict[str, dict[str, float]] = {}
    decision_p99: dict[str, dict[str, float]] = {}
    simultaneous: dict[str, dict[str, float]] = {}
    counts: dict[str, dict[str, int]] = {p.value: {} for p in Policy}
    started = time.perf_counter()
    load_before = load_average()
    print("loaded workload: building 15 engines, then 10 interleaved timed blocks each", flush=True)
    rates = loaded_all(list(Policy))
    print("idle pool workload: 15 engines, 10 interleaved rounds each", flush=True)
    idle = idle_all(list(Policy))
    for policy in Policy:
        name = policy.value
        throughput[name], throughput_median[name] = {}, {}
        decision[name], decision_best[name], decision_p99[name] = {}, {}, {}
        for agents in AGENT_COUNTS:
            blocks, run = rates[(policy, agents)], idle[(policy, agents)]
            times = [1e6 * t for t in run.decisions]
            throughput[name][str(agents)] = round(max(blocks))
            throughput_median[name][str(agents)] = round(statistics.median(blocks))
            decision[name][str(agents)] = round(statistics.median(times), 1)
            decision_p99[name][str(agents)] = round(percentile(times, 0.99), 1)
            decision_best[name][str(agents)] = round(min(times), 1)
            counts[name][str(agents)] = len(times)
            if policy is Policy.SIMULTANEOUS:
                rung = statistics.median(run.rung)
                simultaneous[str(agents)] = {
                    "agents_rung": rung,
                    "us_per_agent_rung": round(statistics.median(times) / rung, 2),
                    "us_per_available_agent": round(statistics.median(times) / agents, 3),
                    "us_per_available_agent_p99": round(percentile(times, 0.99) / agents, 3),
                }
    results = {
        "events_per_second": throughput,
        "events_per_second_median": throughput_median,
        "decision_microseconds_idle_pool": decision,
        "decision_microseconds_idle_pool_p99": decision_p99,
        "decision_microseconds_idle_pool_best": decision_best,
        "simultaneous": simultaneous,
        "max_ringing": MAX_RINGING,
        "decisions_timed_idle_pool": counts,
        "setup": {
            "loaded": {
                "groups": GROUPS,
                "waiting_calls": WAITING,
                "groups_per_agent": 2,
                "timed_cycles": LOADED_CYCLES,
                "block_cycles": LOADED_BLOCK,
                "events_per_cycle": ["AgentHungUp", "OfferAnswered", "CallArrived"],
                "figure": "best block of events per engine-second",
            },
            "idle_pool": {
                "groups": 1,
                "max_cycles": IDLE_CYCLES,
                "rounds": IDLE_ROUNDS,
                "figure": "median (and p99) engine microseconds of one CallArrived and the"
                " OfferAnswered it leads to (one decision)",
            },
            "agent_counts": list(AGENT_COUNTS),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "wall_seconds": round(time.perf_counter() - started, 1),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
    }
    print()
    print(_table("Loaded: 100 groups, 10,000 waiting calls", "events/s", throughput, 0))
    print()
    print(_table("Idle pool: one decision among all agents", "µs per decision", decision, 1))
    print()
    print(_table("Idle pool, 99th percentile", "µs per decision", decision_p99, 1))
    print()
    print(f"simultaneous (at most {MAX_RINGING} rung at once):")
    for agents, figures in simultaneous.items():
        print(
            f"  {int(agents):>6,} agents: {figures['agents_rung']:g} rung,"
            f" {figures['us_per_agent_rung']} µs per agent rung,"
            f" {figures['us_per_available_agent']} µs per available agent"
            f" (p99 {figures['us_per_available_agent_p99']})"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nwritten {RESULTS}")
    return results


if __name__ == "__main__":
    main()
