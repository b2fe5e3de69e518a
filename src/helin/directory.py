"""Who is behind a number: a group or a user, as the call layer routes calls to them.

Plain data shared by the store, which loads the entries (``store.runtime.routing``), and the
switch, which builds its read-only ``Directory`` from them (``switch.calls.numbers``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupEntry:
    """A call-center group as the call layer sees it."""

    id: str
    name: str
    """Shown in the display name of the calls it offers and of calls out presenting it."""
    tenant_id: str
    numbers: tuple[str, ...]
    """E.164 numbers, the first is the one presented for calls out."""
    record: bool
    """The tenant has the recording add-on: the group's calls are recorded."""
    dispositions: tuple[int, ...] = ()
    """The codes of the group's active disposition codes."""


@dataclass(frozen=True, slots=True)
class UserEntry:
    """A user (agent or not) as the call layer sees them."""

    id: str
    name: str
    tenant_id: str
    numbers: tuple[str, ...]
    """The user's own numbers (direct calls ring all their phones)."""
    groups: tuple[str, ...]
    """Ids of the call-center groups the user is an agent of."""
    presented_number: str | None
    """The number shown when the user calls out (a group's number or one of theirs);
    None: their own first number."""
    record: bool
    """The tenant has the recording add-on."""
    pause_reasons: tuple[tuple[int, str], ...] = ()
    """(code, reason id) of each pause reason the user may choose (the tenant's active ones)."""
