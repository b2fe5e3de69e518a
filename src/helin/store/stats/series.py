"""Reading the rollups: a group's (or an agent's) counts per period of its own time zone.

A period is 15 minutes, an hour, a day, a week (Monday to Sunday) or a month of the group's
local calendar. Periods of up to an hour are sums of 15-minute rows (``group_intervals``),
stepped through in UTC from the group's local midnight, so a day on which the clocks change
has 23 or 25 hourly periods, the repeated hour told apart by its UTC offset. Days, weeks and
months are sums of local-day rows (``group_days``), whole months read from ``group_months``
— unless the view keeps only some weekdays or hours of the day, which only the day or
15-minute rows can tell. Every period of the range is listed, also
those without calls.

Each table is read once for all the groups of a view, and the rows are summed into periods
with numpy (``np.add.reduceat``; the maxima with ``np.maximum.reduceat``).

``Rollup`` says which tables a view reads and whose rows they are: ``GROUPS`` (the rows of
groups), or ``agents_in(group)`` (the rows of agents for one group, or for ``ALL_GROUPS``;
agents have no month rows, so their months are summed from days).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from helin.stats.metrics import ALL_GROUPS, AgentCounts, GroupCounts
from helin.stats.rollup import INTERVAL_SECONDS, Period
from helin.store.tables import (
    Membership,
    User,
    agent_days,
    agent_intervals,
    group_days,
    group_intervals,
    group_months,
)
from helin.store.tables.statistics import bucket_columns, count_columns, unpack

_SECONDS = {Period.QUARTER: INTERVAL_SECONDS, Period.HOUR: 3600}


@dataclass(frozen=True, slots=True)
class Slice:
    """Which part of the calendar a view keeps."""

    first: date
    last: date
    """Inclusive."""
    weekdays: frozenset[int] = frozenset(range(7))
    """0 is Monday."""
    hours: tuple[int, int] = (0, 24)
    """Local hours kept: ``from <= hour < to``."""

    @property
    def whole_days(self) -> bool:
        return self.hours == (0, 24)


class Row(NamedTuple):
    """One period of a series (a named tuple: a view makes tens of thousands)."""

    start: datetime
    """The period's local start, with its UTC offset."""
    seconds: float
    """The period's length (a day with a clock change has 23 or 25 hours)."""
    counts: Any
    """``GroupCounts`` or ``AgentCounts``, as the ``Rollup`` read."""


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


COLUMNS = [column for column, _ in count_columns()]
_FIELD = dict(count_columns())
_INTS = {f.name for f in fields(GroupCounts) if f.type in ("int", int)}
EMPTY = GroupCounts()


@dataclass(frozen=True)
class Rollup:
    """Which rollup tables a view reads, whose rows they are, and how a row becomes counts."""

    intervals: Table
    days: Table
    months: Table | None
    owner: str
    """The column naming whose rows they are (the entity a series is per)."""
    columns: tuple[str, ...]
    maxima: tuple[bool, ...]
    """Per column: a maximum (``*_max``) rather than a sum."""
    counts: Callable[[np.ndarray], list[Any]]
    """A matrix of rows (one per period) as counts, one per row."""
    empty: Any
    fixed: tuple[tuple[str, int], ...] = ()
    """More ``column == value`` conditions (an agent rollup's group)."""
    packed: bool = False
    """The 15-minute table keeps its counts packed in one column (``unpack``)."""

    def where(self, table: Table, owners: Sequence[int]) -> list[Any]:
        return [table.c[self.owner].in_(list(owners))] + [
            table.c[column] == value for column, value in self.fixed
        ]


def series(
    session: Session, group_id: int, timezone: str, view: Slice, period: Period
) -> list[Row]:
    """Every period of ``view`` for one group, with its counts."""
    return series_of(session, [(group_id, timezone)], view, period)[group_id]


