"""The full call history and the agent log, a page at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from helin.acd.model import OfferResult, Outcome, OverflowReason
from helin.store.tables.enums import AgentEventKind, Direction


class CallPublic(BaseModel):
    id: int
    call_id: str
    segment: int
    direction: Direction
    group_id: int | None
    agent_id: int | None
    caller: str
    number: str
    arrived_at: datetime
    queued_at: datetime | None
    first_offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: Outcome | None
    """None while the call goes on."""
    overflow_reason: OverflowReason | None
    forwarded_to: str | None
    """The number an overflow forwarded the call to."""
    overflow_group_id: int | None
    """The group an overflow moved the call to (its next segment is there)."""
    offers: int
    missed: bool
    recording_id: int | None
    """The call's recording, once it is stored and until it is deleted (it can be opened)."""
    recording_state: Literal["stored", "storing", "deleted"] | None = None
    """``storing`` while it waits to be stored, ``deleted`` once deleted; None: not recorded."""
    group_name: str | None = None
    timezone: str | None = None
    """The group's time zone (times are UTC; the web app shows them in this zone)."""
    agent_name: str | None = None
    """The answering (inbound) or calling (outbound) agent's name."""
    wait: float | None = None
    """Seconds from arrival to answer (or to the end, unanswered); None while waiting."""
    talk: float | None = None
    """Seconds from answer to end; None if not answered or still going."""
    disposition_id: int | None = None
    """The disposition code the agent gave the call (None: none)."""
    disposition: str | None = None
    """That code as ``<code> · <name>``."""


class CallPage(BaseModel):
    total: int
    """Calls matching the filters (all pages), counted up to 10,000."""
    total_exact: bool = True
    """False: more than ``total`` calls match (narrow the filters, or see the statistics)."""
    items: list[CallPublic]
    sort: str = "arrived"
    order: str = "desc"
    next_cursor: str | None = None
    """``cursor`` for the page after this one; None on the last page."""
    previous_cursor: str | None = None
    """``cursor`` for the page before this one; None on the first page."""


class RecordingInfo(BaseModel):
    """A call segment's recording (listen, download and delete are the recordings' own)."""

    id: int
    duration: float
    """Seconds."""
    created_at: datetime
    retained_until: datetime
    keep: bool
    stored_at: datetime | None = None
    """When it was stored; None while it waits in the spool (it cannot be opened yet)."""
    deleted_at: datetime | None
    """When its file was deleted; None while it can be played."""


class SegmentPublic(CallPublic):
    recording: RecordingInfo | None = None


class OfferPublic(BaseModel):
    """One ring of one agent with the call."""

    id: int
    segment: int
    group_id: int | None
    group_name: str | None
    agent_id: int | None
    agent_name: str | None
    started_at: datetime
    ended_at: datetime
    seconds: float
    """How long it rang."""
    result: OfferResult
    missed: bool
    """A result that counts towards the agent's missed offers (no answer, declined)."""


class CallDetailPublic(BaseModel):
    call_id: str
    segments: list[SegmentPublic]
    """The call's path: the first group, then each group an overflow moved it to."""
    offers: list[OfferPublic]
    """Every ring, in the order they started."""


class AgentLogEntry(BaseModel):
    at: datetime
    """In the log's time zone."""
    kind: str
    """``login``, ``logout``, ``dnd_on``, ``dnd_off``, ``wrap_up`` (a period), ``bounced``,
    ``missed_offer``, with ``all``: ``state`` (see ``state``) and ``wrap_up_end``; any other
    kind an agent event may have is passed on as it is."""
    group_id: int | None
    group_name: str | None
    reason: str | None = None
    until: datetime | None = None
    """The end of a wrap-up or of a missed ring (None: a wrap-up still going)."""
    seconds: float | None = None
    result: str | None = None
    """A missed ring's result."""
    caller: str | None = None
    call_row_id: int | None = None
    """A missed ring's call row, for ``GET /api/v1/calls/{id}``."""
    state: str | None = None
    """A ``state`` entry's state: ``available``, ``ringing``, ``on_call``, ``busy``,
    ``wrap_up``, ``dnd`` or ``unreachable``."""


class AgentLogPublic(BaseModel):
    agent_id: int
    agent_name: str
    day: date
    timezone: str
    """The zone ``day`` and the times are in (the agent's first group's)."""
    everything: bool
    """Whether the frequent state changes are included."""
    entries: list[AgentLogEntry]


class AgentEventPublic(BaseModel):
    id: int
    agent_id: int
    at: datetime
    kind: AgentEventKind
    group_id: int | None
    reason: str | None
    state: str | None = None
    """For ``kind`` state: the state the agent went into (``available``, ``on_call``, ...)."""


class AgentEventPage(BaseModel):
    total: int
    items: list[AgentEventPublic]
