"""A deadline queue keyed by name: setting a key again replaces its deadline (pure, stdlib).

Cancelled and replaced entries stay in the heap and are skipped when they surface, so every
operation is O(log n).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Deadlines(Generic[K]):
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, K]] = []
        self._live: dict[K, int] = {}
        self._seq = 0

    def set(self, key: K, when: float) -> None:
        self._seq += 1
        self._live[key] = self._seq
        heapq.heappush(self._heap, (when, self._seq, key))

    def cancel(self, key: K) -> None:
        self._live.pop(key, None)

    def __contains__(self, key: K) -> bool:
        return key in self._live

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and self._live.get(heap[0][2]) != heap[0][1]:
            heapq.heappop(heap)

    def next(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> K | None:
        """The earliest key whose deadline is at or before ``now`` (removed), or None."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        _, _, key = heapq.heappop(self._heap)
        del self._live[key]
        return key
