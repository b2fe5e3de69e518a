"""ACD engine throughput and the cost of one distribution decision, per policy.

Run as ``python -m bench.acd`` (``make bench-acd``). Only the engine's own calls are timed
(``handle``, ``next_deadline``, ``on_timer``), with ``time.perf_counter``; building events and
bookkeeping here are not. Two workloads, each at 100, 1,000 and 10,000 agents:

- **loaded**: 100 groups, every agent a member of two of them, 10,000 callers waiting at all
  times. Every agent is on a call; each cycle the longest call ends (``AgentHungUp``), the
  freed agent is offered the longest-waiting call of its groups and answers it at once
  (``OfferAnswered``), and a new caller arrives (``CallArrived``) so the queues stay full.
  Every cycle is one real distribution decision. Figure: events per second.
- **idle pool**: one group whose agents are all available. Each cycle a caller arrives and the
  policy picks among all of them, the agent answers and hangs up. Figure: microseconds per
  arrival, i.e. per decision, taken from a pool of every agent. Simultaneous ringing rings the
  whole pool by definition, so its cost there is linear in the pool; the other policies keep
  their pools ordered (or in a Fenwick tree) and pick in O(log n).

Results are printed as tables and written to ``bench/results/acd.json``.
"""

from __future__ import annotations

import collections
import json
import platform
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
IDLE_BUDGET_SECONDS = 1.5
"""An idle-pool run stops after this much wall time (and at least three timed decisions)."""
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


def loaded(policy: Policy, agents: int) -> dict[str, float]:
    """Events per second with every agent busy and ``WAITING`` callers queued."""
    harness = Harness(AcdEngine(seed=1))
    harness.setup(policy, GROUPS, _two_groups(agents, GROUPS))
    ids = _call_ids()
    arrivals = 0
    for _ in range(WAITING + agents):
        harness.feed(CallArrived(call_id=next(ids), group_id=f"g{arrivals % GROUPS}"))
        arrivals += 1
    for i in range(agents):
        harness.feed(AgentLoggedIn(agent_id=f"a{i}"))
    assert len(harness.talking) == agents, "every agent should be on a call"
    rates: list[float] = []
    offers_before = harness.offers
    for cycle in range(LOADED_WARMUP_CYCLES + LOADED_CYCLES):
        harness.timing = cycle >= LOADED_WARMUP_CYCLES
        harness.now += STEP
        harness.feed(AgentHungUp(call_id=harness.talking.popleft()))
        harness.feed(CallArrived(call_id=next(ids), group_id=f"g{arrivals % GROUPS}"))
        arrivals += 1
        if harness.timing and (cycle + 1 - LOADED_WARMUP_CYCLES) % LOADED_BLOCK == 0:
            rates.append(harness.events / harness.seconds)
            harness.events, harness.seconds = 0, 0.0
    assert harness.engine.active_calls == WAITING + agents, "queues should stay loaded"
    cycles = LOADED_WARMUP_CYCLES + LOADED_CYCLES
    assert harness.offers - offers_before == cycles, "every hang-up should lead to one offer"
    return {"best": max(rates), "median": statistics.median(rates)}


def idle_pool(policy: Policy, agents: int) -> dict[str, float]:
    """Microseconds per decision (arrival) when every agent of one group is available."""
    harness = Harness(AcdEngine(seed=1))
    harness.setup(policy, 1, {f"a{i}": ["g0"] for i in range(agents)})
    for i in range(agents):
        harness.feed(AgentLoggedIn(agent_id=f"a{i}"))
    ids = _call_ids()
    decisions: list[float] = []
    began = time.perf_counter()
    for cycle in range(IDLE_WARMUP_CYCLES + IDLE_CYCLES):
        harness.timing = cycle >= IDLE_WARMUP_CYCLES
        harness.now += STEP
        before = harness.seconds
        harness.feed(CallArrived(call_id=next(ids), group_id="g0"))
        if harness.timing:
            decisions.append(harness.seconds - before)
        harness.feed(AgentHungUp(call_id=harness.talking.popleft()))
        if time.perf_counter() - began > IDLE_BUDGET_SECONDS and len(decisions) >= 3:
            break
    return {
        "median": 1e6 * statistics.median(decisions),
        "best": 1e6 * min(decisions),
        "decisions": len(decisions),
    }


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
    started = time.perf_counter()
    for policy in Policy:
        name = policy.value
        throughput[name], throughput_median[name] = {}, {}
        decision[name], decision_best[name] = {}, {}
        for agents in AGENT_COUNTS:
            run = loaded(policy, agents)
            idle = idle_pool(policy, agents)
            throughput[name][str(agents)] = round(run["best"])
            throughput_median[name][str(agents)] = round(run["median"])
            decision[name][str(agents)] = round(idle["median"], 1)
            decision_best[name][str(agents)] = round(idle["best"], 1)
            print(
                f"  {name:<13} {agents:>6} agents: {run['best']:>9,.0f} events/s loaded; "
                f"{idle['median']:>11,.1f} µs per decision, idle pool "
                f"({idle['decisions']:.0f} decisions)",
                flush=True,
            )
    results = {
        "events_per_second": throughput,
        "events_per_second_median": throughput_median,
        "decision_microseconds_idle_pool": decision,
        "decision_microseconds_idle_pool_best": decision_best,
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
                "figure": "median engine microseconds of one CallArrived (one decision)",
            },
            "agent_counts": list(AGENT_COUNTS),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
    }
    print()
    print(_table("Loaded: 100 groups, 10,000 waiting calls", "events/s", throughput, 0))
    print()
    print(_table("Idle pool: one decision among all agents", "µs per decision", decision, 1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nwritten {RESULTS}")
    return results


if __name__ == "__main__":
    main()
