"""Recordings as the manager sees them, a page at a time, and their access log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from helin.api.schemas.common import Body
from helin.store.tables.enums import Direction


class RecordingPublic(BaseModel):
    id: int
    call_id: str | None
    call_row_id: int | None
    """The call log row (``/api/v1/calls``) of the call's last segment."""
    group_id: int | None
    group_name: str | None
    agent_id: int | None
    agent_name: str | None
    direction: Direction
    caller: str
    number: str
    started_at: datetime | None
    timezone: str | None = None
    """The group's time zone (times are UTC; the web app shows them in this zone)."""
    created_at: datetime
    """When the call's recording was finished; retention counts from here."""
    duration: float
    """Seconds."""
    size_bytes: int
    format: str
    """``flac``, ``wav`` or ``opus``."""
    media_type: str
    kept: bool
    deletion_date: datetime | None
    """When the purge deletes it; None while it is marked to keep."""
    audio_url: str
    """Streams with HTTP Range (206); ``?download=true`` for a download."""
    download_name: str


class RecordingPage(BaseModel):
    total: int
    items: list[RecordingPublic]


class RecordingUpdate(Body):
    keep: bool
    """Mark to keep (the purge skips it) or unmark (its normal end, at least 7 days on)."""


class AccessEntry(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    action: str
    """``recording.listen``, ``recording.download``, ``recording.keep``,
    ``recording.unkeep`` or ``recording.delete``."""
    recording_id: int | None
    details: dict[str, Any] | None


class AccessPage(BaseModel):
    total: int
    items: list[AccessEntry]
