"""Pools of available agents, one per group, each answering "whom do we ring next?".

A pool holds only the agents who are available for the group right now; the engine adds and
discards them as their state changes. ``pick`` never scans every agent: each policy keeps the
pool ordered by its own key (or, for weighted picks, in a Fenwick tree), so a decision costs
O(log n) plus the agents already tried for the call in this round.

Simultaneous ringing rings every available agent, but never more than ``MAX_RINGING`` at once
for one call: the longest idle first, and others join as rings end. So a decision costs in
proportion to the agents it rings, however large the pool.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from typing import Protocol

from sortedcontainers import SortedList

from helin.acd.model import Policy

Key = tuple[float, str]

MAX_RINGING = 25
"""Agents one simultaneous call rings at once at most (each agent's every reachable phone)."""


class Pool(Protocol):
    def add(self, agent_id: str, *, order: int, weight: int, idle_since: float) -> None: ...

    def discard(self, agent_id: str) -> None: ...

    def __contains__(self, agent_id: object) -> bool: ...

    def __len__(self) -> int: ...

    def pick(self, tried: Collection[str], room: int) -> list[str]:
        """Agents to ring now for one call (at most ``room``, which is at least 1), skipping
        ``tried``; empty when none is left."""
        ...

    def can_pick(self, tried: Collection[str]) -> bool:
        """Whether ``pick(tried)`` would choose someone."""
        ...


class _OrderedPool:
    """Agents sorted by a key; subclasses choose the key and where a pick starts."""

    def __init__(self) -> None:
        self._keys: dict[str, Key] = {}
        self._sorted: SortedList[Key] = SortedList()

    def _key(self, agent_id: str, order: int, idle_since: float) -> Key:
        return (order, agent_id)

    def add(self, agent_id: str, *, order: int, weight: int, idle_since: float) -> None:
        self.discard(agent_id)
        key = self._key(agent_id, order, idle_since)
        self._keys[agent_id] = key
        self._sorted.add(key)

    def discard(self, agent_id: str) -> None:
        key = self._keys.pop(agent_id, None)
        if key is not None:
            self._sorted.remove(key)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def can_pick(self, tried: Collection[str]) -> bool:
        return sum(1 for agent_id in tried if agent_id in self._keys) < len(self._keys)

    def _first_untried(self, start: int, tried: Collection[str]) -> list[str]:
        n = len(self._sorted)
        for step in range(n):
            agent_id = self._sorted[(start + step) % n][1]
            if agent_id not in tried:
                return [agent_id]
        return []

    def pick(self, tried: Collection[str], room: int) -> list[str]:
        return self._first_untried(0, tried)


class SimultaneousPool(_OrderedPool):
    """Every untried agent, up to ``room``: the longest idle first."""

    def _key(self, agent_id: str, order: int, idle_since: float) -> Key:
        return (idle_since, agent_id)

    def pick(self, tried: Collection[str], room: int) -> list[str]:
        chosen: list[str] = []
        for _, agent_id in self._sorted:
            if agent_id not in tried:
                chosen.append(agent_id)
                if len(chosen) == room:
                    break
        return chosen


class RegularPool(_OrderedPool):
    """Top of the fixed order first; agents tried for the call are skipped."""


class CircularPool(_OrderedPool):
    """Start after the agent the group rang last, wrapping around."""

    def __init__(self) -> None:
        super().__init__()
        self._last: Key | None = None

    def pick(self, tried: Collection[str], room: int) -> list[str]:
        start = 0 if self._last is None else self._sorted.bisect_right(self._last)
        chosen = self._first_untried(start, tried)
        if chosen:
            self._last = self._keys[chosen[0]]
        return chosen


class UniformPool(_OrderedPool):
    """Longest idle since their last group call first (never-called agents first of all)."""

    def _key(self, agent_id: str, order: int, idle_since: float) -> Key:
        return (idle_since, agent_id)


class WeightedPool:
    """Random pick in proportion to weight, over a Fenwick tree of the available agents."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._slot: dict[str, int] = {}
        self._weight: dict[str, int] = {}
        self._agents: list[str | None] = [None] * 17
        """Slot (1-based) -> agent; the capacity doubles on demand."""
        self._tree: list[int] = [0] * 17
        self._free: list[int] = []
        self._next = 1
        self._total = 0

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._slot

    def __len__(self) -> int:
        return len(self._slot)

    def _update(self, slot: int, delta: int) -> None:
        self._total += delta
        while slot < len(self._tree):
            self._tree[slot] += delta
            slot += slot & -slot

    def _grow(self) -> None:
        capacity = (len(self._tree) - 1) * 2
        self._agents.extend([None] * (capacity + 1 - len(self._agents)))
        self._tree = [0] * (capacity + 1)
        self._total = 0
        for agent_id, slot in self._slot.items():
            self._update(slot, self._weight[agent_id])

    def add(self, agent_id: str, *, order: int, weight: int, idle_since: float) -> None:
        self.discard(agent_id)
        if self._free:
            slot = self._free.pop()
        else:
            if self._next >= len(self._tree):
                self._grow()
            slot, self._next = self._next, self._next + 1
        self._slot[agent_id] = slot
        self._weight[agent_id] = weight
        self._agents[slot] = agent_id
        self._update(slot, weight)

    def discard(self, agent_id: str) -> None:
        slot = self._slot.pop(agent_id, None)
        if slot is None:
            return
        self._update(slot, -self._weight.pop(agent_id))
        self._agents[slot] = None
        self._free.append(slot)

    def _find(self, target: int) -> int:
        """The slot whose cumulative weight range holds ``target`` (0 <= target < total)."""
        pos, step = 0, 1 << ((len(self._tree) - 1).bit_length() - 1)
        while step:
            nxt = pos + step
            if nxt < len(self._tree) and self._tree[nxt] <= target:
                pos = nxt
                target -= self._tree[nxt]
            step >>= 1
        return pos + 1

    def can_pick(self, tried: Collection[str]) -> bool:
        """Someone untried with a weight above 0 is available."""
        return self._total > sum(self._weight[a] for a in tried if a in self._slot)

    def pick(self, tried: Collection[str], room: int) -> list[str]:
        hidden = [a for a in tried if a in self._slot]
        for agent_id in hidden:
            self._update(self._slot[agent_id], -self._weight[agent_id])
        try:
            if self._total <= 0:
                return []
            chosen = self._agents[self._find(self._rng.randrange(self._total))]
            assert chosen is not None
            return [chosen]
        finally:
            for agent_id in hidden:
                self._update(self._slot[agent_id], self._weight[agent_id])


def make_pool(policy: Policy, rng: random.Random) -> Pool:
    if policy is Policy.WEIGHTED:
        return WeightedPool(rng)
    pools: dict[Policy, type[_OrderedPool]] = {
        Policy.SIMULTANEOUS: SimultaneousPool,
        Policy.REGULAR: RegularPool,
        Policy.CIRCULAR: CircularPool,
        Policy.UNIFORM: UniformPool,
    }
    return pools[policy]()
