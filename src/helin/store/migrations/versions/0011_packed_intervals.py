"""The 15-minute group rollups keep their counts as one packed vector per row (``counts``:
little-endian float64s in the order of the columns it replaces), so that a view reading
thousands of rows decodes one value per row instead of forty-one. Existing rows are packed
in place; the downgrade unpacks them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EDGES = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
INTEGERS = [
    "arrived",
    "closed",
    "answered",
    "abandoned",
    "short_abandoned",
    "overflowed_timeout",
    "overflowed_full",
    "overflowed_no_agents",
    "failed",
    *(f"answered_le_{edge}" for edge in _EDGES),
    "answered_gt_300",
    *(f"abandoned_le_{edge}" for edge in _EDGES),
    "abandoned_gt_300",
]
FLOATS = [
    "answered_wait_sum",
    "abandoned_wait_sum",
    "wait_max",
    "talk_sum",
    "talk_max",
    "hold_sum",
    "wrap_up_sum",
]
COLUMNS = [*INTEGERS, *FLOATS, "outbound"]
"""The count columns of revision 0006, in the order the packed vector keeps them."""
AT_ONCE = 5000

intervals = sa.table(
    "group_intervals",
    sa.column("group_id", sa.Integer()),
    sa.column("start", sa.BigInteger()),
    sa.column("counts", sa.LargeBinary()),
    *(sa.column(name, sa.Double()) for name in COLUMNS),
)


def _chunks(columns: list[str]) -> Iterator[Sequence[Any]]:
    """Every row's key and ``columns``, a chunk at a time in key order."""
    connection = op.get_bind()
    key = (intervals.c.group_id, intervals.c.start)
    last: tuple[int, int] | None = None
    while True:
        query = sa.select(*key, *(intervals.c[c] for c in columns)).order_by(*key).limit(AT_ONCE)
        if last is not None:
            query = query.where(sa.tuple_(*key) > sa.tuple_(*map(sa.literal, last)))
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        last = (rows[-1][0], rows[-1][1])


def upgrade() -> None:
    with op.batch_alter_table("group_intervals") as batch:
        batch.add_column(sa.Column("counts", sa.LargeBinary(), nullable=True))
    change = (
        sa.update(intervals)
        .where(intervals.c.group_id == sa.bindparam("g"), intervals.c.start == sa.bindparam("s"))
        .values(counts=sa.bindparam("packed"))
    )
    for rows in _chunks(COLUMNS):
        packed = [
            {"g": row[0], "s": row[1], "packed": np.array(row[2:], dtype="<f8").tobytes()}
            for row in rows
        ]
        op.get_bind().execute(change, packed)
    with op.batch_alter_table("group_intervals") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
        batch.alter_column("counts", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("group_intervals") as batch:
        for name in COLUMNS:
            kind: sa.types.TypeEngine[Any] = sa.Double() if name in FLOATS else sa.Integer()
            batch.add_column(sa.Column(name, kind, nullable=False, server_default="0"))
    change = (
        sa.update(intervals)
        .where(intervals.c.group_id == sa.bindparam("g"), intervals.c.start == sa.bindparam("s"))
        .values({name: sa.bindparam(f"v_{name}") for name in COLUMNS})
    )
    for rows in _chunks(["counts"]):
        values = []
        for row in rows:
            vector = np.frombuffer(row[2], dtype="<f8").tolist() + [0.0] * len(COLUMNS)
            unpacked = {
                f"v_{name}": value if name in FLOATS else int(value)
                for name, value in zip(COLUMNS, vector[: len(COLUMNS)], strict=True)
            }
            values.append({"g": row[0], "s": row[1], **unpacked})
        op.get_bind().execute(change, values)
    with op.batch_alter_table("group_intervals") as batch:
        batch.drop_column("counts")
