"""The full call history and the agent log, a page at a time."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from helin.acd.model import Outcome, OverflowReason
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


class CallPage(BaseModel):
    total: int
    """Calls matching the filters (all pages)."""
    items: list[CallPublic]


class AgentEventPublic(BaseModel):
    id: int
    agent_id: int
    at: datetime
    kind: AgentEventKind
    group_id: int | None
    reason: str | None


class AgentEventPage(BaseModel):
    total: int
    items: list[AgentEventPublic]
