"""The one writer of call rows: records from the engine and the call layer become rows.

Every record reaches the store through ``write`` (``helin.records`` describes them and who
sends which). It does not commit: the caller writes a batch in one transaction.

- ``CallOpened`` inserts a call's first row, open (outcome NULL), at the call's first moment.
- ``CallRecord`` fills and closes (once) the row of its ``(call_id, segment)``, creating it when
  needed; an overflow to a group opens the next segment's row, so a crash in that group too
  leaves a row to close as failed.
- ``CallClosed`` closes a direct or outbound call's row.
- Every segment closed is added to its group's statistics rollups (``stats.rollups``) in the
  same transaction: a call out presenting a group's number counts as that group's outbound.
- ``RecordingMade`` attaches a finished recording to the call's last segment, kept for the
  tenant's retention period.
- ``OfferRecord`` and ``AgentEventRecord`` are appended; log-in, log-out and bounce events
  also update ``memberships.logged_in``, DND events ``users.dnd``.

Commands mixed in with the records are ignored. The engine and the call layer name rows by
the string form of their integer ids; anything else is a ValueError.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helin.acd.commands import AgentEventRecord, CallRecord, OfferRecord, Output
from helin.records import CallClosed, CallOpened, Record, RecordingMade
from helin.store.stats import rollups
from helin.store.tables import (
    AgentEvent,
    Call,
    Group,
    Membership,
    Offer,
    Recording,
    Tenant,
    User,
)
from helin.store.tables.base import from_posix, from_posix_opt
from helin.store.tables.enums import AgentEventKind, Direction

DEFAULT_RETENTION_DAYS = 30


def write(session: Session, records: Iterable[Record | Output]) -> None:
    """Turn ``records`` into rows, in order; flushes, does not commit."""
    for record in records:
        if isinstance(record, CallRecord):
            _group_segment(session, record)
        elif isinstance(record, OfferRecord):
            _offer(session, record)
        elif isinstance(record, AgentEventRecord):
            _agent_event(session, record)
        elif isinstance(record, CallOpened):
            _opened(session, record)
        elif isinstance(record, CallClosed):
            _closed(session, record)
        elif isinstance(record, RecordingMade):
            _recording(session, record)
    session.flush()


def _opened(session: Session, record: CallOpened) -> None:
    session.add(
        Call(
            call_id=record.call_id,
            segment=0,
            direction=Direction(record.direction),
            tenant_id=row_id(record.tenant_id, "tenant"),
            group_id=_opt_row_id(record.group_id, "group"),
            agent_id=_opt_row_id(record.agent_id, "agent"),
            caller=record.caller[:64],
            number=record.number[:64],
            arrived_at=from_posix(record.arrived_at),
            offers=0,
        )
    )


def _closed(session: Session, record: CallClosed) -> None:
    call = session.scalar(select(Call).where(Call.call_id == record.call_id, Call.segment == 0))
    if call is None:
        return
    call.ended_at = from_posix(record.ended_at)
    call.answered_at = from_posix_opt(record.answered_at)
    call.outcome = record.outcome
    counted(session, call)


def counted(session: Session, call: Call) -> None:
    """Add a call row that has just been closed to its group's rollups."""
    group = session.get(Group, call.group_id) if call.group_id is not None else None
    if group is None:
        return
    if call.direction is Direction.INBOUND:
        rollups.add_segment(session, group, rollups.record_of(call))
    elif call.direction is Direction.OUTBOUND:
        rollups.add_outbound(session, group, call.arrived_at.timestamp())


