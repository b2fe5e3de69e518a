"""Disposition codes: each group's codes, whether its answered calls need one (and how long a
wrap-up waits for it), and the code given on each call segment.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disposition_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("code BETWEEN 1 AND 99", name=op.f("ck_disposition_codes_code")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_disposition_codes_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposition_codes")),
        sa.UniqueConstraint("group_id", "code", name=op.f("uq_disposition_codes_group_id_code")),
    )
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("disposition_required", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("wrap_up_max", sa.Double(), nullable=False, server_default="120")
        )
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("disposition_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("disposition_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_calls_disposition_id_disposition_codes"),
            "disposition_codes",
            ["disposition_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint(op.f("fk_calls_disposition_id_disposition_codes"), type_="foreignkey")
        batch.drop_column("disposition_at")
        batch.drop_column("disposition_id")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("wrap_up_max")
        batch.drop_column("disposition_required")
    op.drop_table("disposition_codes")
