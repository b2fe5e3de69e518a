"""What the bodies of several resources share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_ROW_ID = 2**31 - 1
"""The largest row id: a positive 32-bit integer (beyond that nothing exists, and the
databases cannot even compare it)."""
BodyId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A row id in a body."""


class Body(BaseModel):
    """A body that refuses unknown fields, so a misspelt or forbidden field (``operator``) is
    a 422 that names it instead of being ignored."""

    model_config = ConfigDict(extra="forbid")
