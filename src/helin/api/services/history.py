"""The full call history and the agent log, filtered and paged: managers see their company's,
an agent their own agent log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from helin.acd.offers import MISSED
from helin.api.context import ApiContext
from helin.api.schemas.history import (
    AgentEventPage,
    AgentEventPublic,
    CallDetailPublic,
    CallPage,
    CallPublic,
    OfferPublic,
    RecordingInfo,
    SegmentPublic,
)
from helin.api.services import export
from helin.api.services.errors import Forbidden, Invalid, NotFound
from helin.api.services.export import Column, Kind
from helin.api.services.security import Principal, may_manage
from helin.store.calls import detail, history
from helin.store.calls.history import CallFilter
from helin.store.calls.keyset import CallSort, Cursor
from helin.store.tables import DispositionCode
from helin.store.tables.enums import AgentEventKind

__all__ = [
    "CallFilter",
    "CallQuery",
    "CallSort",
    "call_detail",
    "calls_table",
    "list_agent_events",
    "list_calls",
    "log_zone",
]


@dataclass(frozen=True, slots=True)
class CallQuery:
    """The call log's filters, order and page."""

    where: CallFilter = field(default_factory=CallFilter)
    sort: CallSort = CallSort.ARRIVED
    descending: bool = True
    cursor: str | None = None
    """From a page's ``next_cursor`` or ``previous_cursor``."""
    limit: int = 100
    offset: int = 0
    """Rows to skip (without a cursor), for older clients."""


def _seconds(end: datetime | None, start: datetime | None) -> float | None:
    return None if end is None or start is None else (end - start).total_seconds()


def call_public(row: history.CallRow) -> CallPublic:
    c = row.call
    return CallPublic(
        id=c.id,
        call_id=c.call_id,
        segment=c.segment,
        direction=c.direction,
        group_id=c.group_id,
        agent_id=c.agent_id,
        caller=c.caller,
        number=c.number,
        arrived_at=c.arrived_at,
        queued_at=c.queued_at,
        first_offered_at=c.first_offered_at,
        answered_at=c.answered_at,
        ended_at=c.ended_at,
        outcome=c.outcome,
        overflow_reason=c.overflow_reason,
        forwarded_to=c.forwarded_to,
        overflow_group_id=c.overflow_group_id,
        offers=c.offers,
        missed=history.is_missed(c),
        recording_id=row.recording_id,
        recording_state=row.recording_state,
        group_name=row.group_name,
        timezone=row.group_timezone,
        agent_name=row.agent_name,
        wait=_seconds(c.answered_at or c.ended_at, c.arrived_at),
        talk=_seconds(c.ended_at, c.answered_at),
        disposition_id=c.disposition_id,
        disposition=None
        if row.disposition is None
        else f"{row.disposition[0]} · {row.disposition[1]}",
    )


def _manager(me: Principal) -> int:
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("the call history is for managers")
    return me.tenant_id


def _cursor(query: CallQuery) -> Cursor | None:
    if query.cursor is None:
        return None
    if query.offset:
        raise Invalid.at((("query", "offset"), "give either a cursor or an offset"))
    try:
        return Cursor.decode(query.cursor, query.sort, query.descending)
    except ValueError as exc:
        raise Invalid.at((("query", "cursor"), str(exc))) from exc


def list_calls(ctx: ApiContext, me: Principal, query: CallQuery) -> CallPage:
    """One page of the company's calls (one row per group a call visited) in the asked
    order, newest first by default."""
    tenant_id = _manager(me)
    cursor = _cursor(query)
    with ctx.sessions() as session:
        found = history.calls(
            session,
            tenant_id,
            query.where,
            limit=query.limit,
            offset=query.offset,
            sort=query.sort,
            descending=query.descending,
            cursor=cursor,
        )
        items = [call_public(row) for row in found.rows]
    return CallPage(
        total=found.total,
        total_exact=found.exact,
        items=items,
        sort=query.sort.value,
        order="desc" if query.descending else "asc",
        next_cursor=found.next.encode() if found.next else None,
        previous_cursor=found.previous.encode() if found.previous else None,
    )


EXPORT_LIMIT = 100_000
"""The most rows one export of the call log holds (narrow the filters for more)."""
CALL_COLUMNS = [
    Column("arrived_at", Kind.TIME),
    Column("timezone"),
    Column("group"),
    Column("agent"),
    Column("caller"),
    Column("number"),
    Column("direction"),
    Column("outcome"),
    Column("missed"),
    Column("wait", Kind.SECONDS),
    Column("talk", Kind.SECONDS),
    Column("offers", Kind.NUMBER),
    Column("disposition"),
    Column("answered_at", Kind.TIME),
    Column("ended_at", Kind.TIME),
    Column("overflow_reason"),
    Column("forwarded_to"),
    Column("recording_id", Kind.NUMBER),
    Column("call_id"),
    Column("segment", Kind.NUMBER),
    Column("id", Kind.NUMBER),
]