def _group_segment(session: Session, record: CallRecord) -> None:
    group_id = row_id(record.group_id, "group")
    group = session.get(Group, group_id)
    call = session.scalar(
        select(Call).where(Call.call_id == record.call_id, Call.segment == record.segment)
    )
    first_close = call is None or call.outcome is None
    if call is None:
        call = Call(call_id=record.call_id, segment=record.segment, direction=Direction.INBOUND)
        session.add(call)
    call.group_id = group_id
    call.tenant_id = group.tenant_id if group is not None else None
    call.agent_id = _opt_row_id(record.agent_id, "agent")
    call.caller = record.caller
    call.number = record.number
    call.arrived_at = from_posix(record.arrived_at)
    call.queued_at = from_posix_opt(record.queued_at)
    call.first_offered_at = from_posix_opt(record.first_offered_at)
    call.answered_at = from_posix_opt(record.answered_at)
    call.ended_at = from_posix(record.ended_at)
    call.outcome = record.outcome
    call.overflow_reason = record.overflow_reason
    call.forwarded_to = record.forwarded_to
    call.overflow_group_id = _opt_row_id(record.overflow_group, "group")
    call.offers = record.offers
    if group is not None and first_close:
        rollups.add_segment(session, group, rollups.record_of(call))  # as stored: rebuild agrees
    if call.overflow_group_id is not None:
        _open_next_segment(session, call, call.overflow_group_id)


def _open_next_segment(session: Session, call: Call, group_id: int) -> None:
    """The row of the segment an overflow to a group starts, open until the engine closes it."""
    exists = session.scalar(
        select(Call.id).where(Call.call_id == call.call_id, Call.segment == call.segment + 1)
    )
    if exists is None:
        group = session.get(Group, group_id)
        session.add(
            Call(
                call_id=call.call_id,
                segment=call.segment + 1,
                direction=call.direction,
                tenant_id=group.tenant_id if group is not None else call.tenant_id,
                group_id=group_id,
                caller=call.caller,
                number=call.number,
                arrived_at=call.ended_at,
                offers=0,
            )
        )


def _recording(session: Session, record: RecordingMade) -> None:
    tenant_id = row_id(record.tenant_id, "tenant")
    call = session.scalar(
        select(Call).where(Call.call_id == record.call_id).order_by(Call.segment.desc()).limit(1)
    )
    days = session.scalar(select(Tenant.recording_retention_days).where(Tenant.id == tenant_id))
    made = from_posix(record.made_at)
    session.add(
        Recording(
            tenant_id=tenant_id,
            call_row_id=call.id if call is not None else None,
            path=record.path,
            size_bytes=record.size,
            sha256=record.sha256,
            duration=record.duration,
            created_at=made,
            retained_until=made + timedelta(days=days or DEFAULT_RETENTION_DAYS),
        )
    )


def _offer(session: Session, record: OfferRecord) -> None:
    session.add(
        Offer(
            call_id=record.call_id,
            segment=record.segment,
            group_id=row_id(record.group_id, "group"),
            agent_id=row_id(record.agent_id, "agent"),
            started_at=from_posix(record.started_at),
            ended_at=from_posix(record.ended_at),
            result=record.result,
        )
    )


def _agent_event(session: Session, record: AgentEventRecord) -> None:
    kind = AgentEventKind(record.kind)
    agent_id = row_id(record.agent_id, "agent")
    group_id = _opt_row_id(record.group_id, "group")
    session.add(
        AgentEvent(
            agent_id=agent_id,
            at=from_posix(record.at),
            kind=kind,
            group_id=group_id,
            reason=record.reason,
        )
    )
    if kind in (AgentEventKind.LOGIN, AgentEventKind.LOGOUT, AgentEventKind.BOUNCED):
        change = update(Membership).where(Membership.user_id == agent_id)
        if group_id is not None:
            change = change.where(Membership.group_id == group_id)
        session.execute(change.values(logged_in=kind is AgentEventKind.LOGIN))
    elif kind in (AgentEventKind.DND_ON, AgentEventKind.DND_OFF):
        session.execute(
            update(User).where(User.id == agent_id).values(dnd=kind is AgentEventKind.DND_ON)
        )


def row_id(text: str, what: str) -> int:
    """The integer row id behind an engine or call-layer id; ValueError for anything else."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} id {text!r} is not a store row id") from None


def _opt_row_id(text: str | None, what: str) -> int | None:
    return None if text is None else row_id(text, what)
