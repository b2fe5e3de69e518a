"""The agent's own view and actions: me, my groups, DND, presented number, a group's call log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from helin.api.schemas.pauses import PausePublic


class MePublic(BaseModel):
    id: int
    username: str
    display_name: str
    tenant_id: int | None
    rights: list[str]
    dnd: bool
    presented_number: str | None
    numbers: list[str]
    state: str
    """What the call center sees the agent doing (available, ringing, on_call, ...)."""
    pause: PausePublic | None = None
    """The agent's pause (None: not paused)."""


class MyGroupPublic(BaseModel):
    id: int
    name: str
    numbers: list[str]
    logged_in: bool
    open: bool | None
    """From the running engine (None when the group is not served)."""
    queued: int | None


class LoginUpdate(BaseModel):
    logged_in: bool


class DndUpdate(BaseModel):
    on: bool


class PresentedNumberUpdate(BaseModel):
    number: str | None = Field(default=None, max_length=20)
    """One of your groups' numbers or one of your own; null: your own first number."""


class LogLinePublic(BaseModel):
    call_id: str
    direction: str
    caller: str
    number: str
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    agent_id: int | None
    missed: bool
    recording_id: int | None = None
    """The call's stored recording, for managers (``/api/v1/recordings/{id}``); None for
    agents, and for a call without one."""
