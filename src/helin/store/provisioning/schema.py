"""The provisioning file's shape, as pydantic models; ``docs/provisioning.md`` describes it.

Every model forbids unknown fields. Models only check what one value can tell; whether a
member exists or a number is free is checked when the file is applied.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from helin.acd.calendar import MINUTES_PER_DAY, Range, format_range, parse_hhmm
from helin.acd.model import NoAgentsAction, OverflowKind, Policy, QueueSettings
from helin.stats.metrics import DEFAULT_SHORT_ABANDON, DEFAULT_THRESHOLD, THRESHOLDS
from helin.store.tables.enums import DeviceKind, OverrideMode

_Q = QueueSettings()
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_WEEK: dict[int, tuple[Range, ...]] = {day: ((0, MINUTES_PER_DAY),) for day in range(7)}
"""The hours of a new group that names none: open around the clock."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9][0-9]{5,14}$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


def _e164(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"put phone numbers in quotes: YAML read {value} as a number")
    if isinstance(value, str) and not _E164.match(value):
        raise ValueError(f'{value!r} is not an E.164 number like "+3726001000"')
    return value


def _name(value: Any) -> Any:
    if isinstance(value, str) and not _NAME.match(value):
        raise ValueError(f"{value!r} must be 1-64 letters, digits or . _ @ + - (no spaces)")
    return value


def _email(value: Any) -> Any:
    if isinstance(value, str) and not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _days(value: Any) -> tuple[int, ...]:
    """``"mon-fri"``, ``"sat, sun"`` or ``"wed"`` -> weekday numbers (0 = Monday)."""
    if not isinstance(value, str):
        raise ValueError("a day must be written like mon, mon-fri or sat,sun")
    days: list[int] = []
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{value!r}: days are {', '.join(DAYS)}, as mon, mon-fri or sat,sun")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise ValueError(f"{value!r}: a day range must run forward, like mon-fri")
        days.extend(range(start, end + 1))
    if len(set(days)) != len(days):
        raise ValueError(f"{value!r} names a day twice")
    return tuple(days)


def _ranges(value: Any) -> tuple[Range, ...]:
    """``"08:00-12:00, 13:00-17:00"``, a list of such strings, or ``closed`` -> ranges."""
    if value is None or value == "closed" or value is False:
        return ()
    items = value if isinstance(value, list) else [value]
    ranges: list[Range] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError('hours must be written like "08:00-17:00" (in quotes) or closed')
        for part in item.split(","):
            start, sep, end = part.strip().partition("-")
            if not sep:
                raise ValueError(f"{part.strip()!r} must look like 08:00-17:00")
            rng = (parse_hhmm(start.strip()), parse_hhmm(end.strip()))
            if rng[0] >= rng[1]:
                raise ValueError(f"{part.strip()} must start before it ends")
            ranges.append(rng)
    ranges.sort()
    for before, after in pairwise(ranges):
        if after[0] < before[1]:
            raise ValueError(f"{format_range(before)} and {format_range(after)} overlap")
    return tuple(ranges)


