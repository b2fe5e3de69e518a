"""The simulator drives the real ACD engine and must reproduce M/M/c (Erlang C).

Two kinds of check:

1. Exact. With the same seed, the engine's waits must equal those of a FIFO M/M/c recursion
   on the very same random numbers (``mmc_reference``), for every policy: a work-conserving
   policy changes which agent answers, never when the head of the queue is answered.
2. Statistical, against Erlang C. Each run is 24 simulated hours at 1,000 calls/h and AHT
   120 s (about 23,000 measured calls after the 1-hour warm-up; a few seconds of CPU).
   ``SIGMA`` is the standard deviation of each estimator over 2,000 seeds of exactly such a
   run, measured with the reference (which check 1 shows the engine reproduces), by
   ``python -m tests.stats.mmc_reference 24 2000``. In those 2,000 runs p_wait, service level
   and occupancy never strayed more than 4.4 sigma from Erlang C, so one run must be within
   ``RUN_SIGMAS`` = 5 sigma. ASA is right-skewed near saturation (at 35 agents a few runs
   lie 10+ sigma high: long queue excursions), so it is checked on the mean of the five
   policy runs, which use independent seeds: within ``MEAN_SIGMAS`` = 6 sigma / sqrt(5);
   means of five never strayed beyond 5.4 of that unit, the other metrics beyond 3.6.
   The mean over 40 reference seeds is also checked at 5 sigma / sqrt(40), a tight test of
   the estimators themselves (warm-up, definitions).
"""

from __future__ import annotations

import json
import math
import statistics
from typing import Any

import pytest

from helin.acd.engine import AcdEngine
from helin.acd.events import Event, GroupConfigured
from helin.acd.model import Policy
from helin.cli import main
from helin.stats.erlang import figures
from helin.stats.simulator import Engine, SimulationParams, simulate
from tests.stats.mmc_reference import KEYS, reference

HOURS = 24.0
RUN_SIGMAS = 5.0
MEAN_SIGMAS = 6.0
SIGMA = {
    40: {"p_wait": 0.0230, "asa_seconds": 0.860, "service_level": 0.0157, "occupancy": 0.0077},
    35: {"p_wait": 0.0509, "asa_seconds": 18.73, "service_level": 0.0709, "occupancy": 0.0087},
}
"""Spread of each estimator over 2,000 seeds of a 24-hour run (see the module docstring)."""
FLOAT_SLACK = 1e-6
"""The engine's clock is POSIX time (~1.7e9 s, float step ~2e-7 s); the reference counts
from 0. Waits therefore agree to about a microsecond, not bit for bit."""
POLICIES = [p.value for p in Policy]
SEEDS = {policy: 101 + i for i, policy in enumerate(POLICIES)}
"""Independent seeds, one per policy, fixed before looking at any result."""

_cache: dict[tuple[int, str], dict[str, Any]] = {}


def params(
    agents: int, policy: str, *, hours: float = HOURS, seed: int | None = None
) -> SimulationParams:
    return SimulationParams(
        agents=agents,
        calls_per_hour=1000,
        aht=120,
        threshold=20,
        hours=hours,
        seed=SEEDS[policy] if seed is None else seed,
        policy=policy,
    )


def run(agents: int, policy: str) -> dict[str, Any]:
    """The 24-hour run of this staffing and policy, simulated once per test session."""
    key = (agents, policy)
    if key not in _cache:
        _cache[key] = simulate(params(agents, policy))
    return _cache[key]


def erlang(agents: int) -> dict[str, float]:
    return figures(calls_per_hour=1000, aht=120, threshold=20, agents=agents).as_dict()


@pytest.mark.slow
@pytest.mark.parametrize("agents", [40, 35])
@pytest.mark.parametrize("policy", POLICIES)
def test_engine_reproduces_fifo_mmc_exactly(agents: int, policy: str) -> None:
    result = run(agents, policy)
    expected = reference(params(agents, policy))
    assert result["calls"] == result["answered"] == expected["calls"]
    assert result["unfinished"] == result["abandoned"] == result["dropped_agent_legs"] == 0
    for key in KEYS:
        assert result[key] == pytest.approx(expected[key], abs=FLOAT_SLACK), key


@pytest.mark.slow
@pytest.mark.parametrize("agents", [40, 35])
@pytest.mark.parametrize("policy", POLICIES)
def test_run_matches_erlang_c(agents: int, policy: str) -> None:
    result, truth = run(agents, policy), erlang(agents)
    for key in ("p_wait", "service_level", "occupancy"):
        tolerance = RUN_SIGMAS * SIGMA[agents][key]
        assert abs(result[key] - truth[key]) <= tolerance, (key, result[key], truth[key])


@pytest.mark.slow
@pytest.mark.parametrize("agents", [40, 35])
def test_mean_of_policies_matches_erlang_c(agents: int) -> None:
    truth = erlang(agents)
    for key in KEYS:
        mean = statistics.mean(run(agents, policy)[key] for policy in POLICIES)
        tolerance = MEAN_SIGMAS * SIGMA[agents][key] / math.sqrt(len(POLICIES))
        assert abs(mean - truth[key]) <= tolerance, (key, mean, truth[key])


