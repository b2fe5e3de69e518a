"""Who is behind a dialled number, and what the call layer needs to know about them.

A ``Directory`` is a read-only snapshot that ``app.py`` builds from the store: groups (their
numbers and name, whether their tenant records calls) and users (their own numbers, the
groups they belong to, the number they present when calling out). The call layer looks numbers
up here; it never reads the store itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from helin.directory import GroupEntry, UserEntry

_NOT_DIALLED = re.compile(r"[\s().\-/]")


def normalise(number: str) -> str:
    """A dialled or presented number without the separators people type (``+372 555-0101``
    becomes ``+3725550101``); ``00`` becomes ``+``. Feature codes (``*``, ``#``) pass."""
    number = _NOT_DIALLED.sub("", number)
    if number.startswith("00"):
        number = "+" + number[2:]
    return number


class Directory:
    """Groups and users by id and by number, and the trunk for calls out."""

    def __init__(
        self,
        groups: Iterable[GroupEntry] = (),
        users: Iterable[UserEntry] = (),
        *,
        outbound_uri: str | None = None,
    ) -> None:
        self.groups = {g.id: g for g in groups}
        self.users = {u.id: u for u in users}
        self.outbound_uri = outbound_uri
        """The trunk's address for calls out (None: calls out are refused)."""
        self._numbers: dict[str, GroupEntry | UserEntry] = {}
        entries: list[GroupEntry | UserEntry] = [*self.groups.values(), *self.users.values()]
        for entry in entries:
            for number in entry.numbers:
                self._numbers[normalise(number)] = entry

    def owner(self, number: str) -> GroupEntry | UserEntry | None:
        """The group or user a number belongs to (None: not one of ours)."""
        return self._numbers.get(normalise(number))

    def presented(
        self, user: UserEntry, group_id: str | None = None
    ) -> tuple[str, GroupEntry | None]:
        """The number a call out by ``user`` shows, and the group it belongs to (if any).

        ``group_id`` (the one-call dial prefix) picks one of the user's groups; otherwise the
        user's presented-number setting, else their own first number.
        """
        if group_id is not None:
            group = self.groups.get(group_id)
            if group is not None and group.id in user.groups and group.numbers:
                return group.numbers[0], group
        number = user.presented_number or (user.numbers[0] if user.numbers else "")
        owner = self.owner(number) if number else None
        if isinstance(owner, GroupEntry) and owner.id in user.groups:
            return number, owner
        if number and owner is user:
            return number, None
        return (user.numbers[0] if user.numbers else ""), None
