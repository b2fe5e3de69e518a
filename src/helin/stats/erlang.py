"""Erlang C staffing figures for an M/M/c queue: Poisson arrivals, exponential handle times.

Traffic intensity ``A = calls_per_hour * aht / 3600`` (Erlangs). With ``c`` agents:

- Erlang B by the recurrence ``B(0) = 1``, ``B(k) = A B(k-1) / (k + A B(k-1))``, which stays
  in [0, 1] and never forms a factorial, so thousands of agents are fine;
- probability of waiting (Erlang C) ``C = c B / (c - A (1 - B))``;
- average speed of answer ``ASA = C * AHT / (c - A)``;
- service level ``SL(t) = 1 - C exp(-(c - A) t / AHT)``;
- occupancy ``A / c``.

The queue is stable only when ``c > A``; below that the waiting line grows without bound and
every figure here is undefined, so the functions raise ValueError.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

SECONDS_PER_HOUR = 3600.0
MAX_AGENTS = 1_000_000
"""Upper bound for the staffing search (guards against absurd targets)."""


@dataclass(frozen=True, kw_only=True)
class ErlangFigures:
    """Steady-state figures of one staffing level."""

    agents: int
    """Number of agents serving the queue."""
    p_wait: float
    """Probability that a caller waits at all (Erlang C)."""
    asa_seconds: float
    """Average speed of answer over all answered calls, seconds."""
    service_level: float
    """Fraction of callers answered within the threshold."""
    occupancy: float
    """Fraction of agent time spent on calls."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def traffic_intensity(calls_per_hour: float, aht: float) -> float:
    """Offered load in Erlangs; raises ValueError for non-positive or non-finite inputs."""
    _check_positive("calls_per_hour", calls_per_hour)
    _check_positive("aht", aht)
    return calls_per_hour * aht / SECONDS_PER_HOUR


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability of an M/M/c/c system (stable recurrence, no factorials)."""
    _check_positive("traffic", traffic)
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def _erlang_c_from_b(traffic: float, agents: int, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability of waiting in M/M/c; raises ValueError when ``agents <= traffic``."""
    _check_stable(traffic, agents)
    return _erlang_c_from_b(traffic, agents, erlang_b(traffic, agents))


def _figures(
    traffic: float, agents: int, p_wait: float, aht: float, threshold: float
) -> ErlangFigures:
    spare = agents - traffic
    return ErlangFigures(
        agents=agents,
        p_wait=p_wait,
        asa_seconds=p_wait * aht / spare,
        service_level=1.0 - p_wait * math.exp(-spare * threshold / aht),
        occupancy=traffic / agents,
    )


def figures(*, calls_per_hour: float, aht: float, threshold: float, agents: int) -> ErlangFigures:
    """Erlang C figures for ``agents`` agents; ValueError on bad input or an unstable queue."""
    traffic = traffic_intensity(calls_per_hour, aht)
    _check_threshold(threshold)
    return _figures(traffic, agents, erlang_c(traffic, agents), aht, threshold)


def asa(*, calls_per_hour: float, aht: float, agents: int) -> float:
    """Average speed of answer, seconds."""
    return figures(calls_per_hour=calls_per_hour, aht=aht, threshold=0.0, agents=agents).asa_seconds


def service_level(*, calls_per_hour: float, aht: float, threshold: float, agents: int) -> float:
    """Fraction of callers answered within ``threshold`` seconds."""
    return figures(
        calls_per_hour=calls_per_hour, aht=aht, threshold=threshold, agents=agents
    ).service_level


def occupancy(*, calls_per_hour: float, aht: float, agents: int) -> float:
    """Fraction of agent time on calls (``A / c``); ValueError when the queue is unstable."""
    traffic = traffic_intensity(calls_per_hour, aht)
    _check_stable(traffic, agents)
    return traffic / agents


def fewest_agents(
    *, calls_per_hour: float, aht: float, threshold: float, target: float
) -> ErlangFigures:
    """Figures for the smallest number of agents whose service level reaches ``target``."""
    traffic = traffic_intensity(calls_per_hour, aht)
    _check_threshold(threshold)
    _check_target(target)
    agents = math.floor(traffic) + 1
    b = erlang_b(traffic, agents)
    while agents <= MAX_AGENTS:
        result = _figures(traffic, agents, _erlang_c_from_b(traffic, agents, b), aht, threshold)
        if result.service_level >= target:
            return result
        agents += 1
        b = traffic * b / (agents + traffic * b)
    raise ValueError(f"no staffing up to {MAX_AGENTS} agents reaches the target {target}")


def erlang_report(
    *,
    calls_per_hour: float,
    aht: float,
    threshold: float,
    target: float,
    agents: int | None = None,
) -> dict[str, Any]:
    """The ``helin erlang`` figures as a JSON-able dict.

    Top level: the inputs (``calls_per_hour``, ``aht``, ``threshold``, ``target``,
    ``traffic_erlangs``) and the figures of the fewest agents meeting the target (``agents``,
    ``p_wait``, ``asa_seconds``, ``service_level``, ``occupancy``). With ``agents`` given, a
    nested ``"given"`` object holds the same five figures for that many agents.
    """
    best = fewest_agents(calls_per_hour=calls_per_hour, aht=aht, threshold=threshold, target=target)
    report: dict[str, Any] = {
        "calls_per_hour": calls_per_hour,
        "aht": aht,
        "threshold": threshold,
        "target": target,
        "traffic_erlangs": traffic_intensity(calls_per_hour, aht),
        **best.as_dict(),
    }
    if agents is not None:
        report["given"] = figures(
            calls_per_hour=calls_per_hour, aht=aht, threshold=threshold, agents=agents
        ).as_dict()
    return report


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value}")


def _check_threshold(threshold: float) -> None:
    if not (math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a number of seconds >= 0, got {threshold}")


def _check_target(target: float) -> None:
    if not (0 < target < 1):
        raise ValueError(f"target must be strictly between 0 and 1, got {target}")


def _check_stable(traffic: float, agents: int) -> None:
    if agents <= traffic:
        raise ValueError(
            f"{agents} agents cannot carry {traffic:.4g} Erlangs of traffic: the queue is "
            f"unstable (waits grow without bound); need more than {traffic:.4g} agents"
        )
