"""Live state: every group's open/closed, queue, agents and their phones."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from helin.api.schemas.devices import DeviceStatus


class LiveAgent(BaseModel):
    user_id: int
    name: str
    logged_in: bool
    state: str
    """on_call, ringing, busy (own call), wrap_up, dnd, paused, unreachable or available."""
    devices: list[DeviceStatus]
    pause_reason_id: int | None = None
    """The pause reason's id while the agent is paused (or a pause waits for the call in
    progress to end); None otherwise."""
    pause: str | None = None
    """The pause reason's name while the agent is paused (or a pause waits for the call in
    progress to end); None otherwise."""
    paused_since: datetime | None = None
    """When the pause was asked for."""


class LiveAgentCounts(BaseModel):
    logged_in: int
    available: int
    ringing: int
    on_call: int
    wrap_up: int
    dnd: int
    paused: int = 0


class LiveGroup(BaseModel):
    id: int
    name: str
    open: bool | None
    """None when the engine does not serve the group (no call-center add-on)."""
    queued: int
    longest_wait: float
    agents: LiveAgentCounts
    members: list[LiveAgent]
    log_version: int = 0
    """Grows when the group's call log changed in the store: reload it then."""


class LiveState(BaseModel):
    at: datetime
    groups: list[LiveGroup]
