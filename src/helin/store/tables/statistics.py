"""The statistics rollups: a group's counts per 15-minute interval, per local day and month.

The day and month tables have one column per field of ``helin.stats.metrics.GroupCounts`` (a
bucketed field becomes one column per bucket: ``answered_le_5`` ... ``answered_le_300``,
``answered_gt_300``), so the counts are defined in one place, every view is a sum of rows and
the database sums days into weeks and months itself. The 15-minute table keeps the same counts
as one vector per row (``counts``: ``pack``), because its rows are read one by one (a day of
every group is thousands of them) and are only ever summed in Python: a database driver
decodes one value per row much faster than forty-one. Rows exist only where calls arrived.
``group_id`` is not a foreign key: a deleted group's figures stay in its tenant's totals.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from helin.stats.metrics import THRESHOLDS, AgentCounts, GroupCounts
from helin.store.tables.base import metadata


def bucket_columns(name: str) -> list[str]:
    """Column names of a bucketed field (``answered_waits``: ``answered_le_5`` ...)."""
    prefix = name.removesuffix("_waits")
    return [f"{prefix}_le_{edge}" for edge in THRESHOLDS] + [f"{prefix}_gt_{THRESHOLDS[-1]}"]


def count_columns() -> list[tuple[str, str]]:
    """(column name, field name) of every count column, in ``GroupCounts`` order."""
    out: list[tuple[str, str]] = []
    for f in fields(GroupCounts):
        if f.name.endswith("_waits"):
            out += [(column, f.name) for column in bucket_columns(f.name)]
        else:
            out.append((f.name, f.name))
    return out


def _counts() -> list[Column[int] | Column[float]]:
    columns: list[Column[int] | Column[float]] = []
    floats = {f.name for f in fields(GroupCounts) if f.type in ("float", float)}
    for column, field_name in count_columns():
        if field_name in floats:
            columns.append(Column(column, Double(), nullable=False, default=0.0))
        else:
            columns.append(Column(column, Integer(), nullable=False, default=0))
    return columns


def _rollup(name: str, key: Column[Any]) -> Table:
    """A rollup table: the group, ``key`` (when), the tenant and the count columns."""
    table = Table(
        name,
        metadata,
        Column("group_id", Integer(), primary_key=True),
        key,
        Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        *_counts(),
    )
    Index(f"ix_{name}_tenant_{key.name}", table.c.tenant_id, table.c[key.name])
    return table


COUNT_WIDTH = len(count_columns())
"""How many numbers a packed row holds."""
_PACKED = np.dtype("<f8")


def pack(vector: np.ndarray | list[float]) -> bytes:
    """One row's counts (``count_columns`` order) as a ``counts`` value: little-endian
    float64s, exact for whole numbers up to 2**53."""
    return np.asarray(vector, dtype=_PACKED).tobytes()


def unpack(values: list[bytes]) -> np.ndarray:
    """``counts`` values as a matrix, one row each, ``COUNT_WIDTH`` wide. A shorter value
    was written before the fields at its end existed (new fields go last): they read as 0."""
    if not values:
        return np.zeros((0, COUNT_WIDTH))
    size = COUNT_WIDTH * _PACKED.itemsize
    if set(map(len, values)) == {size}:
        return np.frombuffer(b"".join(values), dtype=_PACKED).reshape(len(values), COUNT_WIDTH)
    matrix = np.zeros((len(values), COUNT_WIDTH))
    for row, value in enumerate(values):
        numbers = np.frombuffer(value, dtype=_PACKED)[:COUNT_WIDTH]
        matrix[row, : len(numbers)] = numbers
    return matrix


def named(counts: bytes) -> dict[str, float]:
    """A packed row's counts by column name (as the day and month tables have them)."""
    vector = unpack([counts])[0].tolist()
    return {column: vector[i] for i, (column, _) in enumerate(count_columns())}


group_intervals = Table(
    "group_intervals",
    metadata,
    Column("group_id", Integer(), primary_key=True),
    Column("start", BigInteger(), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("counts", LargeBinary(), nullable=False),
)
"""A group's counts in the 15 minutes from ``start`` (POSIX seconds, UTC-aligned), packed
(``pack``)."""
Index("ix_group_intervals_tenant_start", group_intervals.c.tenant_id, group_intervals.c.start)
group_days = _rollup("group_days", Column("day", Date(), primary_key=True))
"""A group's counts on one day of its own time zone (for views of days and weeks)."""
group_months = _rollup("group_months", Column("month", Date(), primary_key=True))
"""A group's counts in one month of its own time zone (``month``: the 1st), for year views."""


def _agent_rollup(name: str, key: Column[Any]) -> Table:
    """An agent rollup: the agent, the group (``ALL_GROUPS`` for all of them), ``key``, the
    tenant and one whole-number column per field of ``AgentCounts``."""
    table = Table(
        name,
        metadata,
        Column("agent_id", Integer(), primary_key=True),
        Column("group_id", Integer(), primary_key=True),
        key,
        Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        *(Column(f.name, BigInteger(), nullable=False, default=0) for f in fields(AgentCounts)),
    )
    Index(f"ix_{name}_tenant_{key.name}", table.c.tenant_id, table.c[key.name])
    return table


agent_intervals = _agent_rollup("agent_intervals", Column("start", BigInteger(), primary_key=True))
"""An agent's counts for a group in the 15 minutes from ``start`` (POSIX seconds)."""
agent_days = _agent_rollup("agent_days", Column("day", Date(), primary_key=True))
"""An agent's counts for a group on one day of the group's time zone (for ``ALL_GROUPS``: of
the time zone of the tenant's first group)."""

agent_tracks = Table(
    "agent_tracks",
    metadata,
    Column("agent_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("at", BigInteger(), nullable=False),
    Column("state", String(32), nullable=False),
    Column("state_group", Integer(), nullable=True),
    Column("since", BigInteger(), nullable=False),
    Column("groups", String(1000), nullable=False, default=""),
    Column("wrap_up_group", Integer(), nullable=True),
    Column("wrap_up_began", BigInteger(), nullable=True),
    Column("pause_reason", Integer(), nullable=True),
)
"""Each agent as far as the rollups have counted it (``helin.stats.agent_time.Track``): times
in microseconds, ``groups`` the ids it is logged in to, comma-separated, the wrap-up in
progress and, while paused, the pause's reason."""

agent_pauses = Table(
    "agent_pauses",
    metadata,
    Column("agent_id", Integer(), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("reason_id", Integer(), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("paused_us", BigInteger(), nullable=False, default=0),
)
"""An agent's paused time for one reason on one day of the tenant's time zone: the
``paused_us`` of the agent's ``ALL_GROUPS`` rows of that day, split by reason."""
Index("ix_agent_pauses_tenant_day", agent_pauses.c.tenant_id, agent_pauses.c.day)
