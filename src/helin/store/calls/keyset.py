"""Keyset paging of the call log: the sort keys, the cursors, and one page.

A page is the ``limit`` rows after (or before) a position in the chosen order; the position
is the last (or first) row's sort value and its row id, so ties are broken by id and a page
never repeats or skips a row however many rows share a value, and rows written meanwhile
do not shift later pages as an offset would. Every key is non-NULL (``coalesce``), so one
row-value comparison ``(key, id) < (value, id)`` finds the next page on SQLite and
PostgreSQL alike; ``key <= value`` beside it lets an index on the key bound the scan.

A cursor is opaque to clients: URL-safe base64 of a small JSON array naming the sort, the
direction, the side (after or before) and the position. One made for another sort or
direction is refused rather than misread.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, func, literal, tuple_, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from helin.store.tables import Call, Group, User


class CallSort(StrEnum):
    """The call log's columns, each sortable."""

    ARRIVED = "arrived"
    GROUP = "group"
    AGENT = "agent"
    CALLER = "caller"
    NUMBER = "number"
    DIRECTION = "direction"
    OUTCOME = "outcome"
    WAIT = "wait"
    TALK = "talk"
    OFFERS = "offers"


class millis_between(FunctionElement[int]):
    """Milliseconds from the second timestamp to the first, as an integer (NULL if either
    is NULL): exact, so a cursor's value compares equal to the row it came from."""

    type = BigInteger()
    name = "millis_between"
    inherit_cache = True


@compiles(millis_between, "sqlite")
def _sqlite_millis(element: millis_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER)"


@compiles(millis_between)
def _millis(element: millis_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000) AS BIGINT)"


def agent_name() -> ColumnElement[str]:
    """The answering agent's display name, else user name; '' for none."""
    return func.coalesce(func.nullif(User.display_name, ""), User.username, "")


def sort_key(sort: CallSort) -> Any:
    """The never-NULL SQL value the call log orders by for ``sort`` (the query joins the
    call's group and agent). Durations are milliseconds, -1 where there is none yet (an
    unanswered call's talk, a call still waiting); a missing name or outcome is ''."""
    if sort is CallSort.ARRIVED:
        return Call.arrived_at
    if sort is CallSort.GROUP:
        return func.coalesce(Group.name, "")
    if sort is CallSort.AGENT:
        return agent_name()
    if sort is CallSort.CALLER:
        return Call.caller
    if sort is CallSort.NUMBER:
        return Call.number
    if sort is CallSort.DIRECTION:
        return type_coerce(Call.direction, String())
    if sort is CallSort.OUTCOME:
        return func.coalesce(type_coerce(Call.outcome, String()), "")
    if sort is CallSort.WAIT:
        waited = millis_between(func.coalesce(Call.answered_at, Call.ended_at), Call.arrived_at)
        return func.coalesce(waited, literal(-1))
    if sort is CallSort.TALK:
        return func.coalesce(millis_between(Call.ended_at, Call.answered_at), literal(-1))
    return Call.offers


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in one order: the rows after it (``forward``) or before it."""

    sort: CallSort
    descending: bool
    forward: bool
    value: Any
    """The row's sort value (a datetime for ``arrived``)."""
    row_id: int

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        text = json.dumps(
            [self.sort.value, int(self.descending), int(self.forward), value, self.row_id],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: CallSort, descending: bool) -> Cursor:
        """The cursor ``text`` encodes; ValueError if it is not one, or is for another
        order than ``sort`` and ``descending``."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            name, down, forward, value, row_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValueError("not a cursor of this list") from exc
        if name != sort.value or bool(down) != descending:
            raise ValueError("the cursor is for another order; start from the first page")
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError("not a cursor of this list")
        if sort is CallSort.ARRIVED:
            if not isinstance(value, str):
                raise ValueError("not a cursor of this list")
            value = datetime.fromisoformat(value)
        elif sort in (CallSort.WAIT, CallSort.TALK, CallSort.OFFERS):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError("not a cursor of this list")
        elif not isinstance(value, str):
            raise ValueError("not a cursor of this list")
        return cls(sort, descending, bool(forward), value, row_id)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows in display order, and where the pages beside it start."""

    rows: list[Any]
    """Each row as selected, with its sort value last."""
    next: Cursor | None
    previous: Cursor | None


def page(
    session: Any,
    query: Any,
    sort: CallSort,
    *,
    descending: bool,
    cursor: Cursor | None,
    limit: int,
    offset: int = 0,
) -> Page:
    """One page of ``query`` (which selects from ``calls`` joined to its group and agent)
    in ``sort`` order, after or before ``cursor``, or from ``offset`` without one."""
    key = sort_key(sort)
    forward = cursor is None or cursor.forward
    down = descending if forward else not descending  # the direction the scan runs
    if cursor is not None:
        position = tuple_(key, Call.id)
        mark = tuple_(literal(cursor.value, key.type), literal(cursor.row_id))
        bound = literal(cursor.value, key.type)
        if down:
            query = query.where(key <= bound, position < mark)
        else:
            query = query.where(key >= bound, position > mark)
    order = (key.desc(), Call.id.desc()) if down else (key.asc(), Call.id.asc())
    query = query.add_columns(key.label("sort_value")).order_by(*order).limit(limit + 1)
    if cursor is None and offset:
        query = query.offset(offset)
    found = list(session.execute(query).all())
    more = len(found) > limit
    rows = found[:limit]
    if not forward:
        rows.reverse()
    if not rows:
        return Page([], None, None)

    def at(row: Any, ahead: bool) -> Cursor:
        return Cursor(sort, descending, ahead, row[-1], row[0].id)

    first, last = rows[0], rows[-1]
    if forward:
        after = at(last, True) if more else None
        before = at(first, False) if (cursor is not None or offset) else None
    else:
        after = at(last, True)
        before = at(first, False) if more else None
    return Page(rows, after, before)
