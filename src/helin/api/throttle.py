"""Failed sign-ins are slowed and then blocked, per client address and per user name.

A key (``ip:<address>`` or ``user:<name>``) remembers its failures of the last ``window``
seconds. From the second one on, the answer to a failure is delayed (doubling from 0.1 s, at
most ``max_delay``); at ``block_after`` failures the key is blocked for ``block_seconds``:
even the right password gets 429 then. A success clears the user name's failures (not a block
in force).

A user name's block must not become a way to keep its owner out: whoever can reach the sign-in
page could otherwise lock out the operator by guessing from anywhere. So ``blocked`` takes the
keys that apply to this attempt, and the caller leaves out the user name's key when the
attempt comes from an address where that user signed in before (see ``services.signin``):
guesses from elsewhere stay blocked, the owner's own address is only ever blocked by its own
failures.

Pure bookkeeping on a ``now`` the caller gives; bounded in memory (oldest keys dropped).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: float = 900.0
    """Seconds a failure is remembered."""
    block_after: int = 10
    """Failures within the window that block the key."""
    block_seconds: float = 900.0
    """How long a block lasts."""
    max_delay: float = 2.0
    """The longest delay added to a failed answer."""
    max_keys: int = 100_000
    """Keys remembered at most (the least recently seen are forgotten first)."""


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.blocks: list[tuple[str, float]] = []
        """(key, until) of every block started (the caller logs and clears them)."""

    def _get(self, key: str, now: float) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            if len(self._entries) > self.policy.max_keys:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        while entry.failures and entry.failures[0] <= now - self.policy.window:
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
            if len(entry.failures) >= self.policy.block_after and entry.blocked_until <= now:
                entry.blocked_until = now + self.policy.block_seconds
                entry.failures.clear()
                self.blocks.append((key, entry.blocked_until))
            worst = max(worst, len(entry.failures))
        return min(self.policy.max_delay, 0.1 * 2 ** (worst - 2)) if worst >= 2 else 0.0

    def succeeded(self, key: str, now: float) -> None:
        """Forget the key's failures; a block in force stays (it ends on its own)."""
        entry = self._get(key, now)
        entry.failures.clear()
        if entry.blocked_until <= now:
            del self._entries[key]
