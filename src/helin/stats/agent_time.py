"""Agents' records into interval counts: time in each state, offers, calls. Pure.

The ACD engine reports every change of an agent's state (``AgentStateRecord``) and every
log-in and log-out (``AgentEventRecord``), in time order. ``Track`` is what is known of one
agent between two of them: its state since when, and the groups it is logged in to. Each
record first lets the time since the last one elapse (``elapse``: split at the 15-minute
edges, counted in the state the agent was in, for each group it was logged in to and for
``ALL_GROUPS``), then changes the track. The store keeps each agent's track between batches
and adds the contributions to its rollups; ``helin stats rebuild`` replays the stored rows
through the same functions, so both give the same whole-microsecond sums.

Time paused is also kept by reason (``paused``: the pieces of the all-groups row's
``paused_us`` with the reason each was for), from the reason the ``PAUSED`` state names.

Offers, answered calls and calls out are counted in the interval they began (``offered``,
``answered``, ``called_out``). A finished wrap-up (from its start and end events, whatever
state it was hidden under) also adds its length to its group's ``wrap_up_sum`` (for the
group's AHT), in the interval where it began.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from helin.acd.model import AgentState, OfferResult
from helin.stats.metrics import ALL_GROUPS, AgentCounts
from helin.stats.rollup import INTERVAL_SECONDS

US = 1_000_000
INTERVAL_US = INTERVAL_SECONDS * US

Contribution = tuple[int, int, AgentCounts]
"""(group id or ``ALL_GROUPS``, interval start in POSIX seconds, counts)."""
Paused = tuple[int, int, int]
"""(pause reason id, interval start in POSIX seconds, microseconds paused for it)."""

_STATE_FIELD = {
    AgentState.AVAILABLE: "available_us",
    AgentState.RINGING: "ringing_us",
    AgentState.ON_CALL: "on_call_us",
    AgentState.WRAP_UP: "wrap_up_us",
    AgentState.BUSY: "busy_us",
    AgentState.DND: "dnd_us",
    AgentState.PAUSED: "paused_us",
    AgentState.UNREACHABLE: "unreachable_us",
}
_GROUP_STATES = (AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP)
"""States that concern one group's call."""
_OFFER_FIELD = {result: f"offers_{result.value}" for result in OfferResult}


@dataclass(frozen=True, slots=True)
class Track:
    """One agent as far as its records have been counted."""

    at: int
    """Microseconds (POSIX): everything before is counted."""
    state: AgentState
    state_group: int | None
    """The group whose call the state concerns (ringing, on a call, wrap-up)."""
    since: int
    """Microseconds: when ``state`` began."""
    groups: frozenset[int]
    """The groups the agent is logged in to."""
    wrap_up: tuple[int, int] | None = None
    """(group, began µs) of the wrap-up in progress."""
    pause_reason: int | None = None
    """The reason of the ``PAUSED`` state (None in any other state)."""

    @classmethod
    def new(cls, at: int) -> Track:
        """An agent seen for the first time: unreachable and logged in nowhere."""
        return cls(at, AgentState.UNREACHABLE, None, at, frozenset())


@dataclass(frozen=True, slots=True)
class WrapUp:
    """A finished wrap-up: its group, when it began (µs) and how long it lasted (µs)."""

    group: int
    began: int
    length: int


def interval_us(t: int) -> int:
    """The start (POSIX seconds) of the 15-minute interval holding ``t`` microseconds."""
    return (t // INTERVAL_US) * INTERVAL_SECONDS


def pieces(begin: int, end: int) -> list[tuple[int, int]]:
    """[begin, end) in microseconds cut at the interval edges: (interval start s, µs) each."""
    out: list[tuple[int, int]] = []
    t = begin
    while t < end:
        edge = min(end, (t // INTERVAL_US + 1) * INTERVAL_US)
        out.append((interval_us(t), edge - t))
        t = edge
    return out


def state_field(state: AgentState, state_group: int | None, group: int) -> str:
    """The ``AgentCounts`` field that time in ``state`` counts in for ``group``'s row."""
    if state in _GROUP_STATES and group != ALL_GROUPS and state_group != group:
        return "other_group_us"
    return _STATE_FIELD[state]


def elapse(track: Track, until: int) -> tuple[Track, list[Contribution]]:
    """Count the time from ``track.at`` to ``until`` in the agent's state."""
    if until <= track.at:
        return track, []
    out: list[Contribution] = []
    if track.groups:
        cut = pieces(track.at, until)
        for group in (*sorted(track.groups), ALL_GROUPS):
            name = state_field(track.state, track.state_group, group)
            for start, us in cut:
                out.append((group, start, AgentCounts(logged_in_us=us, **{name: us})))
    return replace(track, at=until), out


def paused(track: Track, until: int) -> list[Paused]:
    """The time from ``track.at`` to ``until`` that the all-groups row counts as paused, by
    reason: nothing unless the agent is paused (for a known reason) and logged in anywhere."""
    if track.state is not AgentState.PAUSED or track.pause_reason is None or not track.groups:
        return []
    return [(track.pause_reason, start, us) for start, us in pieces(track.at, until)]


def changed_state(
    track: Track, at: int, state: AgentState, group: int | None, reason: int | None = None
) -> tuple[Track, list[Contribution]]:
    """The agent's state became ``state`` (concerning ``group``; for ``PAUSED``, paused for
    ``reason``) at ``at``."""
    track, out = elapse(track, at)
    reason = reason if state is AgentState.PAUSED else None
    return replace(track, state=state, state_group=group, since=track.at, pause_reason=reason), out


def wrap_up_began(track: Track, at: int, group: int) -> Track:
    """A wrap-up after a call of ``group`` began (whatever state it is hidden under)."""
    return replace(track, wrap_up=(group, at))


def wrap_up_ended(track: Track, at: int) -> tuple[Track, WrapUp | None]:
    """The wrap-up in progress ended: what it adds to its group's wrap-up time."""
    if track.wrap_up is None:
        return track, None
    group, began = track.wrap_up
    return replace(track, wrap_up=None), WrapUp(group, began, max(0, at - began))


def logged(track: Track, at: int, group: int, logged_in: bool) -> tuple[Track, list[Contribution]]:
    """The agent logged in to (or out of) ``group`` at ``at``."""
    track, out = elapse(track, at)
    groups = track.groups | {group} if logged_in else track.groups - {group}
    return replace(track, groups=groups), out


def _both(group: int, at: int, counts: AgentCounts) -> list[Contribution]:
    start = interval_us(at)
    return [(group, start, counts), (ALL_GROUPS, start, counts)]


def offered(group: int, started: int, result: OfferResult) -> list[Contribution]:
    """One ring of the agent with a call of ``group``, begun at ``started`` µs."""
    return _both(group, started, AgentCounts(offers=1, **{_OFFER_FIELD[result]: 1}))


def answered(group: int, answered_at: int, ended_at: int) -> list[Contribution]:
    """A call of ``group`` the agent talked on from ``answered_at`` to ``ended_at`` (µs)."""
    talk = max(0, ended_at - answered_at)
    return _both(group, answered_at, AgentCounts(answered=1, talk_us=talk))


def called_out(group: int, at: int) -> list[Contribution]:
    """A call out by the agent presenting ``group``'s number, placed at ``at`` µs."""
    return _both(group, at, AgentCounts(outbound=1))
