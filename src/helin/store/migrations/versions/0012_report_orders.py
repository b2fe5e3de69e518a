"""Reports by e-mail: orders, their runs and the files each run made. The unused
``report_subscriptions`` table of revision 0001 (nothing ever wrote to it) goes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_of(table: str, column: str, *values: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.drop_index(op.f("ix_report_subscriptions_next_run_at"), table_name="report_subscriptions")
    op.drop_index(op.f("ix_report_subscriptions_tenant_id"), table_name="report_subscriptions")
    op.drop_table("report_subscriptions")
    op.create_table(
        "report_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("report", sa.String(length=32), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("interval", sa.String(length=32), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("formula", sa.String(length=32), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("frequency", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("send_at", sa.String(length=5), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=False),
        sa.Column("covers", sa.String(length=32), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("max_runs", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("runs_planned", sa.Integer(), nullable=False),
        sa.Column("planned_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_report_orders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_report_orders_owner_id_users"),
            ondelete="SET NULL",
        ),
        _one_of(
            "report_orders",
            "report",
            "group_summary",
            "service_level",
            "agent_activity",
            "abandoned_calls",
            "call_detail",
        ),
        _one_of("report_orders", "interval", "15min", "hour", "day", "week", "month"),
        _one_of("report_orders", "formula", "offered", "answered", "abandoned_positive"),
        _one_of("report_orders", "frequency", "once", "daily", "weekly", "monthly"),
        _one_of("report_orders", "covers", "day", "week", "month"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_orders")),
    )
    op.create_index(op.f("ix_report_orders_tenant_id"), "report_orders", ["tenant_id"])
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["report_orders.id"],
            name=op.f("fk_report_runs_order_id_report_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_report_runs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        _one_of("report_runs", "state", "pending", "sent", "failed"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint(
            "order_id", "scheduled_at", name=op.f("uq_report_runs_order_id_scheduled_at")
        ),
    )
    op.create_index(op.f("ix_report_runs_order_id"), "report_runs", ["order_id"])
    op.create_index("ix_report_runs_state_next", "report_runs", ["state", "next_attempt_at"])
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["report_runs.id"],
            name=op.f("fk_report_files_run_id_report_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
        sa.UniqueConstraint("run_id", "name", name=op.f("uq_report_files_run_id_name")),
    )


def downgrade() -> None:
    op.drop_table("report_files")
    op.drop_index("ix_report_runs_state_next", table_name="report_runs")
    op.drop_index(op.f("ix_report_runs_order_id"), table_name="report_runs")
    op.drop_table("report_runs")
    op.drop_index(op.f("ix_report_orders_tenant_id"), table_name="report_orders")
    op.drop_table("report_orders")
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("report_kind", sa.String(length=64), nullable=False),
        sa.Column("schedule", sa.String(length=32), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_report_subscriptions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_subscriptions_user_id_users"),
            ondelete="SET NULL",
        ),
        _one_of("report_subscriptions", "schedule", "once", "daily", "weekly", "monthly"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
    )
    op.create_index(
        op.f("ix_report_subscriptions_next_run_at"), "report_subscriptions", ["next_run_at"]
    )
    op.create_index(
        op.f("ix_report_subscriptions_tenant_id"), "report_subscriptions", ["tenant_id"]
    )
