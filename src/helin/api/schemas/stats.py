"""Statistics: a group's figures per period, with the method that computed them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class MethodPublic(BaseModel):
    """How the figures were computed (print it beside them)."""

    formula: str
    """``offered``, ``answered`` or ``abandoned_positive``."""
    service_level_formula: str
    threshold_seconds: int
    """T."""
    short_abandon_seconds: float
    target: float
    """The service-level target ``agents_needed`` staffs for."""
    formulas: dict[str, str]
    """Every other figure's formula."""


class FiguresPublic(BaseModel):
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
    """None where nothing was offered (and so on for every rate)."""
    abandon_rate: float | None
    service_level: float | None
    asa: float | None
    """Seconds."""
    average_abandon_time: float | None
    longest_wait: float
    aht: float | None
    agents_needed: int | None
    """Erlang C for the period's offered calls and AHT, at T and the target."""


class PeriodPublic(FiguresPublic):
    start: datetime
    """The period's local start, with the group's UTC offset then."""
    seconds: float
    """Its length (23 or 25 hours on a day the clocks change)."""


class GroupStatsPublic(BaseModel):
    group_id: int
    name: str
    timezone: str
    method: MethodPublic
    periods: list[PeriodPublic]
    total: FiguresPublic
    """The whole range (summed from the counts, not averaged from the periods)."""


class StatsPublic(BaseModel):
    since: date
    until: date
    """Inclusive."""
    interval: str
    weekdays: list[int]
    """ISO weekdays kept (1 is Monday)."""
    hours: list[int]
    """``[from, to)``: local hours kept."""
    groups: list[GroupStatsPublic]


class AgentFiguresPublic(BaseModel):
    """An agent's figures: state times in seconds (they add up to ``logged_in``), counts,
    rates (None where undefined)."""

    logged_in: float
    available: float
    ringing: float
    on_call: float
    wrap_up: float
    busy: float
    """On a direct or outbound call of the agent's own."""
    dnd: float
    paused: float
    """Logged in but paused, whatever the reason (by reason: ``paused_by_reason``)."""
    unreachable: float
    """Logged in with no phone that could ring."""
    other_group: float
    """Ringing, on a call or wrapping up for another group (in one group's figures)."""
    offers: int
    offers_answered: int
    missed: int
    """Offers not answered in time (``no_answer``) or declined."""
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


class AgentPeriodPublic(AgentFiguresPublic):
    start: datetime
    seconds: float


class PausedForPublic(BaseModel):
    reason_id: int
    code: int | None
    name: str | None
    """None for a reason that no longer exists."""
    seconds: float


class AgentRowPublic(BaseModel):
    agent_id: int
    name: str
    periods: list[AgentPeriodPublic]
    total: AgentFiguresPublic
    paused_by_reason: list[PausedForPublic] | None = None
    """The total's paused time split by reason, longest first: in the all-groups view
    (None in one group's view)."""


class AgentStatsPublic(BaseModel):
    since: date
    until: date
    """Inclusive."""
    interval: str
    group_id: int | None
    """The group whose calls the figures are for; None: all groups at once."""
    group_name: str | None
    timezone: str
    formulas: dict[str, str]
    agents: list[AgentRowPublic]


class CodeCountPublic(BaseModel):
    disposition_id: int | None
    """None: the answered calls no code was given."""
    code: int | None
    name: str | None
    calls: int


class GroupCodesPublic(BaseModel):
    group_id: int
    group_name: str
    answered: int
    """Answered call segments of the range (every one counts under one code, or uncoded)."""
    codes: list[CodeCountPublic]


class DispositionStatsPublic(BaseModel):
    since: date
    until: date
    """Inclusive, whole days of each group's time zone."""
    groups: list[GroupCodesPublic]
