"""Types the routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id")]
"""A path parameter naming a row: a positive 32-bit integer (beyond that nothing exists, and
the databases cannot even compare it)."""