def calls_table(
    ctx: ApiContext, me: Principal, query: CallQuery, *, limit: int = EXPORT_LIMIT
) -> export.Table:
    """Every call matching the filters (up to ``limit``) in the asked order, times in each
    call's group's time zone."""
    tenant_id = _manager(me)
    rows: list[list[object]] = []
    with ctx.sessions() as session:
        default = history.tenant_zone(session, tenant_id)
        cursor = _cursor(query)
        offset = query.offset
        while len(rows) < limit:
            found = history.calls(
                session,
                tenant_id,
                query.where,
                limit=min(1000, limit - len(rows)),
                offset=offset,
                sort=query.sort,
                descending=query.descending,
                cursor=cursor,
                count_limit=0,  # the export counts what it writes
            )
            for row in found.rows:
                c, zone = call_public(row), ZoneInfo(row.group_timezone or default)

                def local(moment: datetime | None, zone: ZoneInfo = zone) -> datetime | None:
                    return None if moment is None else moment.astimezone(zone)

                rows.append(
                    [
                        local(c.arrived_at),
                        zone.key,
                        c.group_name,
                        c.agent_name,
                        c.caller,
                        c.number,
                        c.direction.value,
                        c.outcome.value if c.outcome else None,
                        c.missed,
                        c.wait,
                        c.talk,
                        c.offers,
                        c.disposition,
                        local(c.answered_at),
                        local(c.ended_at),
                        c.overflow_reason.value if c.overflow_reason else None,
                        c.forwarded_to,
                        c.recording_id,
                        c.call_id,
                        c.segment,
                        c.id,
                    ]
                )
            if found.next is None:
                break
            cursor, offset = found.next, 0
    order = "descending" if query.descending else "ascending"
    notes: list[list[object]] = [[f"sorted by {query.sort.value}, {order}"]]
    if len(rows) >= limit:
        notes.append([f"only the first {limit} calls; narrow the filters for the rest"])
    return export.Table("calls", CALL_COLUMNS, list(rows), notes)


def call_detail(ctx: ApiContext, me: Principal, row_id: int) -> CallDetailPublic:
    """The call that call row ``row_id`` belongs to: every segment with its recording,
    every ring of an agent."""
    tenant_id = _manager(me)
    with ctx.sessions() as session:
        found = detail.call_detail(session, tenant_id, row_id)
        if found is None:
            raise NotFound("no such call")
        segments = []
        for s in found.segments:
            state = None
            if s.recording is not None:
                state = history.recording_state(
                    s.recording.stored_at is not None, s.recording.deleted_at is not None
                )
            coded = s.call.disposition_id
            code = session.get(DispositionCode, coded) if coded is not None else None
            row = history.CallRow(
                s.call,
                s.group_name,
                s.group_timezone,
                s.agent_name,
                None if state != "stored" or s.recording is None else s.recording.id,
                state,
                (code.code, code.name) if code else None,
            )
            r = s.recording
            info = None
            if r is not None:
                info = RecordingInfo(
                    id=r.id,
                    duration=r.duration,
                    created_at=r.created_at,
                    retained_until=r.retained_until,
                    keep=r.keep,
                    stored_at=r.stored_at,
                    deleted_at=r.deleted_at,
                )
            segments.append(SegmentPublic(**call_public(row).model_dump(), recording=info))
        offers = [
            OfferPublic(
                id=o.offer.id,
                segment=o.offer.segment,
                group_id=o.offer.group_id,
                group_name=o.group_name,
                agent_id=o.offer.agent_id,
                agent_name=o.agent_name,
                started_at=o.offer.started_at,
                ended_at=o.offer.ended_at,
                seconds=(o.offer.ended_at - o.offer.started_at).total_seconds(),
                result=o.offer.result,
                missed=o.offer.result in MISSED,
            )
            for o in found.offers
        ]
        call_id = found.segments[0].call.call_id
    return CallDetailPublic(call_id=call_id, segments=segments, offers=offers)


def list_agent_events(
    ctx: ApiContext,
    me: Principal,
    *,
    agent_id: int | None,
    group_id: int | None,
    kind: AgentEventKind | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> AgentEventPage:
    """The agent log, newest first: a manager's company's agents, or an agent's own."""
    if me.tenant_id is None or not (me.manager or me.tenant_admin or me.agent):
        raise Forbidden("the agent log is for agents and managers")
    if not (me.manager or me.tenant_admin):
        agent_id = me.user_id
    where = history.EventFilter(agent_id, group_id, kind, since, until)
    with ctx.sessions() as session:
        total, page = history.agent_events(session, me.tenant_id, where, limit=limit, offset=offset)
        items = [
            AgentEventPublic(
                id=e.id,
                agent_id=e.agent_id,
                at=e.at,
                kind=e.kind,
                group_id=e.group_id,
                reason=e.reason,
                state=e.state.value if e.state is not None else None,
            )
            for e in page
        ]
    return AgentEventPage(total=total, items=items)


def log_zone(ctx: ApiContext, me: Principal) -> str:
    """The time zone the call log's dates are days of: the company's first group's."""
    tenant_id = _manager(me)
    with ctx.sessions() as session:
        return history.tenant_zone(session, tenant_id)