def series_of(
    session: Session,
    owners: Sequence[tuple[int, str]],
    view: Slice,
    period: Period,
    rollup: Rollup | None = None,
) -> dict[int, list[Row]]:
    """Every period of ``view`` for each ``(group id, time zone)`` (or agent id, with an agent
    ``rollup``), with its counts."""
    kind = rollup or GROUPS
    zones = {owner: ZoneInfo(timezone) for owner, timezone in owners}
    if period in _SECONDS:
        return _short(session, kind, zones, view, _SECONDS[period])
    if view.whole_days and len(view.weekdays) == 7:
        whole_months = period is Period.MONTH and view.first.day == 1 and _month_end(view.last)
        if whole_months and kind.months is not None:
            summed = _months(session, kind, kind.months, zones, view)
        else:
            summed = _summed_days(session, kind, zones, view, period)
        return {
            g: [
                Row(midnight(key, zone), span, summed.get((g, key), kind.empty))
                for key, span in _spans(zone, view, period).items()
            ]
            for g, zone in zones.items()
        }
    if view.whole_days:
        days = {
            g: _kept_days(keys, matrix, view)
            for g, (keys, matrix) in _read(session, kind, kind.days, "day", zones, view).items()
        }
    else:
        days = {
            g: _days_of_intervals(keys, matrix, zones[g], view)
            for g, (keys, matrix) in _read(
                session, kind, kind.intervals, "start", zones, view
            ).items()
        }
    return {
        g: _long(kind, days.get(g, ([], None)), zone, view, period) for g, zone in zones.items()
    }


def _rows(
    session: Session,
    kind: Rollup,
    table: Table,
    key: str,
    zones: dict[int, ZoneInfo],
    view: Slice,
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """The owners' rows of ``table`` in the view's range, in owner and key order: (owner of
    each row, its key, the counts matrix)."""
    width = len(kind.columns)
    if not zones:
        return np.zeros(0, dtype=np.int64), [], np.zeros((0, width))
    column = table.c[key]
    owner = table.c[kind.owner]
    packed = kind.packed and table is kind.intervals
    rows: Sequence[Any]
    begins = [midnight(view.first, zone).timestamp() for zone in zones.values()]
    ends = [midnight(view.last + timedelta(days=1), zone).timestamp() for zone in zones.values()]
    if packed:
        rows = _packed(session, table, list(zones), int(min(begins)), int(max(ends)))
    else:
        query = select(owner, column, *[table.c[c] for c in kind.columns])
        query = query.where(*kind.where(table, list(zones)))
        if key == "day":
            query = query.where(column >= view.first, column <= view.last)
        else:
            query = query.where(column >= int(min(begins)), column < int(max(ends)))
        rows = session.execute(query.order_by(owner, column)).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), [], np.zeros((0, width))
    if packed:
        matrix = unpack([row[2] for row in rows])
    else:
        matrix = np.array([row[2:] for row in rows], dtype=float)
    return np.array([row[0] for row in rows], dtype=np.int64), [row[1] for row in rows], matrix


def _packed(
    session: Session, table: Table, owners: list[int], begin: int, end: int
) -> list[tuple[int, int, bytes]]:
    """(group, start, packed counts) of the groups' 15-minute rows from ``begin`` to ``end``,
    in group and time order, through the driver: a day of every group is thousands of rows,
    and PostgreSQL sends them in its binary format (half the bytes of hex text, nothing to
    decode), SQLite without SQLAlchemy's result rows."""
    name = table.name
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    where = "AND start >= {0} AND start < {0} ORDER BY group_id, start"
    if connection.dialect.name == "postgresql":
        with raw.cursor(binary=True) as cursor:
            cursor.execute(
                f"SELECT group_id, start, counts FROM {name} WHERE group_id = ANY(%s) "
                + where.format("%s"),
                (owners, begin, end),
            )
            return list(cursor.fetchall())
    marks = ", ".join("?" * len(owners))
    found = raw.execute(
        f"SELECT group_id, start, counts FROM {name} WHERE group_id IN ({marks}) "
        + where.format("?"),
        (*owners, begin, end),
    )
    return list(found.fetchall())


