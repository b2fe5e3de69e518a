"""An agent's pause (the reasons are a numbered list: ``codes.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from helin.api.schemas.common import Body, BodyId


class PauseUpdate(Body):
    reason_id: BodyId | None
    """One of your company's active pause reasons; null ends the pause."""


class PausePublic(BaseModel):
    """An agent's pause as it stands."""

    reason_id: int
    code: int
    name: str
    since: datetime
    """When the pause (or its latest reason) was asked for."""
    pending: bool
    """True while a ringing offer, a call or its wrap-up is still going: the pause applies
    once it is over."""
