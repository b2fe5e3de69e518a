"""Numbered lists: a company's pause reasons, a group's disposition codes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from helin.api.schemas.common import Body


def _entry_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("needs a name")
    return value


EntryName = Annotated[str, Field(max_length=100), AfterValidator(_entry_name)]
EntryCode = Annotated[int, Field(ge=1, le=99)]
"""What an agent dials after the feature code (``*42`` for a pause, ``*6`` for a call)."""


class CodeCreate(Body):
    code: EntryCode
    name: EntryName


class CodeUpdate(Body):
    """Only what is given changes; ``active: false`` retires the entry."""

    code: EntryCode | None = None
    name: EntryName | None = None
    active: bool | None = None


class CodePublic(BaseModel):
    id: int
    code: int
    name: str
    active: bool
    """False: retired; agents can no longer choose it, what named it keeps its name."""
