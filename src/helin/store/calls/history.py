"""The call history and the agent log, filtered and paged, one company at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from helin.acd.calendar import OpeningCalendar
from helin.acd.model import Outcome
from helin.store.calls import keyset
from helin.store.tables import (
    AgentEvent,
    Call,
    DispositionCode,
    Group,
    Membership,
    Recording,
    User,
)
from helin.store.tables.enums import AgentEventKind, Direction

DEFAULT_ZONE = OpeningCalendar().timezone


@dataclass(frozen=True, slots=True)
class CallFilter:
    group_id: int | None = None
    agent_id: int | None = None
    direction: Direction | None = None
    outcome: Outcome | None = None
    missed: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    caller: str | None = None
    """Calls whose calling number contains this text."""
    number: str | None = None
    """Calls whose dialled number contains this text."""
    disposition_id: int | None = None
    """Calls coded with this disposition code."""


def _missed() -> Any:
    """``is_missed`` as SQL."""
    return (
        (Call.direction == Direction.INBOUND)
        & Call.outcome.is_not(None)
        & (Call.outcome != Outcome.ANSWERED)
        & Call.forwarded_to.is_(None)
        & Call.overflow_group_id.is_(None)
    )


def _filtered(query: Any, tenant_id: int, where: CallFilter) -> Any:
    """``query`` (a select from ``calls``) narrowed to the tenant and the filters."""
    query = query.where(Call.tenant_id == tenant_id)
    if where.group_id is not None:
        query = query.where(Call.group_id == where.group_id)
    if where.agent_id is not None:
        query = query.where(Call.agent_id == where.agent_id)
    if where.direction is not None:
        query = query.where(Call.direction == where.direction)
    if where.outcome is not None:
        query = query.where(Call.outcome == where.outcome)
    if where.disposition_id is not None:
        query = query.where(Call.disposition_id == where.disposition_id)
    if where.missed is not None:
        query = query.where(_missed() if where.missed else ~_missed())
    if where.since is not None:
        query = query.where(Call.arrived_at >= where.since)
    if where.until is not None:
        query = query.where(Call.arrived_at < where.until)
    if where.caller:
        query = query.where(Call.caller.contains(where.caller, autoescape=True))
    if where.number:
        query = query.where(Call.number.contains(where.number, autoescape=True))
    return query


@dataclass(frozen=True, slots=True)
class CallRow:
    """One line of the call log: the segment with its group's and agent's names."""

    call: Call
    group_name: str | None
    group_timezone: str | None
    agent_name: str | None
    recording_id: int | None
    """The segment's recording, only once it is stored and until it is deleted (while it can
    be opened)."""
    recording_state: RecordingState | None = None
    """``stored``, ``storing`` (waiting in the spool to be stored) or ``deleted``; None for a
    segment without a recording."""
    disposition: tuple[int, str] | None = None
    """(code, name) of the segment's disposition code."""


RecordingState = Literal["stored", "storing", "deleted"]


def recording_state(stored: bool, deleted: bool) -> RecordingState:
    """What a call's recording is to the call log: it links only to a stored one."""
    return "deleted" if deleted else "stored" if stored else "storing"


COUNT_LIMIT = 10_000
"""The call log counts the rows matching its filters up to this many (``CallRows.exact``):
counting every answered call of a busy group's month would cost more than reading its page,
and the statistics views count any number of calls from the rollups."""


@dataclass(frozen=True, slots=True)
class CallRows:
    total: int
    """Rows matching the filters (all pages), counted up to ``COUNT_LIMIT``."""
    rows: list[CallRow]
    next: keyset.Cursor | None
    previous: keyset.Cursor | None
    exact: bool = True
    """False: more than ``total`` rows match."""


def calls(
    session: Session,
    tenant_id: int,
    where: CallFilter,
    *,
    limit: int,
    offset: int = 0,
    sort: keyset.CallSort = keyset.CallSort.ARRIVED,
    descending: bool = True,
    cursor: keyset.Cursor | None = None,
    count_limit: int = COUNT_LIMIT,
) -> CallRows:
    """One page of the company's calls in ``sort`` order (newest first by default), after
    or before ``cursor`` (``keyset``), or from ``offset`` without one, and how many match
    (up to ``count_limit``)."""
    matching = _filtered(select(Call.id), tenant_id, where).limit(count_limit + 1)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    joined = (
        select(
            Call,
            Group.name,
            Group.timezone,
            keyset.agent_name(),
            Recording.id,
            Recording.stored_at,
            Recording.deleted_at,
            DispositionCode.code,
            DispositionCode.name,
        )
        .outerjoin(Group, Group.id == Call.group_id)
        .outerjoin(User, User.id == Call.agent_id)
        .outerjoin(Recording, Recording.call_row_id == Call.id)
        .outerjoin(DispositionCode, DispositionCode.id == Call.disposition_id)
    )
    query = _filtered(joined, tenant_id, where)
    found = keyset.page(
        session, query, sort, descending=descending, cursor=cursor, limit=limit, offset=offset
    )
    rows = []
    for row in found.rows:  # the page adds its sort value as a last column
        call, group, zone, agent, recording, stored_at, deleted_at, code, name = row[:9]
        state = None
        if recording is not None:
            state = recording_state(stored_at is not None, deleted_at is not None)
        rows.append(
            CallRow(
                call,
                group,
                zone,
                agent if call.agent_id is not None else None,
                recording if state == "stored" else None,
                state,
                None if code is None else (code, name),
            )
        )
    exact = total <= count_limit
    return CallRows(min(total, count_limit), rows, found.next, found.previous, exact)


def tenant_zone(session: Session, tenant_id: int) -> str:
    """The time zone a company's views without a group of their own use: its first
    group's, else the groups' default."""
    found = session.scalar(
        select(Group.timezone).where(Group.tenant_id == tenant_id).order_by(Group.id).limit(1)
    )
    return found or DEFAULT_ZONE


def group_zone(session: Session, tenant_id: int, group_id: int | None) -> str:
    """The time zone of one of the company's groups; the company's for none or another's."""
    found = None
    if group_id is not None:
        found = session.scalar(
            select(Group.timezone).where(Group.id == group_id, Group.tenant_id == tenant_id)
        )
    return found or tenant_zone(session, tenant_id)


def agent_zone(session: Session, tenant_id: int, agent_id: int) -> str:
    """The time zone of an agent's log: their first group's, else the company's."""
    found = session.scalar(
        select(Group.timezone)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == agent_id, Group.tenant_id == tenant_id)
        .order_by(Group.id)
        .limit(1)
    )
    return found or tenant_zone(session, tenant_id)


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
    else:  # the state changes come several times a call: only when asked for by kind
        query = query.where(AgentEvent.kind != AgentEventKind.STATE)
    if where.since is not None:
        query = query.where(AgentEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AgentEvent.at < where.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(AgentEvent.at.desc(), AgentEvent.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(page)
