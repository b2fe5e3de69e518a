"""ACD engine (work in progress: interface only; the implementation lands next)."""

from __future__ import annotations

from helin.acd.commands import Output
from helin.acd.events import Event


class AcdEngine:
    """Deterministic call distribution: events and ``now`` in, commands and records out."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def handle(self, event: Event, now: float) -> list[Output]:
        raise NotImplementedError

    def next_deadline(self) -> float | None:
        raise NotImplementedError

    def on_timer(self, now: float) -> list[Output]:
        raise NotImplementedError
