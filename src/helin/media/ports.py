"""RTP port allocation from a range: even ports for RTP, the odd port above for RTCP.

Released ports wait ``quarantine`` seconds before they are handed out again, so late packets
of an ended call never reach the next call on the same port; free ports are used in the order
they became free, which spreads reuse over the whole range.
"""

from __future__ import annotations

from collections import deque


class PortsExhausted(RuntimeError):
    """Every port of the range is in use or quarantined."""


class PortPool:
    """Which RTP ports are free, as pure bookkeeping (the switch binds the sockets)."""

    def __init__(self, low: int, high: int, *, quarantine: float = 30.0) -> None:
        first = low + (low & 1)
        ports = list(range(first, high, 2))
        if not ports:
            raise ValueError(f"port range {low}-{high} holds no even port with an odd one above")
        self.quarantine = quarantine
        """Seconds a released port rests before reuse."""
        self._free: deque[tuple[float, int]] = deque((float("-inf"), port) for port in ports)
        self._used: set[int] = set()

    @property
    def capacity(self) -> int:
        return len(self._free) + len(self._used)

    @property
    def in_use(self) -> int:
        return len(self._used)

    def acquire(self, now: float) -> int:
        """An even port free since at least ``quarantine`` seconds; raises ``PortsExhausted``."""
        if not self._free or self._free[0][0] > now:
            raise PortsExhausted(f"all {self.capacity // 1} RTP port pairs are in use or resting")
        _, port = self._free.popleft()
        self._used.add(port)
        return port

    def release(self, port: int, now: float) -> None:
        """The call on ``port`` ended (or binding it failed): rest it, then reuse it."""
        if port in self._used:
            self._used.remove(port)
            self._free.append((now + self.quarantine, port))
