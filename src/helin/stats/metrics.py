"""Every figure a manager reads, defined once: counts per interval, and metrics over them.

A group's traffic is kept as ``GroupCounts`` per group and 15-minute interval (the rollups);
any longer period is the sum of its intervals (``GroupCounts.__add__``), and every metric is
computed from such a sum, never averaged from per-interval metrics. Each metric has its
formula in ``FORMULAS``, which the views and exports print beside it.

Definitions (a *call* here is one call's stay in one group, a segment: a call that overflows
from group A to group B counts in both):

- A call belongs to the interval in which it **arrived** at the group, including the talk
  and wait it has after the interval's end.
- **Arrived**: every call that reached the group. **Closed**: arrived while the group was
  closed. **Offered** = arrived − closed: calls that entered the group's queue handling.
- Every offered call ends exactly one way: **answered** by an agent, **abandoned** (the caller
  hung up while waiting), **overflowed** (timeout, queue full, no agents; sent on to a number,
  a group or a clip), or **failed** (helin could not carry it).
- **Wait**: from arrival until answered, or until the caller left the queue.
- **Within T** means wait ≤ T (an answer or abandon at exactly T is within T). Waits are kept
  in fixed buckets with these upper edges, so T may be any of them: ``THRESHOLDS``.
- A **short abandon** is an abandon whose wait is under the group's short-abandon threshold
  (default 5 s; exactly 5 s is not short). Short abandons are left out of the abandon rate and
  of the default service level, as most contact-center products do: a caller who hangs up
  within seconds was not kept waiting.
- **Talk**: from answer until the call ended (hold included, and also shown on its own).
  **Handle time** = talk + wrap-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

THRESHOLDS: tuple[int, ...] = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
"""Upper edges (seconds, inclusive) of the wait buckets; one more bucket holds longer waits."""
BUCKETS = len(THRESHOLDS) + 1
DEFAULT_THRESHOLD = 20
"""The service-level threshold T when a view names none."""
DEFAULT_SHORT_ABANDON = 5.0
"""Seconds: abandons under this are short (a group may set its own)."""


class SlFormula(StrEnum):
    """How service level counts; every view names the one it used."""

    OFFERED = "offered"
    """Answered within T / (offered − short abandons). The default."""
    ANSWERED = "answered"
    """Answered within T / answered: abandoned calls do not count at all."""
    ABANDONED_POSITIVE = "abandoned_positive"
    """(Answered within T + abandoned within T) / offered: an early abandon counts as served."""


SL_FORMULAS: dict[SlFormula, str] = {
    SlFormula.OFFERED: "answered within T / (offered − short abandons)",
    SlFormula.ANSWERED: "answered within T / answered",
    SlFormula.ABANDONED_POSITIVE: "(answered within T + abandoned within T) / offered",
}


def bucket_of(wait: float) -> int:
    """The index of the wait bucket that ``wait`` (seconds) falls in."""
    for index, edge in enumerate(THRESHOLDS):
        if wait <= edge:
            return index
    return len(THRESHOLDS)


def _zeros() -> tuple[int, ...]:
    return (0,) * BUCKETS


@dataclass(slots=True)
class GroupCounts:
    """What happened in one group in one interval (or, summed, any longer period).

    A value: nothing assigns to a field once it is made (sums make new counts). Not
    ``frozen``, because a frozen dataclass sets each field through ``object.__setattr__``,
    which makes one seven times slower to construct, and a day's view of every group reads
    thousands of them. New fields go last: the 15-minute rows keep the counts as one vector in
    this order (``helin.store.tables.statistics.pack``)."""

    arrived: int = 0
    closed: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    """Abandons under the group's short-abandon threshold (a subset of ``abandoned``)."""
    overflowed_timeout: int = 0
    overflowed_full: int = 0
    overflowed_no_agents: int = 0
    failed: int = 0
    answered_waits: tuple[int, ...] = field(default_factory=_zeros)
    """Answered calls per wait bucket (``THRESHOLDS``)."""
    abandoned_waits: tuple[int, ...] = field(default_factory=_zeros)
    """Abandoned calls per wait bucket."""
    answered_wait_sum: float = 0.0
    abandoned_wait_sum: float = 0.0
    wait_max: float = 0.0
    """The longest wait of any offered call."""
    talk_sum: float = 0.0
    talk_max: float = 0.0
    hold_sum: float = 0.0
    wrap_up_sum: float = 0.0
    outbound: int = 0
    """Calls out presenting the group's number."""

    def __add__(self, other: GroupCounts) -> GroupCounts:
        values: dict[str, object] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name.endswith("_max"):
                values[f.name] = max(mine, theirs)
            elif isinstance(mine, tuple):
                values[f.name] = tuple(a + b for a, b in zip(mine, theirs, strict=True))
            else:
                values[f.name] = mine + theirs
        return GroupCounts(**values)  # type: ignore[arg-type]

    @property
    def offered(self) -> int:
        return self.arrived - self.closed

    @property
    def overflowed(self) -> int:
        return self.overflowed_timeout + self.overflowed_full + self.overflowed_no_agents


def within(waits: tuple[int, ...], threshold: int) -> int:
    """How many of the bucketed calls waited ``threshold`` seconds or less."""
    if threshold not in THRESHOLDS:
        raise ValueError(f"threshold must be one of {', '.join(map(str, THRESHOLDS))} seconds")
    return sum(waits[: THRESHOLDS.index(threshold) + 1])


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def answer_rate(c: GroupCounts) -> float | None:
    return _ratio(c.answered, c.offered)


