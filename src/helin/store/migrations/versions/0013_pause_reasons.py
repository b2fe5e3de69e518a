"""Pause with reasons: the tenant's pause reasons, an agent's pause on the user, the pause
events and the paused state in the agent log, and paused time in the agent rollups (in all,
and by reason a day at a time).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("login", "logout", "dnd_on", "dnd_off", "wrap_up_start", "wrap_up_end", "bounced", "state")
STATES = ("on_call", "ringing", "busy", "wrap_up", "dnd", "unreachable", "available")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(kinds: Sequence[str], states: Sequence[str]) -> None:
    with op.batch_alter_table("agent_events") as batch:
        batch.drop_constraint(op.f("ck_agent_events_kind"), type_="check")
        batch.drop_constraint(op.f("ck_agent_events_state"), type_="check")
        batch.create_check_constraint(op.f("ck_agent_events_kind"), _one_of("kind", kinds))
        batch.create_check_constraint(op.f("ck_agent_events_state"), _one_of("state", states))


def upgrade() -> None:
    op.create_table(
        "pause_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("code BETWEEN 1 AND 99", name=op.f("ck_pause_reasons_code")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_pause_reasons_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause_reasons")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_pause_reasons_tenant_id_code")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("pause_reason_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_users_pause_reason_id_pause_reasons"),
            "pause_reasons",
            ["pause_reason_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _checks((*KINDS, "pause_on", "pause_off"), (*STATES, "paused"))
    for table in ("agent_intervals", "agent_days"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("paused_us", sa.BigInteger(), nullable=False, server_default="0")
            )
    with op.batch_alter_table("agent_tracks") as batch:
        batch.add_column(sa.Column("pause_reason", sa.Integer(), nullable=True))
    op.create_table(
        "agent_pauses",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("paused_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_agent_pauses_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "day", "reason_id", name=op.f("pk_agent_pauses")),
    )
    op.create_index("ix_agent_pauses_tenant_day", "agent_pauses", ["tenant_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_agent_pauses_tenant_day", table_name="agent_pauses")
    op.drop_table("agent_pauses")
    with op.batch_alter_table("agent_tracks") as batch:
        batch.drop_column("pause_reason")
    for table in ("agent_intervals", "agent_days"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("paused_us")
    op.execute("DELETE FROM agent_events WHERE kind IN ('pause_on', 'pause_off')")
    op.execute("UPDATE agent_events SET state = 'available' WHERE state = 'paused'")
    _checks(KINDS, STATES)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_pause_reason_id_pause_reasons"), type_="foreignkey")
        batch.drop_column("paused_at")
        batch.drop_column("pause_reason_id")
    op.drop_table("pause_reasons")
