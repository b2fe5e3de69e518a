"""Disposition codes an agent gives their calls (the lists themselves: ``codes.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from helin.api.schemas.codes import CodePublic, EntryCode
from helin.api.schemas.common import Body


class LastCallPublic(BaseModel):
    """The group call the agent is on or answered last: what a disposition code codes."""

    call_row_id: int | None
    """The call's row (``/api/v1/calls/{id}``); None until the store has it."""
    group_id: int
    group_name: str
    caller: str
    answered_at: datetime | None
    """None while the group's whisper plays."""
    ended_at: datetime | None
    """None while the call goes on."""
    disposition: CodePublic | None
    codes: list[CodePublic]
    """The group's active codes."""
    required: bool
    """The group requires a code: the wrap-up lasts until one is given."""


class DispositionUpdate(Body):
    code: EntryCode
