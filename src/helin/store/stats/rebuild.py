"""``helin stats rebuild``: every rollup recomputed from the raw rows, groups' and agents'.

The group rollups are rebuilt from the call rows first; replaying the agents' rows then adds
their wrap-ups to those group rows again, as the writer did when the wrap-ups ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from helin.store.stats import agent_rollups, rollups


@dataclass(frozen=True)
class Rebuilt:
    segments: int
    """Call rows counted."""
    agents: int
    """Agents replayed."""


def rebuild(
    session: Session, *, tenant_id: int | None = None, since: date | None = None
) -> Rebuilt:
    """Recompute the rollups (of one tenant) from ``since``'s month on (all without); does not
    commit."""
    if since is not None:
        since = since.replace(day=1)  # a month's row is rebuilt whole
    segments = rollups.rebuild(session, tenant_id=tenant_id, since=since)
    pending = rollups.Pending()
    agents = agent_rollups.rebuild(session, pending, tenant_id=tenant_id, since=since)
    pending.flush(session)
    return Rebuilt(segments, agents)
