"""What the demo prints: every 2 s one line per group from the ACD engine's live state, and
one line per finished call from the store's call rows (what the call log and statistics read).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from helin.acd.engine import AcdEngine
from helin.acd.model import AgentState, Outcome
from helin.demo.company import Company
from helin.store.tables import Call

STATES = (
    (AgentState.AVAILABLE, "available"),
    (AgentState.RINGING, "ringing"),
    (AgentState.ON_CALL, "on call"),
    (AgentState.WRAP_UP, "wrap-up"),
)


class Monitor:
    def __init__(
        self,
        company: Company,
        engine: AcdEngine,
        sessions: sessionmaker[Session],
        *,
        out: TextIO = sys.stdout,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.company = company
        self.engine = engine
        self.sessions = sessions
        self.out = out
        self.clock = clock
        self.started = clock()
        self.outcomes: dict[str, Counter[Outcome]] = {g: Counter() for g in company.group_ids}
        self._names = {gid: name for name, gid in company.group_ids.items()}
        self._width = max(len(name) for name in company.group_ids)
        with sessions() as session:
            last = session.scalar(select(Call.id).order_by(Call.id.desc()).limit(1))
        self._low = (last or 0) + 1
        """Lowest call row id that may still be open (earlier ones were printed or are old)."""
        self._printed: set[int] = set()
        """Rows already printed (a few bytes a call; the demo is not run for months)."""

    def say(self, text: str) -> None:
        print(f"{self.clock() - self.started:7.1f}s  {text}", file=self.out, flush=True)

    def groups(self) -> None:
        """One line per group: queue, agents by state, outcomes so far."""
        now = self.clock()
        for name, gid in self.company.group_ids.items():
            status = self.engine.group_status(gid, now)
            states = Counter(m.state for m in status.members if m.logged_in)
            agents = ", ".join(f"{states[state]} {label}" for state, label in STATES)
            queue = f"queue {status.queued}"
            if status.queued:
                queue += f" (longest wait {status.longest_wait:.0f}s)"
            done = self.outcomes[name]
            outcomes = f"answered {done[Outcome.ANSWERED]}, abandoned {done[Outcome.ABANDONED]}"
            others = sum(done.values()) - done[Outcome.ANSWERED] - done[Outcome.ABANDONED]
            if others:
                outcomes += f", other {others}"
            self.say(f"{name:<{self._width}}  {queue:<27}  agents: {agents:<47}  {outcomes}")

    def finished_calls(self) -> None:
        """A line for each group call that ended since the last look."""
        with self.sessions() as session:
            rows = list(
                session.scalars(
                    select(Call)
                    .where(Call.id >= self._low, Call.tenant_id == self.company.tenant_id)
                    .order_by(Call.id)
                )
            )
        still_open = [row.id for row in rows if row.outcome is None]
        for row in rows:
            if row.outcome is None or row.id in self._printed:
                continue
            self._printed.add(row.id)
            self._report(row)
        if still_open:
            self._low = min(still_open)
        elif rows:
            self._low = rows[-1].id + 1

    def _report(self, row: Call) -> None:
        group = self._names.get(str(row.group_id), "?")
        if row.outcome is not None and group in self.outcomes:
            self.outcomes[group][row.outcome] += 1
        arrived = row.arrived_at.timestamp()
        ended = row.ended_at.timestamp() if row.ended_at else arrived
        outcome = row.outcome.value if row.outcome else "?"
        if row.answered_at is not None:
            answered = row.answered_at.timestamp()
            agent = self.company.user_ids.get(str(row.agent_id), "an agent")
            text = (
                f"answered by {agent} after {answered - arrived:.1f}s, "
                f"talked {ended - answered:.1f}s"
            )
        else:
            text = f"{outcome} after {ended - arrived:.1f}s waiting"
        self.say(f"call {row.caller} -> {group:<{self._width}}  {text}")

    def totals(self) -> Counter[Outcome]:
        total: Counter[Outcome] = Counter()
        for counts in self.outcomes.values():
            total.update(counts)
        return total