E164 = Annotated[str, BeforeValidator(_e164)]
Name = Annotated[str, BeforeValidator(_name)]
Email = Annotated[str, BeforeValidator(_email), Field(max_length=254)]
Days = Annotated[tuple[int, ...], BeforeValidator(_days)]
Ranges = Annotated[tuple[tuple[int, int], ...], BeforeValidator(_ranges)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceSpec(Spec):
    kind: DeviceKind
    """mobile, softphone or ip_phone."""
    sip_username: Name
    """The username the device registers with; unique across the service."""
    password: str | None = Field(default=None, min_length=8)
    """SIP password; required for a new device. Only its HA1s are stored."""
    label: str = Field(default="", max_length=100)


class UserSpec(Spec):
    username: Name
    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: str | None = Field(default=None, min_length=8)
    """Web password; only its argon2 hash is stored."""
    rights: list[Literal["tenant_admin", "manager", "agent"]] = []
    disabled: bool = False
    presented_number: E164 | None = None
    """A group number of the tenant shown on outbound calls."""
    numbers: list[E164] = []
    """The user's own (direct) numbers."""
    devices: list[DeviceSpec] = []


class OperatorSpec(Spec):
    username: Name
    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: str | None = Field(default=None, min_length=8)
    disabled: bool = False


_SIP_URI = re.compile(r"sips?:([^@\s]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(;\S*)?\Z")
"""A SIP URI the switch can send to (its full grammar is the switch's business)."""


class DigestSpec(Spec):
    username: Name
    password: str = Field(min_length=8)
    realm: str = Field(default="helin", min_length=1, max_length=253)


class TrunkSpec(Spec):
    name: Text
    peers: list[str] = Field(min_length=1)
    """Host names, IP addresses or CIDR networks the trunk's requests come from."""
    digest: DigestSpec | None = None
    outbound: str | None = Field(default=None, max_length=255)
    """Where helin sends calls out through the trunk: a SIP URI such as
    ``sip:10.0.0.5:5060;transport=udp``. Without it, users cannot call out."""
    enabled: bool = True

    @field_validator("outbound")
    @classmethod
    def _outbound(cls, outbound: str | None) -> str | None:
        if outbound is not None and not _SIP_URI.match(outbound):
            raise ValueError(f"{outbound!r} is not a SIP URI (sip:host:port)")
        return outbound

    @field_validator("peers")
    @classmethod
    def _peers(cls, peers: list[str]) -> list[str]:
        for peer in peers:
            try:
                ipaddress.ip_network(peer, strict=False)
            except ValueError:
                if "/" in peer or not _DOMAIN.match(peer):
                    raise ValueError(f"{peer!r} is not a host name, IP address or CIDR") from None
        if len(set(peers)) != len(peers):
            raise ValueError("an address is listed twice")
        return peers


class QueueSpec(Spec):
    ring_timeout: float = Field(default=_Q.ring_timeout, gt=0, le=600)
    wrap_up: float = Field(default=_Q.wrap_up, ge=0, le=3600)
    max_queue_length: int = Field(default=_Q.max_queue_length, ge=0, le=10000)
    max_wait: float = Field(default=_Q.max_wait, gt=0, le=86400)
    no_agents: NoAgentsAction = _Q.no_agents
    greeting_clip: str | None = _Q.greeting_clip
    greeting_in_full: bool = _Q.greeting_in_full
    comfort_clip: str | None = _Q.comfort_clip
    disposition_required: bool = _Q.disposition_required
    """Answered calls need a disposition code: the wrap-up waits for it."""
    wrap_up_max: float = Field(default=_Q.wrap_up_max, gt=0, le=3600)
    """Seconds a wrap-up waits for a required code at most."""
    whisper_clip: str | None = _Q.whisper_clip
    """Played to the agent who answers, before the caller is connected (None: none)."""
    comfort_interval: float = Field(default=_Q.comfort_interval, ge=0, le=3600)
    announce_position: bool = _Q.announce_position
    announce_wait: bool = _Q.announce_wait
    announce_interval: float = Field(default=_Q.announce_interval, gt=0, le=3600)
    bounce_after_missed: int = Field(default=_Q.bounce_after_missed, ge=0, le=100)
    service_level_threshold: int = DEFAULT_THRESHOLD
    """T of the group's service level, seconds (one of ``metrics.THRESHOLDS``)."""
    service_level_target: float = Field(default=0.8, gt=0, lt=1)
    """The share of calls to answer within T ("agents needed" staffs for it)."""
    short_abandon: float = Field(default=DEFAULT_SHORT_ABANDON, ge=0, le=60)
    """Seconds: a caller who hangs up sooner is a short abandon (left out of the rates)."""

    @field_validator("service_level_threshold")
    @classmethod
    def _threshold(cls, value: int) -> int:
        if value not in THRESHOLDS:
            raise ValueError(f"one of {', '.join(map(str, THRESHOLDS))} seconds")
        return value


class ActionSpec(Spec):
    action: OverflowKind
    target: str | None = None
    """forward_number: an E.164 number; forward_group: a group name of the same tenant."""
    clip: str | None = None

    @model_validator(mode="after")
    def _target(self) -> ActionSpec:
        forwards = (OverflowKind.FORWARD_NUMBER, OverflowKind.FORWARD_GROUP)
        if self.action in forwards and not self.target:
            raise ValueError(f"action {self.action.value} needs a target")
        if self.action not in forwards and self.target is not None:
            raise ValueError(f"action {self.action.value} takes no target")
        if self.action is OverflowKind.FORWARD_NUMBER:
            _e164(self.target)
        return self


class OverflowSpec(Spec):
    closed: ActionSpec | None = None
    """While the group is closed (default: clip "closed", then end)."""
    timeout: ActionSpec | None = None
    full: ActionSpec | None = None
    no_agents: ActionSpec | None = None


OVERFLOW_COLUMNS = {
    "closed": "closed_action",
    "timeout": "on_timeout",
    "full": "on_full",
    "no_agents": "on_no_agents",
}
"""Overflow keys of the file -> the ``groups`` column prefix they set."""


def _member(value: Any) -> Any:
    return {"user": value} if isinstance(value, str) else value


class MemberSpec(Spec):
    user: Name
    order: int | None = None
    """Ring order; defaults to the member's position in the list."""
    weight: int = Field(default=1, ge=0, le=1000)
    priority: int = Field(default=1, ge=1, le=9)
    """The agent's order across their groups (1 first)."""


class ExceptionSpec(Spec):
    day: date = Field(alias="date")
    hours: Ranges = ()
    """Special hours; omitted or ``closed`` closes the whole day."""
    note: str = Field(default="", max_length=200)


class GroupSpec(Spec):
    name: Text
    numbers: list[E164] = []
    policy: Policy = Policy.SIMULTANEOUS
    timezone: str = "Europe/Tallinn"
    holidays: str | None = None
    """Country code whose public holidays close the group, e.g. EE."""
    hours: dict[Days, Ranges] | None = None
    exceptions: list[ExceptionSpec] = []
    queue: QueueSpec = QueueSpec()
    overflow: OverflowSpec = OverflowSpec()
    override: OverrideMode | None = None
    members: list[Annotated[MemberSpec, BeforeValidator(_member)]] = []
    dispositions: Annotated[list[CodeSpec], AfterValidator(unique_codes)] = []
    """The group's disposition codes; codes not listed are left as they are."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use e.g. Europe/Tallinn)") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in holiday_calendars.list_supported_countries():
            raise ValueError(f"no holiday calendar for country {value!r} (use e.g. EE)")
        return None if value is None else value.upper()

    def weekly(self) -> dict[int, tuple[Range, ...]]:
        """Weekday -> ranges, from ``hours`` (open around the clock when not given)."""
        if self.hours is None:
            return dict(ALL_WEEK)
        return {day: ranges for days, ranges in self.hours.items() for day in days if ranges}

    @field_validator("hours")
    @classmethod
    def _days_once(
        cls, hours: dict[tuple[int, ...], tuple[Range, ...]] | None
    ) -> dict[tuple[int, ...], tuple[Range, ...]] | None:
        seen: set[int] = set()
        for days in hours or {}:
            for day in days:
                if day in seen:
                    raise ValueError(f"{DAYS[day]} is given twice")
                seen.add(day)
        return hours

    @field_validator("exceptions")
    @classmethod
    def _dates_once(cls, exceptions: list[ExceptionSpec]) -> list[ExceptionSpec]:
        days = [exception.day for exception in exceptions]
        for day in days:
            if days.count(day) > 1:
                raise ValueError(f"{day.isoformat()} is given twice")
        return exceptions


class CodeSpec(Spec):
    """An entry of a numbered list: a company's pause reasons, a group's disposition codes."""

    code: int = Field(ge=1, le=99)
    """What agents dial after the feature code (``*42``, ``*6``); the entry's key in the file."""
    name: Text
    active: bool = True
    """False retires the entry (entries are never deleted)."""


def unique_codes(value: list[CodeSpec]) -> list[CodeSpec]:
    """A list with each code once."""
    codes = [entry.code for entry in value]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValueError(f"codes listed twice: {repeated}")
    return value


class TenantSpec(Spec):
    name: Text
    sip_domain: str
    """The company's SIP domain; the digest realm of its devices."""
    call_center: bool = False
    recording: bool = False
    recording_retention_days: Literal[30, 60] = 30
    users: list[UserSpec] = []
    groups: list[GroupSpec] = []
    pause_reasons: Annotated[list[CodeSpec], AfterValidator(unique_codes)] = []
    """Reasons not listed are left as they are."""

    @field_validator("sip_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name like example.helin.test")
        return value.lower()


class ProvisionSpec(Spec):
    version: Literal[1] = 1
    operators: list[OperatorSpec] = []
    trunks: list[TrunkSpec] = []
    tenants: list[TenantSpec] = []


def given(spec: BaseModel, name: str, created: bool) -> bool:
    """Whether ``spec.name`` is to be applied: always on a new object, else when written."""
    return created or name in spec.model_fields_set


def assign(obj: object, values: dict[str, Any]) -> bool:
    """Set the attributes of ``obj`` that differ from ``values``; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def wanted(spec: BaseModel, created: bool, fields: dict[str, str]) -> dict[str, Any]:
    """``column -> value`` for the spec fields (``field -> column``) to be applied."""
    return {col: getattr(spec, name) for name, col in fields.items() if given(spec, name, created)}


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "date_type": "must be a date like 2025-12-24",
    "date_parsing": "must be a date like 2025-12-24",
    "date_from_datetime_parsing": "must be a date like 2025-12-24",
    "string_pattern_mismatch": "is not in the expected form",
}
"""Messages for pydantic error types that need no context."""
_BOUNDS = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "too_short": "must have at least {min_length} item(s) or character(s)",
    "too_long": "must have at most {max_length} item(s) or character(s)",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} character(s)",
}
"""Messages for pydantic bound errors, filled from the error's context."""


def describe(error: ErrorDetails) -> str:
    """A short human message for one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of {expected}"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in _BOUNDS:
        return _BOUNDS[kind].format(**ctx)
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message