def abandon_rate(c: GroupCounts) -> float | None:
    return _ratio(c.abandoned - c.short_abandoned, c.offered - c.short_abandoned)


def service_level(
    c: GroupCounts, threshold: int = DEFAULT_THRESHOLD, formula: SlFormula = SlFormula.OFFERED
) -> float | None:
    answered = within(c.answered_waits, threshold)
    if formula is SlFormula.OFFERED:
        return _ratio(answered, c.offered - c.short_abandoned)
    if formula is SlFormula.ANSWERED:
        return _ratio(answered, c.answered)
    return _ratio(answered + within(c.abandoned_waits, threshold), c.offered)


def asa(c: GroupCounts) -> float | None:
    """Average speed of answer, seconds."""
    return _ratio(c.answered_wait_sum, c.answered)


def average_abandon_time(c: GroupCounts) -> float | None:
    return _ratio(c.abandoned_wait_sum, c.abandoned)


def aht(c: GroupCounts) -> float | None:
    """Average handle time, seconds: talk (hold included) and wrap-up per answered call."""
    return _ratio(c.talk_sum + c.wrap_up_sum, c.answered)


@dataclass(slots=True)
class AgentCounts:
    """What one agent did for one group in one interval (or, summed, any longer period).

    Times are whole microseconds, so sums are exact however they are grouped. Every state
    time lies within the agent's log-in to the group: ``logged_in_us`` is the sum of the nine
    states (``STATE_FIELDS``), one at a time, taken from ``helin.acd.views.agent_state``. In
    a group's row, ringing, on a call and wrap-up count only that group's calls; the agent's
    calls of another group count as ``other_group_us``. The row of ``ALL_GROUPS`` is the agent
    over every group at once: logged in to any, and each state whichever group's call it was.
    A value, not ``frozen``, as ``GroupCounts``.
    """

    logged_in_us: int = 0
    available_us: int = 0
    ringing_us: int = 0
    on_call_us: int = 0
    wrap_up_us: int = 0
    busy_us: int = 0
    """On a direct or outbound call of the agent's own."""
    dnd_us: int = 0
    paused_us: int = 0
    """Logged in but paused (any reason); by reason in ``agent_pauses``."""
    unreachable_us: int = 0
    """No phone of the agent could ring."""
    other_group_us: int = 0
    offers: int = 0
    """Rings of the agent with a call, counted when the ring began."""
    offers_answered: int = 0
    offers_no_answer: int = 0
    offers_declined: int = 0
    offers_unreachable: int = 0
    offers_answered_elsewhere: int = 0
    offers_caller_gone: int = 0
    offers_withdrawn: int = 0
    answered: int = 0
    """Calls the agent talked on, counted when answered."""
    talk_us: int = 0
    """Talk of those calls (answer to hang-up)."""
    outbound: int = 0
    """Calls out presenting the group's number."""

    def __add__(self, other: AgentCounts) -> AgentCounts:
        return AgentCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(AgentCounts))
        )

    @property
    def missed(self) -> int:
        """Offers the agent let ring out or declined (what bounces an agent)."""
        return self.offers_no_answer + self.offers_declined


STATE_FIELDS = (
    "available_us",
    "ringing_us",
    "on_call_us",
    "wrap_up_us",
    "busy_us",
    "dnd_us",
    "paused_us",
    "unreachable_us",
    "other_group_us",
)
"""The states that make up an agent's logged-in time, one at a time."""
ALL_GROUPS = 0
"""The group id of an agent's figures over all its groups at once."""


def occupancy(c: AgentCounts) -> float | None:
    busy = c.ringing_us + c.on_call_us + c.wrap_up_us
    return _ratio(busy, busy + c.available_us)


def agent_answer_rate(c: AgentCounts) -> float | None:
    return _ratio(c.offers_answered, c.offers)


def agent_aht(c: AgentCounts) -> float | None:
    """Seconds: the agent's talk and wrap-up per call answered."""
    return _ratio((c.talk_us + c.wrap_up_us) / 1e6, c.answered)


FORMULAS: dict[str, str] = {
    "offered": "arrived − closed",
    "answered": "offered calls an agent answered",
    "abandoned": "offered calls whose caller hung up while waiting",
    "overflowed": "offered calls sent on by timeout, full queue or no agents",
    "answer_rate": "answered / offered",
    "abandon_rate": "(abandoned − short abandons) / (offered − short abandons)",
    "asa": "Σ wait of answered calls / answered",
    "average_abandon_time": "Σ wait of abandoned calls / abandoned",
    "longest_wait": "the longest wait of any offered call",
    "aht": "(Σ talk + Σ wrap-up) / answered",
    "occupancy": "(ringing + on call + wrap-up) / (ringing + on call + wrap-up + available)",
    "agent_answer_rate": "offers answered / offers",
    "missed": "offers not answered in time or declined",
    "agent_aht": "(Σ talk + wrap-up time) / calls answered",
    "logged_in": "available + ringing + on call + wrap-up + busy + DND + paused + unreachable "
    "+ other group",
    "agents_needed": "Erlang C: fewest agents whose service level at T reaches the target, "
    "for the interval's offered calls and AHT",
}
