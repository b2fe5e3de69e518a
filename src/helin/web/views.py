"""What the pages show, shaped for the templates from the API's own answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from helin.api.schemas.agent import LogLinePublic
from helin.api.schemas.live import LiveAgent, LiveGroup

BUSY_STATES = frozenset({"on_call", "busy"})
"""An agent on a group call or on one of their own."""


def busy(members: list[LiveAgent]) -> int:
    return sum(m.logged_in and m.state in BUSY_STATES for m in members)


def wait_text(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def status_key(open_: bool | None) -> str:
    return "group.unknown" if open_ is None else "group.open" if open_ else "group.closed"


def state_key(logged_in: bool, state: str) -> str:
    """The catalogue key of an agent's state in a group (logged out first)."""
    return f"state.{state}" if logged_in else "state.logged_out"


@dataclass(frozen=True, slots=True)
class Card:
    """One group on the manager's overview."""

    group: LiveGroup
    busy: int
    longest: str


def cards(groups: list[LiveGroup]) -> list[Card]:
    return [Card(g, busy(g.members), wait_text(g.longest_wait)) for g in groups]


@dataclass(frozen=True, slots=True)
class LogRow:
    """One line of a group call log."""

    line: LogLinePublic
    at: str
    """ISO 8601, for ``<time datetime>`` (the browser shows it in its own time zone)."""
    at_text: str
    """The same in UTC, shown until the script has localised it."""
    waited: str | None
    ongoing: bool


def log_rows(lines: list[LogLinePublic]) -> list[LogRow]:
    rows = []
    for line in lines:
        until: datetime | None = line.answered_at or line.ended_at
        waited = wait_text((_utc(until) - _utc(line.arrived_at)).total_seconds()) if until else None
        arrived = _utc(line.arrived_at)
        rows.append(
            LogRow(
                line=line,
                at=arrived.isoformat(),
                at_text=arrived.strftime("%Y-%m-%d %H:%M:%S UTC"),
                waited=waited if line.direction == "inbound" else None,
                ongoing=line.outcome is None,
            )
        )
    return rows


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- the manager's settings page ------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Setting:
    """One queue setting's input on the settings form."""

    key: str
    """The ``queue`` key of ``PATCH /api/v1/groups/{id}``."""
    kind: str
    """``number``, ``check``, ``clip`` or ``choice``."""
    step: str = "1"


QUEUE_SETTINGS = (
    Setting("ring_timeout", "number", "any"),
    Setting("wrap_up", "number", "any"),
    Setting("max_queue_length", "number"),
    Setting("max_wait", "number", "any"),
    Setting("no_agents", "choice"),
    Setting("bounce_after_missed", "number"),
    Setting("disposition_required", "check"),
    Setting("wrap_up_max", "number", "any"),
    Setting("greeting_clip", "clip"),
    Setting("greeting_in_full", "check"),
    Setting("comfort_clip", "clip"),
    Setting("comfort_interval", "number", "any"),
    Setting("announce_position", "check"),
    Setting("announce_wait", "check"),
    Setting("announce_interval", "number", "any"),
    Setting("whisper_clip", "clip"),
    Setting("service_level_threshold", "number"),
    Setting("service_level_target", "number", "any"),
    Setting("short_abandon", "number", "any"),
)
NO_AGENTS = ("queue", "overflow")
OVERFLOW_KEYS = ("closed", "timeout", "full", "no_agents")
OVERFLOW_ACTIONS = ("clip_and_end", "end", "forward_number", "forward_group")


def number_text(value: object) -> str:
    """A setting's value as an ``<input>`` shows it (``20`` rather than ``20.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def split_ranges(ranges: list[str]) -> list[tuple[str, str]]:
    """``["08:00-12:00"]`` -> ``[("08:00", "12:00")]`` for a pair of time inputs."""
    pairs = []
    for text in ranges:
        start, _, end = text.partition("-")
        pairs.append((start.strip(), end.strip()))
    return pairs


def weekly(hours: dict[str, list[str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every weekday with its opening ranges (none: closed)."""
    return [(day, split_ranges(hours.get(day, []))) for day in DAYS]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent of the company who could be added to a group."""

    user_id: int
    username: str
    name: str
