"""Reference FIFO M/M/c queue on the simulator's own random numbers (test helper).

With the same seed the simulator draws, in order: the first inter-arrival gap, then for each
call its talk time and the next gap. A FIFO, work-conserving queue with ``c`` identical agents
answers call ``i`` at ``max(a_i, earliest time an agent is free)`` (Kiefer-Wolfowitz), whatever
agent it picks, so every distribution policy must reproduce these waits exactly.

``python -m tests.stats.mmc_reference`` prints the spread of the estimators across seeds, the
figure the tolerances in ``test_simulator.py`` are built from.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import sys

from helin.stats.erlang import figures
from helin.stats.simulator import SECONDS_PER_HOUR, WAIT_EPSILON, SimulationParams


def reference(params: SimulationParams, wrap_up: float = 0.0) -> dict[str, float]:
    """p_wait, asa_seconds, service_level and occupancy of the FIFO M/M/c recursion.

    ``wrap_up`` keeps an agent unavailable that long after each call (occupancy counts talk
    time only, like the simulator).
    """
    rng = random.Random(params.seed)
    rate = params.calls_per_hour / SECONDS_PER_HOUR
    start = params.warmup * SECONDS_PER_HOUR
    end = params.hours * SECONDS_PER_HOUR
    free = [0.0] * params.agents
    arrival = rng.expovariate(rate)
    waits: list[float] = []
    busy = 0.0
    while arrival < end:
        talk = rng.expovariate(1.0 / params.aht)
        answered = max(arrival, free[0])
        heapq.heapreplace(free, answered + talk + wrap_up)
        busy += max(0.0, min(answered + talk, end) - max(answered, start))
        if arrival >= start:
            waits.append(answered - arrival)
        arrival += rng.expovariate(rate)
    return {
        "calls": len(waits),
        "p_wait": sum(1 for w in waits if w > WAIT_EPSILON) / len(waits),
        "asa_seconds": sum(waits) / len(waits),
        "service_level": sum(1 for w in waits if w <= params.threshold) / len(waits),
        "occupancy": busy / (params.agents * (end - start)),
    }


KEYS = ("p_wait", "asa_seconds", "service_level", "occupancy")


def spread(agents: int, hours: float, seeds: int, group: int = 5) -> None:
    """Print each estimator's spread across ``seeds`` runs, and its worst deviations from
    Erlang C in units of that spread: single runs, and means of ``group`` runs."""
    truth = figures(calls_per_hour=1000, aht=120, threshold=20, agents=agents)
    runs = [
        reference(
            SimulationParams(agents=agents, calls_per_hour=1000, aht=120, hours=hours, seed=s)
        )
        for s in range(10_000, 10_000 + seeds)
    ]
    for key in KEYS:
        values = [run[key] for run in runs]
        sd = statistics.stdev(values)
        target = getattr(truth, key)
        worst = max(abs(v - target) / sd for v in values)
        means = [statistics.mean(values[i : i + group]) for i in range(0, seeds, group)]
        worst_mean = max(abs(m - target) / (sd / math.sqrt(group)) for m in means)
        print(
            f"{agents} agents {hours:g} h {seeds} seeds {key}: sd {sd:.4g}, "
            f"mean {statistics.mean(values):.4g} (Erlang C {target:.4g}), "
            f"worst run {worst:.2f} sd, worst mean of {group} {worst_mean:.2f} sd/sqrt({group})",
            flush=True,
        )


if __name__ == "__main__":
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 24.0
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    for agents in (40, 35):
        spread(agents, hours, seeds)
