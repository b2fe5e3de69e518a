"""Statistics rollups per group and local month, for views of a year.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counts() -> list[sa.Column[int]]:
    return [
        sa.Column("arrived", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("overflowed_timeout", sa.Integer(), nullable=False),
        sa.Column("overflowed_full", sa.Integer(), nullable=False),
        sa.Column("overflowed_no_agents", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("answered_le_5", sa.Integer(), nullable=False),
        sa.Column("answered_le_10", sa.Integer(), nullable=False),
        sa.Column("answered_le_15", sa.Integer(), nullable=False),
        sa.Column("answered_le_20", sa.Integer(), nullable=False),
        sa.Column("answered_le_30", sa.Integer(), nullable=False),
        sa.Column("answered_le_45", sa.Integer(), nullable=False),
        sa.Column("answered_le_60", sa.Integer(), nullable=False),
        sa.Column("answered_le_90", sa.Integer(), nullable=False),
        sa.Column("answered_le_120", sa.Integer(), nullable=False),
        sa.Column("answered_le_180", sa.Integer(), nullable=False),
        sa.Column("answered_le_300", sa.Integer(), nullable=False),
        sa.Column("answered_gt_300", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_5", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_10", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_15", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_20", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_30", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_45", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_60", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_90", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_120", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_180", sa.Integer(), nullable=False),
        sa.Column("abandoned_le_300", sa.Integer(), nullable=False),
        sa.Column("abandoned_gt_300", sa.Integer(), nullable=False),
        sa.Column("answered_wait_sum", sa.Double(), nullable=False),
        sa.Column("abandoned_wait_sum", sa.Double(), nullable=False),
        sa.Column("wait_max", sa.Double(), nullable=False),
        sa.Column("talk_sum", sa.Double(), nullable=False),
        sa.Column("talk_max", sa.Double(), nullable=False),
        sa.Column("hold_sum", sa.Double(), nullable=False),
        sa.Column("wrap_up_sum", sa.Double(), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "group_months",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        *_counts(),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_group_months_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "month", name=op.f("pk_group_months")),
    )
    op.create_index(op.f("ix_group_months_tenant_month"), "group_months", ["tenant_id", "month"])
    # months of the days kept so far
    columns = ", ".join(c.name for c in _counts())
    sums = ", ".join(
        f"max({c.name})" if c.name.endswith("_max") else f"sum({c.name})" for c in _counts()
    )
    first = (
        "date_trunc('month', day)::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    op.execute(
        f"INSERT INTO group_months (group_id, month, tenant_id, {columns})"
        f" SELECT group_id, {first}, tenant_id, {sums} FROM group_days"
        f" GROUP BY group_id, {first}, tenant_id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_group_months_tenant_month"), table_name="group_months")
    op.drop_table("group_months")
