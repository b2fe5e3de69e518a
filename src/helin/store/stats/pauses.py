"""Reading agents' paused time by pause reason (``agent_pauses``) for a range of local days."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.store.stats.series import Slice
from helin.store.tables import PauseReason, agent_pauses


@dataclass(frozen=True, slots=True)
class PausedFor:
    """An agent's paused time for one reason."""

    reason_id: int
    code: int | None
    name: str | None
    """None for a reason that no longer exists."""
    us: int


def paused_by_reason(
    session: Session, tenant_id: int, agent_ids: list[int], view: Slice
) -> dict[int, list[PausedFor]]:
    """Each agent's paused time by reason over the view's days and weekdays, longest first
    (whole days: the view's hours of the day do not narrow it)."""
    rows = session.execute(
        select(
            agent_pauses.c.agent_id,
            agent_pauses.c.day,
            agent_pauses.c.reason_id,
            agent_pauses.c.paused_us,
        ).where(
            agent_pauses.c.tenant_id == tenant_id,
            agent_pauses.c.agent_id.in_(agent_ids),
            agent_pauses.c.day >= view.first,
            agent_pauses.c.day <= view.last,
        )
    ).all()
    sums: dict[tuple[int, int], int] = {}
    for agent, day, reason, us in rows:
        if day.weekday() in view.weekdays:
            sums[(agent, reason)] = sums.get((agent, reason), 0) + us
    names = {
        row.id: (row.code, row.name)
        for row in session.execute(
            select(PauseReason.id, PauseReason.code, PauseReason.name).where(
                PauseReason.tenant_id == tenant_id
            )
        )
    }
    out: dict[int, list[PausedFor]] = {agent: [] for agent in agent_ids}
    for (agent, reason), us in sums.items():
        code, name = names.get(reason, (None, None))
        out[agent].append(PausedFor(reason, code, name, us))
    for found in out.values():
        found.sort(key=lambda p: (-p.us, p.code or 0))
    return out
