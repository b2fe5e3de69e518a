"""The call history and the agent log, filtered and paged, one company at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from helin.acd.model import Outcome
from helin.store.tables import AgentEvent, Call, Recording, User
from helin.store.tables.enums import AgentEventKind, Direction


@dataclass(frozen=True, slots=True)
class CallFilter:
    group_id: int | None = None
    agent_id: int | None = None
    direction: Direction | None = None
    outcome: Outcome | None = None
    missed: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


def _missed() -> Any:
    """``is_missed`` as SQL."""
    return (
        (Call.direction == Direction.INBOUND)
        & Call.outcome.is_not(None)
        & (Call.outcome != Outcome.ANSWERED)
        & Call.forwarded_to.is_(None)
        & Call.overflow_group_id.is_(None)
    )


def calls(
    session: Session, tenant_id: int, where: CallFilter, *, limit: int, offset: int
) -> tuple[int, list[tuple[Call, int | None]]]:
    """(how many match, one page of them newest first, each with its recording's id)."""
    query: Select[Any] = select(Call).where(Call.tenant_id == tenant_id)
    if where.group_id is not None:
        query = query.where(Call.group_id == where.group_id)
    if where.agent_id is not None:
        query = query.where(Call.agent_id == where.agent_id)
    if where.direction is not None:
        query = query.where(Call.direction == where.direction)
    if where.outcome is not None:
        query = query.where(Call.outcome == where.outcome)
    if where.missed is not None:
        query = query.where(_missed() if where.missed else ~_missed())
    if where.since is not None:
        query = query.where(Call.arrived_at >= where.since)
    if where.until is not None:
        query = query.where(Call.arrived_at < where.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.execute(
        query.add_columns(Recording.id)
        .outerjoin(Recording, (Recording.call_row_id == Call.id) & Recording.deleted_at.is_(None))
        .order_by(Call.arrived_at.desc(), Call.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [(row[0], row[1]) for row in page]


def is_missed(call: Call) -> bool:
    """An inbound call that ended without an agent of the group answering and was not handed
    on (forwarded to a number or moved to another group): the caller may want a call back.
    Calls still going are not missed."""
    return (
        call.direction is Direction.INBOUND
        and call.outcome is not None
        and call.outcome is not Outcome.ANSWERED
        and call.forwarded_to is None
        and call.overflow_group_id is None
    )


@dataclass(frozen=True, slots=True)
class EventFilter:
    agent_id: int | None = None
    group_id: int | None = None
    kind: AgentEventKind | None = None
    since: datetime | None = None
    until: datetime | None = None


def agent_events(
    session: Session, tenant_id: int, where: EventFilter, *, limit: int, offset: int
) -> tuple[int, list[AgentEvent]]:
    """(how many match, one page newest first) of the company's agents' events."""
    query: Select[Any] = (
        select(AgentEvent)
        .join(User, AgentEvent.agent_id == User.id)
        .where(User.tenant_id == tenant_id)
    )
    if where.agent_id is not None:
        query = query.where(AgentEvent.agent_id == where.agent_id)
    if where.group_id is not None:
        query = query.where(AgentEvent.group_id == where.group_id)
    if where.kind is not None:
        query = query.where(AgentEvent.kind == where.kind)
    if where.since is not None:
        query = query.where(AgentEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AgentEvent.at < where.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(AgentEvent.at.desc(), AgentEvent.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(page)
