"""What the clip endpoints take and give."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from helin.store.tables.enums import ClipKind

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def _clip_name(value: str) -> str:
    """Provisioning's name rules, up to 100 characters; not only digits (a group's clip
    reference of digits is an uploaded clip's id)."""
    if not _NAME.match(value):
        raise ValueError(f"{value!r} must be 1-100 letters, digits or . _ @ + - (no spaces)")
    if value.isdigit():
        raise ValueError(f"{value!r} must not be only digits")
    return value


ClipName = Annotated[str, AfterValidator(_clip_name)]
Filename = Annotated[str, Field(max_length=255)]


class ClipPublic(BaseModel):
    id: int
    name: str
    """What groups call it (``greeting_clip``, ``comfort_clip``, an overflow action's
    ``clip``); a name of a built-in clip makes the upload play instead of it."""
    kind: ClipKind
    duration: float
    """Seconds."""
    original_filename: str | None
    created_at: datetime
    audio_url: str
    """The stored 8 kHz mono WAV (for an ``<audio>`` element)."""
