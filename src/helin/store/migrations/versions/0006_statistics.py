"""Statistics rollups: a group's counts per 15-minute interval and per local day; each group's
service-level threshold and target and its short-abandon threshold.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
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
    for table, key, key_type in (
        ("group_intervals", "start", sa.BigInteger()),
        ("group_days", "day", sa.Date()),
    ):
        op.create_table(
            table,
            sa.Column("group_id", sa.Integer(), nullable=False),
            sa.Column(key, key_type, nullable=False),
            sa.Column("tenant_id", sa.Integer(), nullable=False),
            *_counts(),
            sa.ForeignKeyConstraint(
                ["tenant_id"],
                ["tenants.id"],
                name=op.f(f"fk_{table}_tenant_id_tenants"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("group_id", key, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_tenant_{key}"), table, ["tenant_id", key])
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("service_level_threshold", sa.Integer(), nullable=False, server_default="20")
        )
        batch.add_column(
            sa.Column("service_level_target", sa.Double(), nullable=False, server_default="0.8")
        )
        batch.add_column(
            sa.Column("short_abandon", sa.Double(), nullable=False, server_default="5")
        )


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("short_abandon")
        batch.drop_column("service_level_target")
        batch.drop_column("service_level_threshold")
    for table, key in (("group_days", "day"), ("group_intervals", "start")):
        op.drop_index(op.f(f"ix_{table}_tenant_{key}"), table_name=table)
        op.drop_table(table)