@pytest.mark.slow
@pytest.mark.parametrize("agents", [40, 35])
def test_estimators_are_unbiased_over_many_seeds(agents: int) -> None:
    seeds = range(500, 540)
    runs = [reference(params(agents, "uniform", seed=seed)) for seed in seeds]
    truth = erlang(agents)
    for key in KEYS:
        mean = statistics.mean(r[key] for r in runs)
        tolerance = 5 * SIGMA[agents][key] / math.sqrt(len(runs))
        assert abs(mean - truth[key]) <= tolerance, (key, mean, truth[key])


def test_every_policy_gives_the_same_waits_on_the_same_numbers() -> None:
    results = [simulate(params(35, policy, hours=2, seed=7)) for policy in POLICIES]
    for key in (*KEYS, "calls"):
        assert len({r[key] for r in results}) == 1, key
    assert results[0]["p_wait"] > 0.3


def test_same_seed_same_output() -> None:
    first = simulate(params(38, "weighted", hours=2, seed=3))
    again = simulate(params(38, "weighted", hours=2, seed=3))
    other = simulate(params(38, "weighted", hours=2, seed=4))
    assert first == again
    assert first["asa_seconds"] != other["asa_seconds"]


def test_output_fields() -> None:
    result = simulate(params(40, "circular", hours=2, seed=5))
    assert json.loads(json.dumps(result)) == result
    assert result["policy"] == "circular"
    assert result["seed"] == 5
    assert result["simulated_hours"] == 2
    assert result["warmup_hours"] == pytest.approx(0.1)
    assert result["measured_hours"] == pytest.approx(1.9)
    assert 1500 < result["calls"] < 2300
    assert result["abandoned"] == 0
    assert 0 < result["p_wait"] < 1
    assert 0 < result["service_level"] <= 1
    assert result["asa_seconds"] > 0
    assert 0.7 < result["occupancy"] < 0.95
    assert set(result["standard_errors"]) == set(KEYS)


class _WithWrapUp:
    """The real engine, but the group gets a wrap-up (exercises the driver's timer path)."""

    def __init__(self, seed: int, wrap_up: float) -> None:
        self.engine = AcdEngine(seed=seed)
        self.wrap_up = wrap_up
        self.timers = 0

    def handle(self, event: Event, now: float) -> list[Any]:
        if isinstance(event, GroupConfigured):
            from dataclasses import replace

            queue = replace(event.group.queue, wrap_up=self.wrap_up)
            event = GroupConfigured(group=replace(event.group, queue=queue))
        return self.engine.handle(event, now)

    def next_deadline(self) -> float | None:
        return self.engine.next_deadline()

    def on_timer(self, now: float) -> list[Any]:
        self.timers += 1
        return self.engine.on_timer(now)


def test_engine_timers_are_driven() -> None:
    engines: list[_WithWrapUp] = []

    def factory(seed: int) -> Engine:
        engines.append(_WithWrapUp(seed, wrap_up=10.0))
        return engines[-1]

    p = params(40, "uniform", hours=3, seed=11)
    result = simulate(p, factory)
    assert engines[0].timers > 1000
    assert result["unfinished"] == 0
    assert result["calls"] == result["answered"]
    expected = reference(p, wrap_up=10.0)
    for key in ("p_wait", "asa_seconds", "service_level"):
        assert result[key] == pytest.approx(expected[key], abs=FLOAT_SLACK), key


def test_overloaded_queue_still_finishes() -> None:
    result = simulate(params(30, "regular", hours=1, seed=2))
    assert result["unfinished"] == 0
    assert result["calls"] == result["answered"]
    assert result["p_wait"] > 0.9
    assert result["occupancy"] > 0.95


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"agents": 0}, "agents must be between 1 and"),
        ({"agents": 2.5}, "agents must be a whole number"),
        ({"agents": True}, "agents must be a whole number"),
        ({"calls_per_hour": 0}, "calls_per_hour must be a positive number"),
        ({"calls_per_hour": math.inf}, "calls_per_hour must be a positive number"),
        ({"aht": -1}, "aht must be a positive number"),
        ({"hours": 0}, "hours must be a positive number"),
        ({"threshold": -1}, "threshold must be a number of seconds >= 0"),
        ({"policy": "random"}, "unknown policy 'random'; choose one of: simultaneous"),
        ({"warmup_hours": 5}, "warmup_hours must be >= 0 and less than hours"),
        ({"calls_per_hour": 1e6, "hours": 100}, "too many"),
    ],
)
def test_invalid_params(change: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"agents": 40, "calls_per_hour": 1000, "aht": 120, "hours": 2}
    values.update(change)
    with pytest.raises(ValueError, match=message):
        SimulationParams(**values)


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--agents", "40", "--calls-per-hour", "1000", "--aht", "120"]
    assert main([*argv, "--hours", "2", "--seed", "9", "--policy", "regular", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == simulate(params(40, "regular", hours=2, seed=9))


def test_cli_rejects_bad_policy(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--agents", "40", "--calls-per-hour", "1000", "--aht", "120"]
    assert main([*argv, "--policy", "random"]) == 2
    assert "helin simulate: unknown policy 'random'" in capsys.readouterr().err
