"""Counting a group's answered calls by disposition code over whole local days.

Read from the call rows themselves (no rollup): a code can be given, and changed, long after
the call's interval was rolled up, and a range of a busy group is a few thousand rows on the
``ix_calls_group_recent`` index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helin.acd.model import Outcome
from helin.store.stats.series import midnight
from helin.store.tables import Call, DispositionCode, Group


@dataclass(frozen=True, slots=True)
class CodeCount:
    disposition_id: int | None
    """None: answered calls without a code."""
    code: int | None
    name: str | None
    calls: int


def by_code(session: Session, group: Group, first: date, last: date) -> list[CodeCount]:
    """The group's answered call segments that arrived from the local midnight of ``first``
    to the end of ``last``, by code (every code of the group, retired ones only when used;
    uncoded last)."""
    zone = ZoneInfo(group.timezone)
    counted = dict(
        session.execute(
            select(Call.disposition_id, func.count())
            .where(
                Call.group_id == group.id,
                Call.outcome == Outcome.ANSWERED,
                Call.arrived_at >= midnight(first, zone),
                Call.arrived_at < midnight(last + timedelta(days=1), zone),
            )
            .group_by(Call.disposition_id)
        ).all()
    )
    out = [
        CodeCount(d.id, d.code, d.name, counted.get(d.id, 0))
        for d in session.scalars(
            select(DispositionCode)
            .where(DispositionCode.group_id == group.id)
            .order_by(DispositionCode.code)
        )
        if d.active or counted.get(d.id)
    ]
    return [*out, CodeCount(None, None, None, counted.get(None, 0))]
