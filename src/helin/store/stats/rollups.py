"""Keeping the rollups: adding a segment's counts, and rebuilding them from the raw rows.

``Pending`` gathers the contributions of a batch of segments and adds them to each group's
15-minute rows, local-day rows and month rows with one upsert per row (``INSERT ... ON
CONFLICT DO UPDATE``, on SQLite and PostgreSQL alike): sums add up, maxima keep the larger.
The 15-minute rows are packed vectors (``helin.store.tables.statistics.pack``), which SQL
cannot add to: the batch reads the ones it touches, adds in numpy and writes them back, in
the writer's transaction (one writer keeps a group's rows: the records writer, or a
rebuild). ``rebuild``
throws a tenant's rows away (from a date on) and adds every finished segment again through the
very same contribution function, so the two ways cannot disagree.
"""

from __future__ import annotations

import functools
from dataclasses import fields, replace
from datetime import date, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Table, delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helin.acd.commands import CallRecord
from helin.stats.metrics import GroupCounts
from helin.stats.rollup import group_contribution, interval_of, outbound_contribution
from helin.store.tables import Call, Group, group_days, group_intervals, group_months
from helin.store.tables.base import from_posix
from helin.store.tables.enums import Direction
from helin.store.tables.statistics import bucket_columns, count_columns, pack, unpack

TABLES = (group_intervals, group_days, group_months)
KEYS = {"group_intervals": "start", "group_days": "day", "group_months": "month"}
"""Each rollup table's key column besides the group."""
_TUPLES = {f.name for f in fields(GroupCounts) if f.name.endswith("_waits")}