def _read(
    session: Session,
    kind: Rollup,
    table: Table,
    key: str,
    zones: dict[int, ZoneInfo],
    view: Slice,
) -> dict[int, tuple[list[Any], np.ndarray]]:
    """Each owner's rows of ``table`` in the view's range: (keys in order, counts matrix)."""
    owners, keys, matrix = _rows(session, kind, table, key, zones, view)
    if not len(owners):
        return {}
    starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1]))).tolist()
    ids = owners.tolist()
    return {
        ids[a]: (keys[a:b], matrix[a:b])
        for a, b in zip(starts, [*starts[1:], len(ids)], strict=True)
    }


def _period_key(dialect: str, table: Table, period: Period) -> Any:
    """The local day a day row's period starts on, as SQL (a day, its Monday, the 1st)."""
    day = table.c.day
    if period is Period.DAY:
        return day
    if dialect == "postgresql":
        return func.date_trunc("week" if period is Period.WEEK else "month", day)
    if period is Period.WEEK:
        return func.date(day, func.printf("-%d days", (func.strftime("%w", day) + 6) % 7))
    return func.date(day, "start of month")


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _months(
    session: Session, kind: Rollup, table: Table, zones: dict[int, ZoneInfo], view: Slice
) -> dict[tuple[int, date], Any]:
    """Whole months straight from the month rows (a year is 12 rows a group)."""
    query = select(table.c[kind.owner], table.c.month, *(table.c[c] for c in kind.columns)).where(
        *kind.where(table, list(zones)),
        table.c.month >= view.first,
        table.c.month <= view.last,
    )
    found = session.execute(query).all()
    if not found:
        return {}
    counts = kind.counts(np.array([row[2:] for row in found], dtype=float))
    return {(row[0], row[1]): c for row, c in zip(found, counts, strict=True)}


def _summed_days(
    session: Session, kind: Rollup, zones: dict[int, ZoneInfo], view: Slice, period: Period
) -> dict[tuple[int, date], Any]:
    """Day rows summed per owner and period by the database (the periods of whole days)."""
    dialect = session.get_bind().dialect.name
    table = kind.days
    key = _period_key(dialect, table, period).label("period")
    measures = [
        (func.max if largest else func.sum)(table.c[c]).label(c)
        for c, largest in zip(kind.columns, kind.maxima, strict=True)
    ]
    owner = table.c[kind.owner]
    query = (
        select(owner, key, *measures)
        .where(
            *kind.where(table, list(zones)),
            table.c.day >= view.first,
            table.c.day <= view.last,
        )
        .group_by(owner, key)
    )
    found = session.execute(query).all()
    if not found:
        return {}
    counts = kind.counts(np.array([row[2:] for row in found], dtype=float))
    out: dict[tuple[int, date], Any] = {}
    for row, c in zip(found, counts, strict=True):
        start = row[1]
        if isinstance(start, datetime):
            start = start.date()
        elif isinstance(start, str):
            start = date.fromisoformat(start)
        out[(row[0], start)] = c
    return out


def _plan() -> list[tuple[bool, int, int, bool]]:
    """For each ``GroupCounts`` field in order: (bucketed?, first column, end, integer?)."""
    plan, at = [], 0
    for f in fields(GroupCounts):
        width = len(bucket_columns(f.name)) if f.name.endswith("_waits") else 1
        plan.append((width > 1, at, at + width, f.name in _INTS))
        at += width
    return plan


_PLAN = _plan()


def _counts(matrix: np.ndarray) -> list[GroupCounts]:
    """Each row of ``matrix`` as counts (converted a column at a time, then constructed)."""
    whole = np.rint(matrix).astype(np.int64)
    columns: list[list[Any]] = []
    for bucketed, a, b, integer in _PLAN:
        if bucketed:
            columns.append(list(map(tuple, whole[:, a:b].tolist())))
        else:
            columns.append((whole if integer else matrix)[:, a].tolist())
    return list(map(GroupCounts, *columns))


def _agent_counts(matrix: np.ndarray) -> list[AgentCounts]:
    return [AgentCounts(*row) for row in np.rint(matrix).astype(np.int64).tolist()]


