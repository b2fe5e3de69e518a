"""Runs the ACD engine on an asyncio loop: feed events, hand outputs on, re-arm the one timer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from helin.acd.commands import AgentStateRecord, Command, Output, Record
from helin.acd.engine import AcdEngine
from helin.acd.events import Event

log = logging.getLogger(__name__)


class AcdRuntime:
    """Owns the engine for one process; every event goes through ``feed``."""

    def __init__(
        self,
        engine: AcdEngine,
        *,
        on_commands: Callable[[list[Command]], None],
        on_records: Callable[[list[Record]], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self._on_commands = on_commands
        self._on_records = on_records
        self._clock = clock
        self._timer: asyncio.TimerHandle | None = None

    def restore(self, events: Iterable[Event]) -> None:
        """Configure the engine from the store; what it emits while doing so is not new,
        except the agents' states: after a restart each agent is where the engine now puts
        it (no call survived), and statistics count from there."""
        now = self._clock()
        states: list[Record] = []
        for event in events:
            states += [o for o in self.engine.handle(event, now) if isinstance(o, AgentStateRecord)]
        if states:
            self._on_records(states)
        self._rearm()

    def feed(self, event: Event) -> None:
        self._deliver(self.engine.handle(event, self._clock()))

    def _fire(self) -> None:
        self._timer = None
        self._deliver(self.engine.on_timer(self._clock()))

    def _deliver(self, outputs: list[Output]) -> None:
        commands: list[Command] = []
        records: list[Record] = []
        for o in outputs:
            if isinstance(o, Record):
                records.append(o)
            else:
                commands.append(o)
        if records:
            self._on_records(records)
        if commands:
            self._on_commands(commands)
        self._rearm()

    def _rearm(self) -> None:
        deadline = self.engine.next_deadline()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if deadline is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(loop.time() + max(0.0, deadline - self._clock()), self._fire)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
