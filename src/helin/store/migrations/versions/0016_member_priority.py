"""Priorities across groups: each membership's priority, 1 (first) to 9, default 1.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.create_check_constraint(op.f("ck_memberships_priority"), "priority BETWEEN 1 AND 9")


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint(op.f("ck_memberships_priority"), type_="check")
        batch.drop_column("priority")