GROUPS = Rollup(
    group_intervals,
    group_days,
    group_months,
    "group_id",
    tuple(COLUMNS),
    tuple(_FIELD[c].endswith("_max") for c in COLUMNS),
    _counts,
    EMPTY,
    packed=True,
)
"""Groups' rows."""
_AGENT_COLUMNS = tuple(f.name for f in fields(AgentCounts))
_AGENTS = Rollup(
    agent_intervals,
    agent_days,
    None,
    "agent_id",
    _AGENT_COLUMNS,
    (False,) * len(_AGENT_COLUMNS),
    _agent_counts,
    AgentCounts(),
)


def agents_in(group_id: int) -> Rollup:
    """Agents' rows for one group (``ALL_GROUPS``: over all their groups)."""
    return replace(_AGENTS, fixed=(("group_id", group_id),))


def _sums(kind: Rollup, matrix: np.ndarray, groups: list[int]) -> np.ndarray:
    """Rows of ``matrix`` summed between the row indices ``groups`` (their starts)."""
    index = np.array(groups)
    return np.where(
        np.array(kind.maxima),
        np.maximum.reduceat(matrix, index, axis=0),
        np.add.reduceat(matrix, index, axis=0),
    )


def _by_key(kind: Rollup, keys: list[Any], matrix: np.ndarray | None) -> dict[Any, Any]:
    """Rows with equal (consecutive) keys summed."""
    if matrix is None or not keys:
        return {}
    starts = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    counts = kind.counts(_sums(kind, matrix, starts))
    return {keys[i]: c for i, c in zip(starts, counts, strict=True)}


def _kept(local: datetime, view: Slice) -> bool:
    return local.weekday() in view.weekdays and view.hours[0] <= local.hour < view.hours[1]


