"""Pause reasons (the tenant admin's list) and an agent's pause."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from helin.api.schemas.common import Body, BodyId


def _reason_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a pause reason needs a name")
    return value


ReasonName = Annotated[str, Field(max_length=100), AfterValidator(_reason_name)]
ReasonCode = Annotated[int, Field(ge=1, le=99)]
"""What an agent dials after ``*42``."""


class PauseReasonCreate(Body):
    code: ReasonCode
    name: ReasonName


class PauseReasonUpdate(Body):
    """Only what is given changes; ``active: false`` retires the reason."""

    code: ReasonCode | None = None
    name: ReasonName | None = None
    active: bool | None = None


class PauseReasonPublic(BaseModel):
    id: int
    code: int
    name: str
    active: bool
    """False: retired; agents can no longer choose it, the log and statistics still name it."""


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