@functools.cache
def counts_upsert(dialect: str, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` adding a row's counts to ``table``'s (a group or
    an agent rollup): sums add up, ``*_max`` columns keep the larger. Built once per dialect
    and table, executed with many rows at a time."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    larger = func.greatest if dialect == "postgresql" else func.max
    statement = insert(table)
    excluded = statement.excluded
    keys = [c for c in table.primary_key.columns]
    counts = [c.name for c in table.columns if c not in keys and c.name != "tenant_id"]
    change = {
        column: larger(table.c[column], excluded[column])
        if column.endswith("_max")
        else table.c[column] + excluded[column]
        for column in counts
    }
    return statement.on_conflict_do_update(index_elements=keys, set_=change)


class GroupLike(Protocol):
    """What a contribution needs of its group (a ``Group`` row or a Core row of it)."""

    id: int
    tenant_id: int
    timezone: str
    short_abandon: float


class Pending:
    """Contributions gathered over a batch of records, added with one upsert per row."""

    def __init__(self) -> None:
        self._keys: list[tuple[int, int, int, date]] = []
        """Per contribution: (group, tenant, interval start, local day)."""
        self._vectors: list[list[float]] = []
        """Per contribution: its counts as a row (``flat``)."""

    def segment(self, group: GroupLike, record: CallRecord, *, stored: bool = False) -> None:
        """What one finished segment of a call in ``group`` adds (its times as stored:
        ``stored`` when ``record`` was read from its row already)."""
        stored_record = record if stored else as_stored(record)
        start, counts = group_contribution(stored_record, group.short_abandon)
        self._add(group, stored_record.arrived_at, start, counts)

    def outbound(self, group: GroupLike, at: float) -> None:
        """A call out presenting the group's number, placed at ``at``."""
        at = from_posix(at).timestamp()
        start, counts = outbound_contribution(at)
        self._add(group, at, start, counts)

    def wrap_up(self, group: GroupLike, began: float, seconds: float) -> None:
        """An agent's wrap-up after a call of ``group``, begun at ``began``."""
        self._add(group, began, interval_of(began), GroupCounts(wrap_up_sum=seconds))

    def _add(self, group: GroupLike, at: float, start: int, counts: GroupCounts) -> None:
        day = datetime.fromtimestamp(at, _zone(group.timezone)).date()
        self._keys.append((group.id, group.tenant_id, start, day))
        self._vectors.append(flat(counts))

    def flush(self, session: Session, *, new_rows: bool = False) -> None:
        """Upsert what was gathered, one statement per table (the contributions to a row summed
        with numpy first); starts over. ``new_rows``: none of the rows exists yet (a rebuild
        after deleting them), so they are inserted through the driver, much faster."""
        if not self._keys:
            return
        dialect = session.get_bind().dialect.name
        matrix = np.array(self._vectors, dtype=float)
        for table in TABLES:
            keys: list[tuple[int, int, Any]]
            if table is group_intervals:
                keys = [(g, t, start) for g, t, start, _ in self._keys]
            elif table is group_days:
                keys = [(g, t, day) for g, t, _, day in self._keys]
            else:
                keys = [(g, t, day.replace(day=1)) for g, t, _, day in self._keys]
            index: dict[tuple[int, int, Any], int] = {}
            where = np.array([index.setdefault(k, len(index)) for k in keys])
            sums = np.zeros((len(index), matrix.shape[1]))
            np.add.at(sums, where, matrix)
            if _MAXIMA.any():
                largest = np.zeros_like(sums)
                np.maximum.at(largest, where, matrix)
                sums = np.where(_MAXIMA, largest, sums)
            if table is group_intervals:
                _put_intervals(session, list(index), sums, new_rows=new_rows)
                continue
            name = KEYS[table.name]
            if new_rows:
                _insert(session, table, index, sums)
                continue
            rows = [
                {"group_id": g, name: key, "tenant_id": tenant, **_as_row(vector)}
                for (g, tenant, key), vector in zip(index, sums.tolist(), strict=True)
            ]
            session.execute(counts_upsert(dialect, table), rows)
        self._keys.clear()
        self._vectors.clear()


def _insert(
    session: Session, table: Table, index: dict[tuple[int, int, Any], int], sums: np.ndarray
) -> None:
    """New rows of ``table`` (keys and summed counts) with one ``executemany`` of tuples."""
    names = ["group_id", KEYS[table.name], "tenant_id", *_COLUMNS]
    mark = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    integer = _INTEGER
    rows = [
        (
            g,
            key,
            tenant,
            *[int(v) if whole else v for v, whole in zip(vector, integer, strict=True)],
        )
        for (g, tenant, key), vector in zip(index, sums.tolist(), strict=True)
    ]
    session.connection().exec_driver_sql(sql, rows)


def _put_intervals(
    session: Session, keys: list[tuple[int, int, Any]], sums: np.ndarray, *, new_rows: bool
) -> None:
    """Add ``sums`` (one row per ``(group, tenant, start)`` of ``keys``) to the 15-minute rows:
    the stored ones are read, added to and written back (``new_rows``: there are none)."""
    if not new_rows:
        stored = _stored_intervals(session, [(g, start) for g, _, start in keys])
        if stored:
            at = [i for i, (g, _, start) in enumerate(keys) if (g, start) in stored]
            old = unpack([stored[keys[i][0], keys[i][2]] for i in at])
            mine = sums[at]
            sums[at] = np.where(_MAXIMA, np.maximum(mine, old), mine + old)
    rows = [
        (g, start, tenant, pack(vector))
        for (g, tenant, start), vector in zip(keys, sums, strict=True)
    ]
    if new_rows:
        mark = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
        session.connection().exec_driver_sql(
            f"INSERT INTO group_intervals (group_id, start, tenant_id, counts)"
            f" VALUES ({mark}, {mark}, {mark}, {mark})",
            rows,
        )
        return
    names = ("group_id", "start", "tenant_id", "counts")
    session.execute(
        _intervals_upsert(session.get_bind().dialect.name),
        [dict(zip(names, row, strict=True)) for row in rows],
    )


_READ_AT_ONCE = 400
"""Rows a batch reads back per statement (two parameters each, within SQLite's limit)."""


def _stored_intervals(
    session: Session, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored ``counts`` of those of ``keys`` (group, start) that have a row."""
    table = group_intervals
    found: dict[tuple[int, int], bytes] = {}
    for first in range(0, len(keys), _READ_AT_ONCE):
        chunk = keys[first : first + _READ_AT_ONCE]
        query = select(table.c.group_id, table.c.start, table.c.counts).where(
            tuple_(table.c.group_id, table.c.start).in_(chunk)
        )
        found.update({(g, start): counts for g, start, counts in session.execute(query)})
    return found


@functools.cache
def _intervals_upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` of a 15-minute row whose counts are already the
    sum (``_put_intervals``)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(group_intervals)
    return statement.on_conflict_do_update(
        index_elements=[group_intervals.c.group_id, group_intervals.c.start],
        set_={"counts": statement.excluded.counts},
    )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_COLUMNS = [column for column, _ in count_columns()]
_INTEGER = [
    f.type in ("int", int) or f.name in _TUPLES
    for f in fields(GroupCounts)
    for _ in (bucket_columns(f.name) if f.name in _TUPLES else [f.name])
]
_MAXIMA = np.array([c.endswith("_max") for c in _COLUMNS])
_SHAPE = [(f.name, f.name in _TUPLES) for f in fields(GroupCounts)]


def flat(counts: GroupCounts) -> list[float]:
    """``counts`` as one row of numbers, in the order of the rollup tables' count columns."""
    out: list[float] = []
    for name, bucketed in _SHAPE:
        value = getattr(counts, name)
        if bucketed:
            out.extend(value)
        else:
            out.append(value)
    return out


def _as_row(vector: list[float]) -> dict[str, float]:
    return {
        column: int(value) if whole else value
        for column, value, whole in zip(_COLUMNS, vector, _INTEGER, strict=True)
    }


def as_stored(record: CallRecord) -> CallRecord:
    """``record`` with its times as the database keeps them (microseconds), so a contribution
    made as the record is written equals the one a rebuild makes from the row."""

    def stored(t: float | None) -> float | None:
        return None if t is None else from_posix(t).timestamp()

    return replace(
        record,
        arrived_at=from_posix(record.arrived_at).timestamp(),
        ended_at=from_posix(record.ended_at).timestamp(),
        queued_at=stored(record.queued_at),
        first_offered_at=stored(record.first_offered_at),
        answered_at=stored(record.answered_at),
    )


def rebuild(session: Session, *, tenant_id: int | None = None, since: date | None = None) -> int:
    """Recompute the rollups of every group (of one tenant) from its call rows, from its local
    midnight of the first of ``since``'s month on (all of them without); how many rows were
    added. A deleted
    group's rows are left as they are. Does not commit."""
    groups = select(Group).order_by(Group.id)
    if tenant_id is not None:
        groups = groups.where(Group.tenant_id == tenant_id)
    added = 0
    if since is not None:
        since = since.replace(day=1)  # a month's row is rebuilt whole
    for group in session.scalars(groups).all():
        cutoff = _midnight(since, group.timezone) if since is not None else None
        _forget(session, group.id, since, cutoff)
        query = select(*SEGMENT_COLUMNS).where(Call.group_id == group.id, Call.outcome.is_not(None))
        if cutoff is not None:
            query = query.where(Call.arrived_at >= cutoff)
        pending = Pending()
        for call in session.execute(query.order_by(Call.id)):
            if call.direction is Direction.INBOUND:
                pending.segment(group, record_of(call), stored=True)
            elif call.direction is Direction.OUTBOUND:
                pending.outbound(group, call.arrived_at.timestamp())
            added += 1
        pending.flush(session, new_rows=True)
    return added


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(timezone))


