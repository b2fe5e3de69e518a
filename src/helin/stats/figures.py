"""The figures of one period of a group, as every view and export shows them.

``group_figures`` computes, from a period's summed ``GroupCounts``, every metric of
``metrics`` and the Erlang C staffing for that period's traffic: the fewest agents whose
service level at T would reach the group's target, given the offered calls per hour and the
AHT actually seen (none when nothing was answered, or the period is empty).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from helin.stats import erlang
from helin.stats import metrics as m


@dataclass(frozen=True, kw_only=True, slots=True)
class Method:
    """How the figures were computed; every view and export prints it."""

    threshold: int
    """T, seconds."""
    formula: m.SlFormula
    short_abandon: float
    """Seconds: abandons under this are short."""
    target: float
    """The service-level target "agents needed" staffs for."""

    def describe(self) -> dict[str, Any]:
        return {
            "service_level_formula": m.SL_FORMULAS[self.formula],
            "formula": self.formula.value,
            "threshold_seconds": self.threshold,
            "short_abandon_seconds": self.short_abandon,
            "target": self.target,
            "formulas": m.FORMULAS,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupFigures:
    arrived: int
    closed: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed_timeout: int
    overflowed_full: int
    overflowed_no_agents: int
    failed: int
    outbound: int
    answered_within: int
    """Answered within T."""
    answer_rate: float | None
    abandon_rate: float | None
    service_level: float | None
    asa: float | None
    average_abandon_time: float | None
    longest_wait: float
    aht: float | None
    agents_needed: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agents_needed(offered: int, aht: float | None, seconds: float, method: Method) -> int | None:
    """Erlang C: the fewest agents meeting the target for this traffic (None if unknown)."""
    if offered <= 0 or not aht or seconds <= 0:
        return None
    calls_per_hour = offered * 3600.0 / seconds
    try:
        return erlang.fewest_agents(
            calls_per_hour=calls_per_hour, aht=aht, threshold=method.threshold, target=method.target
        ).agents
    except ValueError:
        return None


def group_figures(counts: m.GroupCounts, seconds: float, method: Method) -> GroupFigures:
    aht = m.aht(counts)
    return GroupFigures(
        arrived=counts.arrived,
        closed=counts.closed,
        offered=counts.offered,
        answered=counts.answered,
        abandoned=counts.abandoned,
        short_abandoned=counts.short_abandoned,
        overflowed_timeout=counts.overflowed_timeout,
        overflowed_full=counts.overflowed_full,
        overflowed_no_agents=counts.overflowed_no_agents,
        failed=counts.failed,
        outbound=counts.outbound,
        answered_within=m.within(counts.answered_waits, method.threshold),
        answer_rate=m.answer_rate(counts),
        abandon_rate=m.abandon_rate(counts),
        service_level=m.service_level(counts, method.threshold, method.formula),
        asa=m.asa(counts),
        average_abandon_time=m.average_abandon_time(counts),
        longest_wait=counts.wait_max,
        aht=aht,
        agents_needed=agents_needed(counts.offered, aht, seconds, method),
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentFigures:
    """One agent's figures for a period: state times in seconds, counts, and rates."""

    logged_in: float
    available: float
    ringing: float
    on_call: float
    wrap_up: float
    busy: float
    """On a direct or outbound call of the agent's own."""
    dnd: float
    paused: float
    unreachable: float
    other_group: float
    """Ringing, on a call or wrapping up for another group (in one group's figures)."""
    offers: int
    offers_answered: int
    missed: int
    """Offers not answered in time, or declined."""
    offers_no_answer: int
    offers_declined: int
    offers_unreachable: int
    offers_answered_elsewhere: int
    offers_caller_gone: int
    offers_withdrawn: int
    answered: int
    talk: float
    outbound: int
    occupancy: float | None
    agent_answer_rate: float | None
    aht: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


AGENT_STATES = (
    "available",
    "ringing",
    "on_call",
    "wrap_up",
    "busy",
    "dnd",
    "paused",
    "unreachable",
)
"""The state times a chart stacks (with ``other_group``), which add up to ``logged_in``."""


def agent_figures(counts: m.AgentCounts) -> AgentFigures:
    def seconds(us: int) -> float:
        return us / 1_000_000

    return AgentFigures(
        logged_in=seconds(counts.logged_in_us),
        available=seconds(counts.available_us),
        ringing=seconds(counts.ringing_us),
        on_call=seconds(counts.on_call_us),
        wrap_up=seconds(counts.wrap_up_us),
        busy=seconds(counts.busy_us),
        dnd=seconds(counts.dnd_us),
        paused=seconds(counts.paused_us),
        unreachable=seconds(counts.unreachable_us),
        other_group=seconds(counts.other_group_us),
        offers=counts.offers,
        offers_answered=counts.offers_answered,
        missed=counts.missed,
        offers_no_answer=counts.offers_no_answer,
        offers_declined=counts.offers_declined,
        offers_unreachable=counts.offers_unreachable,
        offers_answered_elsewhere=counts.offers_answered_elsewhere,
        offers_caller_gone=counts.offers_caller_gone,
        offers_withdrawn=counts.offers_withdrawn,
        answered=counts.answered,
        talk=seconds(counts.talk_us),
        outbound=counts.outbound,
        occupancy=m.occupancy(counts),
        agent_answer_rate=m.agent_answer_rate(counts),
        aht=m.agent_aht(counts),
    )