def _short(
    session: Session, kind: Rollup, zones: dict[int, ZoneInfo], view: Slice, step: int
) -> dict[int, list[Row]]:
    """Periods of ``step`` seconds (15 minutes or an hour) of every owner: the 15-minute rows
    of all owners read at once, each owner's own local days kept, summed per (owner, period)
    in one ``reduceat`` (the rows come in owner and time order, so a period's rows are
    consecutive), and made counts in one conversion."""
    found: dict[int, dict[int, Any]] = {g: {} for g in zones}
    owners, keys, matrix = _rows(session, kind, kind.intervals, "start", zones, view)
    if len(owners):
        begins = {g: int(midnight(view.first, z).timestamp()) for g, z in zones.items()}
        ends = {
            g: int(midnight(view.last + timedelta(days=1), z).timestamp()) for g, z in zones.items()
        }
        begin = np.array([begins[g] for g in owners.tolist()], dtype=np.int64)
        end = np.array([ends[g] for g in owners.tolist()], dtype=np.int64)
        starts = np.array(keys, dtype=np.int64)
        inside = (begin <= starts) & (starts < end)
        owners, matrix = owners[inside], matrix[inside]
        periods = (begin + (starts - begin) // step * step)[inside]
        if len(owners):
            new = np.flatnonzero(
                np.concatenate(
                    ([True], (owners[1:] != owners[:-1]) | (periods[1:] != periods[:-1]))
                )
            )
            summed = matrix if len(new) == len(owners) else _sums(kind, matrix, new.tolist())
            counts = kind.counts(summed)
            for g, at, c in zip(owners[new].tolist(), periods[new].tolist(), counts, strict=True):
                found[g][at] = c
    out: dict[int, list[Row]] = {}
    for g, z in zones.items():
        blank, index = _blank(z, view, step, cast(Hashable, type(kind.empty)))
        rows = out[g] = list(blank)
        for at, c in found[g].items():
            if (i := index.get(at)) is not None:  # else an hour or a weekday left out
                rows[i] = Row(rows[i].start, step, c)
    return out


@functools.lru_cache(maxsize=256)
def _blank(
    zone: ZoneInfo, view: Slice, step: int, counts: Any
) -> tuple[tuple[Row, ...], dict[int, int]]:
    """The kept periods of ``step`` seconds without calls (each with empty ``counts``), and
    where each period's start (POSIX seconds) is among them: once per time zone and view,
    whatever the number of groups."""
    begin = int(midnight(view.first, zone).timestamp())
    end = int(midnight(view.last + timedelta(days=1), zone).timestamp())
    empty = counts()
    rows: list[Row] = []
    index: dict[int, int] = {}
    for start in range(begin, end, step):
        local = datetime.fromtimestamp(start, UTC).astimezone(zone)
        if _kept(local, view):
            index[start] = len(rows)
            rows.append(Row(local, step, empty))
    return tuple(rows), index


def _kept_days(
    keys: list[Any], matrix: np.ndarray, view: Slice
) -> tuple[list[Any], np.ndarray | None]:
    kept = [i for i, day in enumerate(keys) if day.weekday() in view.weekdays]
    return [keys[i] for i in kept], matrix[kept] if kept else None


def _days_of_intervals(
    keys: list[Any], matrix: np.ndarray, zone: ZoneInfo, view: Slice
) -> tuple[list[Any], np.ndarray | None]:
    days, kept = [], []
    for i, start in enumerate(keys):
        local = datetime.fromtimestamp(int(start), UTC).astimezone(zone)
        if view.first <= local.date() <= view.last and _kept(local, view):
            days.append(local.date())
            kept.append(i)
    return list(days), matrix[kept] if kept else None


def _period_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _long(
    kind: Rollup,
    days: tuple[list[Any], np.ndarray | None],
    zone: ZoneInfo,
    view: Slice,
    period: Period,
) -> list[Row]:
    keys, matrix = days
    counts = _by_key(kind, [_period_start(d, period) for d in keys], matrix)
    return [
        Row(midnight(key, zone), span, counts.get(key, kind.empty))
        for key, span in _spans(zone, view, period).items()
    ]


@functools.lru_cache(maxsize=256)
def _spans(zone: ZoneInfo, view: Slice, period: Period) -> dict[date, float]:
    """Each period's start and length in seconds (only the kept weekdays and hours): one
    computation per time zone and view, whatever the number of groups."""
    share = (view.hours[1] - view.hours[0]) / 24
    spans: dict[date, float] = {}
    if len(view.weekdays) == 7:
        key = _period_start(view.first, period)
        while key <= view.last:
            following = _period_start(_next(key, period), period)
            first, after = max(key, view.first), min(following, view.last + timedelta(days=1))
            length = (midnight(after, zone) - midnight(first, zone)).total_seconds()
            spans[key] = length * share
            key = following
        return spans
    for day in _dates(view.first, view.last):
        if day.weekday() in view.weekdays:
            key = _period_start(day, period)
            length = (midnight(day + timedelta(days=1), zone) - midnight(day, zone)).total_seconds()
            spans[key] = spans.get(key, 0.0) + length * share
    return spans


def _next(start: date, period: Period) -> date:
    if period is Period.WEEK:
        return start + timedelta(days=7)
    if period is Period.MONTH:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def _dates(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def agents_seen(
    session: Session, tenant_id: int, group_id: int, first: date, last: date
) -> list[tuple[int, str]]:
    """(id, name) of the agents a view of ``group_id`` (or ``ALL_GROUPS``) lists, by name:
    the group's members (for all groups: the company's users with the agent right) and
    whoever has rows for it from ``first`` to ``last``."""
    members = (
        select(User.id).where(User.tenant_id == tenant_id, User.agent)
        if group_id == ALL_GROUPS
        else select(Membership.user_id).where(Membership.group_id == group_id)
    )
    seen = select(agent_days.c.agent_id).where(
        agent_days.c.tenant_id == tenant_id,
        agent_days.c.group_id == group_id,
        agent_days.c.day >= first,
        agent_days.c.day <= last,
    )
    found = session.execute(
        select(User.id, User.display_name, User.username)
        .where(User.tenant_id == tenant_id)
        .where(or_(User.id.in_(members), User.id.in_(seen)))
    ).all()
    named = [(row.id, row.display_name or row.username) for row in found]
    return sorted(named, key=lambda item: (item[1].casefold(), item[0]))