def _forget(session: Session, group_id: int, since: date | None, cutoff: datetime | None) -> None:
    for table in TABLES:
        change = delete(table).where(table.c.group_id == group_id)
        if since is not None and cutoff is not None:
            key = table.c[KEYS[table.name]]
            change = change.where(
                key >= int(cutoff.timestamp()) if table is group_intervals else key >= since
            )
        session.execute(change)


SEGMENT_COLUMNS = (
    Call.call_id,
    Call.segment,
    Call.direction,
    Call.group_id,
    Call.caller,
    Call.number,
    Call.outcome,
    Call.arrived_at,
    Call.ended_at,
    Call.queued_at,
    Call.first_offered_at,
    Call.answered_at,
    Call.overflow_reason,
    Call.forwarded_to,
    Call.overflow_group_id,
    Call.offers,
)
"""What a rebuild reads of each call row (Core rows, no ORM objects: millions of them)."""


def record_of(call: Any) -> CallRecord:
    """A stored segment (a ``Call`` or a row of ``SEGMENT_COLUMNS``) as the engine's record
    (what its rollup contribution is made from)."""
    assert call.outcome is not None and call.ended_at is not None
    return CallRecord(
        call_id=call.call_id,
        segment=call.segment,
        group_id=str(call.group_id),
        caller=call.caller,
        number=call.number,
        outcome=call.outcome,
        arrived_at=call.arrived_at.timestamp(),
        ended_at=call.ended_at.timestamp(),
        queued_at=_ts(call.queued_at),
        first_offered_at=_ts(call.first_offered_at),
        answered_at=_ts(call.answered_at),
        overflow_reason=call.overflow_reason,
        forwarded_to=call.forwarded_to,
        overflow_group=None if call.overflow_group_id is None else str(call.overflow_group_id),
        offers=call.offers,
    )


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()
