"""Agents' statistics: state changes in the agent log, agent rollups and each agent's track.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("login", "logout", "dnd_on", "dnd_off", "wrap_up_start", "wrap_up_end", "bounced")
STATES = ("on_call", "ringing", "busy", "wrap_up", "dnd", "unreachable", "available")
COUNTS = (
    "logged_in_us",
    "available_us",
    "ringing_us",
    "on_call_us",
    "wrap_up_us",
    "busy_us",
    "dnd_us",
    "unreachable_us",
    "other_group_us",
    "offers",
    "offers_answered",
    "offers_no_answer",
    "offers_declined",
    "offers_unreachable",
    "offers_answered_elsewhere",
    "offers_caller_gone",
    "offers_withdrawn",
    "answered",
    "talk_us",
    "outbound",
)


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _rollup(name: str, key: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        key,
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        *(sa.Column(column, sa.BigInteger(), nullable=False) for column in COUNTS),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f(f"fk_{name}_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "group_id", key.name, name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_tenant_{key.name}", name, ["tenant_id", key.name])


def upgrade() -> None:
    with op.batch_alter_table("agent_events") as batch:
        batch.add_column(sa.Column("state", sa.String(length=32), nullable=True))
        batch.drop_constraint(op.f("ck_agent_events_kind"), type_="check")
        batch.create_check_constraint(
            op.f("ck_agent_events_kind"), _one_of("kind", (*KINDS_BEFORE, "state"))
        )
        batch.create_check_constraint(op.f("ck_agent_events_state"), _one_of("state", STATES))
    _rollup("agent_intervals", sa.Column("start", sa.BigInteger(), nullable=False))
    _rollup("agent_days", sa.Column("day", sa.Date(), nullable=False))
    op.create_table(
        "agent_tracks",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("state_group", sa.Integer(), nullable=True),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("groups", sa.String(length=1000), nullable=False),
        sa.Column("wrap_up_group", sa.Integer(), nullable=True),
        sa.Column("wrap_up_began", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.id"],
            name=op.f("fk_agent_tracks_agent_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_tracks")),
    )


def downgrade() -> None:
    op.drop_table("agent_tracks")
    op.drop_index("ix_agent_days_tenant_day", table_name="agent_days")
    op.drop_table("agent_days")
    op.drop_index("ix_agent_intervals_tenant_start", table_name="agent_intervals")
    op.drop_table("agent_intervals")
    op.execute("DELETE FROM agent_events WHERE kind = 'state'")
    with op.batch_alter_table("agent_events") as batch:
        batch.drop_constraint(op.f("ck_agent_events_state"), type_="check")
        batch.drop_constraint(op.f("ck_agent_events_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_agent_events_kind"), _one_of("kind", KINDS_BEFORE))
        batch.drop_column("state")
