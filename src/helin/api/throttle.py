"""Failed sign-ins are slowed and then blocked, per client address and per user name.

A key (``ip:<address>`` or ``user:<name>``) remembers its failures of the last ``WINDOW``
seconds. From the second one on, the answer to a failure is delayed (doubling from 0.1 s, at
most ``MAX_DELAY``); at ``BLOCK_AFTER`` failures the key is blocked for ``BLOCK_SECONDS``:
even the right password gets 429 then. A success clears the user name's failures. Pure
bookkeeping on a ``now`` the caller gives; bounded in memory (oldest keys dropped).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

WINDOW = 900.0
BLOCK_AFTER = 10
BLOCK_SECONDS = 900.0
MAX_DELAY = 2.0
MAX_KEYS = 100_000


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.blocks: list[tuple[str, float]] = []
        """(key, until) of every block started (the caller logs and clears them)."""

    def _get(self, key: str, now: float) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            if len(self._entries) > MAX_KEYS:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        while entry.failures and entry.failures[0] <= now - WINDOW:
            entry.failures.popleft()
        return entry

    def blocked(self, keys: list[str], now: float) -> float:
        """Seconds until every one of ``keys`` may try again (0: none is blocked)."""
        return max([0.0, *(self._get(k, now).blocked_until - now for k in keys)])

    def failed(self, keys: list[str], now: float) -> float:
        """Count a failure for each key; the delay to impose on this answer, in seconds."""
        worst = 0
        for key in keys:
            entry = self._get(key, now)
            entry.failures.append(now)
            if len(entry.failures) >= BLOCK_AFTER and entry.blocked_until <= now:
                entry.blocked_until = now + BLOCK_SECONDS
                entry.failures.clear()
                self.blocks.append((key, entry.blocked_until))
            worst = max(worst, len(entry.failures))
        return min(MAX_DELAY, 0.1 * 2 ** (worst - 2)) if worst >= 2 else 0.0

    def succeeded(self, key: str) -> None:
        self._entries.pop(key, None)
