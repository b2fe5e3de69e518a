"""What the managers' group endpoints take and give.

Changes are written as in a provisioning file (``docs/provisioning.md``), checked by the same
models: queue settings (``QueueSpec``), overflow actions (``OverflowSpec``), opening hours
(``"mon-fri": "08:00-17:00"``) and dated exceptions (``ExceptionSpec``). A detail read back
can be sent again unchanged.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from helin.acd.calendar import Range
from helin.acd.model import OverflowKind, Policy
from helin.api.schemas.codes import CodePublic
from helin.api.schemas.devices import DeviceStatus
from helin.store.provisioning.schema import (
    Days,
    ExceptionSpec,
    GroupSpec,
    OverflowSpec,
    QueueSpec,
    Ranges,
    Spec,
    Text,
)
from helin.store.tables.enums import OverrideMode

_RANGES_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "examples": ["08:00-12:00, 13:00-17:00", "closed"]},
        {"type": "array", "items": {"type": "string", "examples": ["08:00-17:00"]}},
    ]
}
HoursText = Annotated[Ranges, WithJsonSchema(_RANGES_SCHEMA)]
"""Ranges as written: ``"08:00-17:00"``, ``"08:00-12:00, 13:00-17:00"``, a list of such
strings, or ``closed``."""
DaysText = Annotated[Days, WithJsonSchema({"type": "string", "examples": ["mon-fri", "sat,sun"]})]


class AgentCounts(BaseModel):
    """Members logged in to the group, and of those, who can take a call or is on one."""

    logged_in: int
    available: int
    busy: int
    """On a call: a group call or one of their own."""
    paused: int = 0


class GroupSummary(BaseModel):
    id: int
    name: str
    numbers: list[str]
    policy: Policy
    override: OverrideMode | None
    """A manager's manual override; None follows the calendar."""
    open: bool | None
    """Open now, from the running engine (None when the engine does not serve the group)."""
    queued: int
    """Callers waiting, ringing included."""
    longest_wait: float
    """Seconds the longest-waiting caller has waited."""
    agents: AgentCounts


class MemberPublic(BaseModel):
    user_id: int
    username: str
    name: str
    order: int
    weight: int
    priority: int = 1
    """The agent's order across their groups (1 first)."""
    logged_in: bool
    state: str
    """on_call, ringing, busy (own call), wrap_up, dnd, paused, unreachable or available."""
    devices: list[DeviceStatus]
    pause: str | None = None
    """The pause reason's name while paused (or while a pause waits for a call to end)."""


class ActionPublic(BaseModel):
    action: OverflowKind
    target: str | None
    """forward_number: the number; forward_group: the group's name."""
    clip: str | None


class OverflowPublic(BaseModel):
    closed: ActionPublic
    timeout: ActionPublic
    full: ActionPublic
    no_agents: ActionPublic


class ExceptionPublic(BaseModel):
    date: date
    hours: list[str]
    """Opening ranges that day; none: closed all day."""
    note: str


class GroupDetail(GroupSummary):
    timezone: str
    holidays: str | None
    """Country whose public holidays close the group."""
    hours: dict[str, list[str]]
    """Weekly opening ranges per day (``mon`` ... ``sun``); a day not listed is closed."""
    exceptions: list[ExceptionPublic]
    queue: QueueSpec
    overflow: OverflowPublic
    members: list[MemberPublic]
    dispositions: list[CodePublic] = []
    """The group's disposition codes, retired ones included."""


class CandidatePublic(BaseModel):
    user_id: int
    username: str
    name: str
    member: bool
    """Already an agent of this group."""


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    policy: Policy = Policy.UNIFORM


class GroupUpdate(Spec):
    """Only the fields given change; in ``queue`` and ``overflow`` too, only the keys given.
    An overflow key set to null goes back to its default action."""

    name: Text | None = None
    policy: Policy | None = None
    queue: QueueSpec | None = None
    overflow: OverflowSpec | None = None

    @field_validator("name", "policy", "queue", "overflow")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class OverrideUpdate(Spec):
    mode: OverrideMode | None
    """open or closed whatever the calendar says; null follows the calendar again."""


class ExceptionIn(ExceptionSpec):
    hours: HoursText = ()


class CalendarUpdate(Spec):
    """The whole weekly calendar and its exceptions; the time zone and holiday country
    change only when given."""

    hours: dict[DaysText, HoursText]
    """Days (``mon``, ``mon-fri``, ``sat,sun``) -> ranges; days not named are closed."""
    exceptions: list[ExceptionIn] = Field(default_factory=list)
    timezone: str = "Europe/Tallinn"
    holidays: str | None = None
    """Country code whose public holidays close the group (``EE``); null: none."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return GroupSpec._zone(value)

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return GroupSpec._country(value)

    @field_validator("hours")
    @classmethod
    def _days_once(
        cls, hours: dict[tuple[int, ...], tuple[Range, ...]]
    ) -> dict[tuple[int, ...], tuple[Range, ...]]:
        return GroupSpec._days_once(hours) or {}

    @field_validator("exceptions")
    @classmethod
    def _dates_once(cls, exceptions: list[ExceptionIn]) -> list[ExceptionIn]:
        GroupSpec._dates_once(list(exceptions))
        return exceptions


class MemberUpdate(Spec):
    """Left out: a new member goes last with weight 1; an existing one keeps theirs."""

    order: int | None = Field(default=None, ge=0, le=1_000_000)
    """Ring order for the regular and circular policies (lower first)."""
    weight: int | None = Field(default=None, ge=0, le=1000)
    """Share for the weighted policy; 0 never picks the agent."""
    priority: int | None = Field(default=None, ge=1, le=9)
    """The agent's order across their groups (1 first; a new member: 1)."""
