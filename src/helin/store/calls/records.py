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
- ``RecordingMade`` attaches a finished recording to the call's last segment (naming the
  call's group, agent and numbers), waiting in the spool until ``helin.recordings.uploader``
  has stored it.
- ``DispositionRecord`` sets the disposition code of its call segment's row.
- ``OfferRecord`` and ``AgentEventRecord`` are appended; log-in, log-out and bounce events
  also update ``memberships.logged_in``, DND events ``users.dnd``, pause events
  ``users.pause_reason_id`` and ``paused_at``.

Commands mixed in with the records are ignored. The engine and the call layer name rows by
the string form of their integer ids; anything else is a ValueError.

Everything is Core statements (no ORM objects): the groups a batch names are read once,
offers and agent events are inserted with one ``executemany`` each, and the rollups get one
upsert per row the batch touches (``rollups.Pending``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.orm import Session

from helin.acd.commands import (
    AgentEventRecord,
    AgentStateRecord,
    CallRecord,
    DispositionRecord,
    OfferRecord,
    Output,
)
from helin.acd.model import Outcome
from helin.records import CallClosed, CallOpened, Record, RecordingMade
from helin.store.stats import agent_rollups, rollups
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
CALLS = cast(Table, Call.__table__)
"""Call rows as a Core table (statements without ORM objects)."""
GROUP_COLUMNS = (Group.id, Group.tenant_id, Group.timezone, Group.short_abandon)


class _Batch:
    """One call of ``write``: the groups it names, the rows it appends, its rollups."""

    def __init__(self, session: Session, items: list[Record | Output]) -> None:
        self.session = session
        ids = set()
        for item in items:
            if isinstance(item, CallRecord):
                ids.add(row_id(item.group_id, "group"))
                if item.overflow_group is not None:
                    ids.add(row_id(item.overflow_group, "group"))
        self.groups: dict[int, Row[int, int, str, float]] = {}
        """The batch's groups by id (id, tenant, time zone, short-abandon threshold)."""
        if ids:
            found = session.execute(select(*GROUP_COLUMNS).where(Group.id.in_(ids)))
            self.groups = {row.id: row for row in found.all()}
        self.offers: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.rollups = rollups.Pending()
        self.changed: set[int] = set()
        """Groups whose call rows the batch changed."""
        zones = agent_rollups.Zones(session)
        named = _agents_named(items)
        zones.learn(_groups_named(items), named)
        self.agents = agent_rollups.AgentFold(session, zones)
        self.agents.load(named)

    def group(self, group_id: int | None) -> Row[int, int, str, float] | None:
        if group_id is None:
            return None
        if group_id not in self.groups:
            row = self.session.execute(select(*GROUP_COLUMNS).where(Group.id == group_id)).first()
            if row is None:
                return None
            self.groups[group_id] = row
        return self.groups[group_id]

    def finish(self) -> None:
        if self.offers:
            self.session.execute(insert(Offer), self.offers)
        if self.events:
            self.session.execute(insert(AgentEvent), self.events)
        self.agents.flush(self.rollups)
        self.rollups.flush(self.session)


def _groups_named(items: list[Record | Output]) -> set[int]:
    """The groups whose zones the agents' rows of a batch need."""
    return {
        int(item.group_id)
        for item in items
        if isinstance(item, OfferRecord | AgentEventRecord | AgentStateRecord | CallRecord)
        and item.group_id is not None
        and item.group_id.isdigit()
    }


def _agents_named(items: list[Record | Output]) -> set[int]:
    """The agents whose tracks a batch changes."""
    return {
        int(item.agent_id)
        for item in items
        if isinstance(item, AgentStateRecord | AgentEventRecord | OfferRecord)
        and item.agent_id.isdigit()
    }


def write(session: Session, records: Iterable[Record | Output]) -> set[int]:
    """Turn ``records`` into rows, in order; does not commit. Returns the groups whose call
    rows changed (their call logs)."""
    items = list(records)
    batch = _Batch(session, items)
    for record in items:
        if isinstance(record, CallRecord):
            _group_segment(batch, record)
            batch.changed.add(row_id(record.group_id, "group"))
        elif isinstance(record, OfferRecord):
            _offer(batch, record)
        elif isinstance(record, AgentEventRecord):
            _agent_event(batch, record)
        elif isinstance(record, AgentStateRecord):
            _agent_state(batch, record)
        elif isinstance(record, DispositionRecord):
            _disposition(batch, record)
            batch.changed.add(row_id(record.group_id, "group"))
        elif isinstance(record, CallOpened):
            _opened(batch, record)
            if record.group_id is not None:
                batch.changed.add(row_id(record.group_id, "group"))
        elif isinstance(record, CallClosed):
            _closed(batch, record)
        elif isinstance(record, RecordingMade):
            _recording(session, record)
    batch.finish()
    return batch.changed


def _opened(batch: _Batch, record: CallOpened) -> None:
    batch.session.execute(
        insert(CALLS).values(
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


def _closed(batch: _Batch, record: CallClosed) -> None:
    session = batch.session
    row = session.execute(
        select(Call.id, Call.direction, Call.group_id, Call.agent_id, Call.arrived_at).where(
            Call.call_id == record.call_id, Call.segment == 0
        )
    ).first()
    if row is None:
        return
    session.execute(
        update(CALLS)
        .where(CALLS.c.id == row.id)
        .values(
            ended_at=from_posix(record.ended_at),
            answered_at=from_posix_opt(record.answered_at),
            outcome=record.outcome,
        )
    )
    if row.group_id is not None:
        batch.changed.add(row.group_id)
    group = batch.group(row.group_id)
    if group is not None and row.direction is Direction.OUTBOUND:
        batch.rollups.outbound(group, row.arrived_at.timestamp())
        if row.agent_id is not None:
            batch.agents.called_out(row.agent_id, group.id, agent_rollups.us_of(row.arrived_at))


def counted(session: Session, call: Call) -> None:
    """Add a call row that has just been closed (outside ``write``) to its group's rollups."""
    group = session.get(Group, call.group_id) if call.group_id is not None else None
    if group is None:
        return
    pending = rollups.Pending()
    if call.direction is Direction.INBOUND:
        pending.segment(group, rollups.record_of(call))
    elif call.direction is Direction.OUTBOUND:
        pending.outbound(group, call.arrived_at.timestamp())
    pending.flush(session)


def _group_segment(batch: _Batch, record: CallRecord) -> None:
    session = batch.session
    group_id = row_id(record.group_id, "group")
    group = batch.group(group_id)
    overflow_group = _opt_row_id(record.overflow_group, "group")
    values = {
        "group_id": group_id,
        "tenant_id": group.tenant_id if group is not None else None,
        "agent_id": _opt_row_id(record.agent_id, "agent"),
        "caller": record.caller,
        "number": record.number,
        "arrived_at": from_posix(record.arrived_at),
        "queued_at": from_posix_opt(record.queued_at),
        "first_offered_at": from_posix_opt(record.first_offered_at),
        "answered_at": from_posix_opt(record.answered_at),
        "ended_at": from_posix(record.ended_at),
        "outcome": record.outcome,
        "overflow_reason": record.overflow_reason,
        "forwarded_to": record.forwarded_to,
        "overflow_group_id": overflow_group,
        "offers": record.offers,
    }
    segment = (CALLS.c.call_id == record.call_id) & (CALLS.c.segment == record.segment)
    closed = session.execute(
        update(CALLS).where(segment, CALLS.c.outcome.is_(None)).values(**values)
    )
    first_close = bool(closed.rowcount)  # type: ignore[attr-defined]
    if not first_close:
        again = session.execute(update(CALLS).where(segment).values(**values))
        if not again.rowcount:  # type: ignore[attr-defined]
            session.execute(
                insert(CALLS).values(
                    call_id=record.call_id,
                    segment=record.segment,
                    direction=Direction.INBOUND,
                    **values,
                )
            )
            first_close = True
    if group is not None and first_close:
        batch.rollups.segment(group, record)
        answered_at, agent_id = record.answered_at, _opt_row_id(record.agent_id, "agent")
        if record.outcome is Outcome.ANSWERED and agent_id is not None and answered_at:
            batch.agents.answered(
                agent_id,
                group_id,
                agent_rollups.us_of(from_posix(answered_at)),
                agent_rollups.us_of(from_posix(record.ended_at)),
            )
    if overflow_group is not None:
        _open_next_segment(batch, record, overflow_group)


def _open_next_segment(batch: _Batch, record: CallRecord, group_id: int) -> None:
    """The row of the segment an overflow to a group starts, open until the engine closes it."""
    session = batch.session
    exists = session.scalar(
        select(Call.id).where(Call.call_id == record.call_id, Call.segment == record.segment + 1)
    )
    if exists is not None:
        return
    previous = session.execute(
        select(Call.direction, Call.tenant_id).where(
            Call.call_id == record.call_id, Call.segment == record.segment
        )
    ).one()
    group = batch.group(group_id)
    session.execute(
        insert(CALLS).values(
            call_id=record.call_id,
            segment=record.segment + 1,
            direction=previous.direction,
            tenant_id=group.tenant_id if group is not None else previous.tenant_id,
            group_id=group_id,
            caller=record.caller,
            number=record.number,
            arrived_at=from_posix(record.ended_at),
            offers=0,
        )
    )


def _recording(session: Session, record: RecordingMade) -> None:
    """The row of a finished recording, waiting in the spool (``stored_at`` NULL) until the
    uploader has it in storage; it names the call's group, agent and numbers."""
    tenant_id = row_id(record.tenant_id, "tenant")
    if session.scalar(select(Recording.id).where(Recording.call_id == record.call_id)):
        return  # a call has one recording (a restart may report one twice)
    segments = session.execute(
        select(
            Call.id,
            Call.direction,
            Call.group_id,
            Call.agent_id,
            Call.caller,
            Call.number,
            Call.arrived_at,
        )
        .where(Call.call_id == record.call_id)
        .order_by(Call.segment)
    ).all()
    last = segments[-1] if segments else None
    agent = next((s.agent_id for s in reversed(segments) if s.agent_id is not None), None)
    days = session.scalar(select(Tenant.recording_retention_days).where(Tenant.id == tenant_id))
    made = from_posix(record.made_at)
    session.execute(
        insert(Recording).values(
            tenant_id=tenant_id,
            call_row_id=last.id if last else None,
            call_id=record.call_id,
            group_id=last.group_id if last else None,
            agent_id=agent,
            direction=last.direction if last else Direction.INBOUND,
            caller=last.caller if last else "",
            number=segments[0].number if segments else "",
            started_at=segments[0].arrived_at if segments else None,
            path=record.path,
            format="wav",
            storage="spool",
            size_bytes=record.size,
            sha256=record.sha256,
            duration=record.duration,
            created_at=made,
            retained_until=made + timedelta(days=days or DEFAULT_RETENTION_DAYS),
        )
    )


def _offer(batch: _Batch, record: OfferRecord) -> None:
    group_id, agent_id = row_id(record.group_id, "group"), row_id(record.agent_id, "agent")
    started = from_posix(record.started_at)
    batch.offers.append(
        {
            "call_id": record.call_id,
            "segment": record.segment,
            "group_id": group_id,
            "agent_id": agent_id,
            "started_at": started,
            "ended_at": from_posix(record.ended_at),
            "result": record.result,
        }
    )
    batch.agents.offered(agent_id, group_id, agent_rollups.us_of(started), record.result)


def _disposition(batch: _Batch, record: DispositionRecord) -> None:
    batch.session.execute(
        update(CALLS)
        .where(CALLS.c.call_id == record.call_id, CALLS.c.segment == record.segment)
        .values(
            disposition_id=row_id(record.disposition_id, "disposition"),
            disposition_at=from_posix(record.at),
        )
    )


def _agent_state(batch: _Batch, record: AgentStateRecord) -> None:
    agent_id = row_id(record.agent_id, "agent")
    group_id = _opt_row_id(record.group_id, "group")
    at = from_posix(record.at)
    batch.events.append(
        {
            "agent_id": agent_id,
            "at": at,
            "kind": AgentEventKind.STATE,
            "group_id": group_id,
            "reason": record.reason,
            "state": record.state,
        }
    )
    batch.agents.event(
        agent_id,
        agent_rollups.us_of(at),
        AgentEventKind.STATE,
        group_id,
        record.state,
        record.reason,
    )


def _agent_event(batch: _Batch, record: AgentEventRecord) -> None:
    kind = AgentEventKind(record.kind)
    agent_id = row_id(record.agent_id, "agent")
    group_id = _opt_row_id(record.group_id, "group")
    at = from_posix(record.at)
    batch.events.append(
        {
            "agent_id": agent_id,
            "at": at,
            "kind": kind,
            "group_id": group_id,
            "reason": record.reason,
            "state": None,
        }
    )
    batch.agents.event(agent_id, agent_rollups.us_of(at), kind, group_id)
    if kind in (AgentEventKind.LOGIN, AgentEventKind.LOGOUT, AgentEventKind.BOUNCED):
        change = update(Membership).where(Membership.user_id == agent_id)
        if group_id is not None:
            change = change.where(Membership.group_id == group_id)
        batch.session.execute(change.values(logged_in=kind is AgentEventKind.LOGIN))
    elif kind in (AgentEventKind.DND_ON, AgentEventKind.DND_OFF):
        batch.session.execute(
            update(User).where(User.id == agent_id).values(dnd=kind is AgentEventKind.DND_ON)
        )
    elif kind in (AgentEventKind.PAUSE_ON, AgentEventKind.PAUSE_OFF):
        on = kind is AgentEventKind.PAUSE_ON
        reason = _opt_row_id(record.reason if on else None, "pause reason")
        batch.session.execute(
            update(User)
            .where(User.id == agent_id)
            .values(pause_reason_id=reason, paused_at=at if on else None)
        )


def row_id(text: str, what: str) -> int:
    """The integer row id behind an engine or call-layer id; ValueError for anything else."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} id {text!r} is not a store row id") from None


def _opt_row_id(text: str | None, what: str) -> int | None:
    return None if text is None else row_id(text, what)
