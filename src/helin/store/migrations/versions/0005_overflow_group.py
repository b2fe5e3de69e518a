"""A call segment names the group an overflow moved it to in its own column.

Until now ``calls.forwarded_to`` held either a phone number or ``group:<id>``; the group moves
to ``calls.overflow_group_id`` (a foreign key) and ``forwarded_to`` keeps only numbers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

calls = sa.table(
    "calls",
    sa.column("forwarded_to", sa.String(100)),
    sa.column("overflow_group_id", sa.Integer()),
)
groups = sa.table("groups", sa.column("id", sa.Integer()))
PREFIX = "group:"


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("overflow_group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_calls_overflow_group_id_groups"),
            "groups",
            ["overflow_group_id"],
            ["id"],
            ondelete="SET NULL",
        )
    target = sa.cast(sa.func.substr(calls.c.forwarded_to, len(PREFIX) + 1), sa.Integer())
    moved = calls.c.forwarded_to.like(PREFIX + "%")
    op.execute(
        calls.update()
        .where(moved)
        .values(
            overflow_group_id=sa.case(
                (target.in_(sa.select(groups.c.id)), target), else_=sa.null()
            ),
            forwarded_to=sa.null(),
        )
    )


def downgrade() -> None:
    op.execute(
        calls.update()
        .where(calls.c.overflow_group_id.is_not(None))
        .values(forwarded_to=PREFIX + sa.cast(calls.c.overflow_group_id, sa.String()))
    )
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint(op.f("fk_calls_overflow_group_id_groups"), type_="foreignkey")
        batch.drop_column("overflow_group_id")
