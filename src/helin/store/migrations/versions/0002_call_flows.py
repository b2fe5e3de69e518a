"""Call flows: calls to a user's own number, unanswered personal calls, the trunk's way out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

- ``calls.direction`` may be ``direct`` (a call to a user's own number);
- ``calls.outcome`` may be ``unanswered`` (a direct or outbound call nobody answered);
- ``trunks.outbound_uri``: where helin sends calls out through the trunk.

The CHECK constraints are replaced in batch mode, which on SQLite rebuilds the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = ("answered", "abandoned", "overflowed", "closed", "failed")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _replace_checks(directions: Sequence[str], outcomes: Sequence[str]) -> None:
    with op.batch_alter_table("calls", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_calls_direction"), type_="check")
        batch.drop_constraint(op.f("ck_calls_outcome"), type_="check")
        batch.create_check_constraint(
            op.f("ck_calls_direction"), f"direction IN ({_listed(directions)})"
        )
        batch.create_check_constraint(op.f("ck_calls_outcome"), f"outcome IN ({_listed(outcomes)})")


def upgrade() -> None:
    with op.batch_alter_table("trunks") as batch:
        batch.add_column(sa.Column("outbound_uri", sa.String(length=255), nullable=True))
    _replace_checks(("inbound", "outbound", "direct"), (*OUTCOMES, "unanswered"))


def downgrade() -> None:
    op.execute("DELETE FROM calls WHERE direction = 'direct' OR outcome = 'unanswered'")
    _replace_checks(("inbound", "outbound"), OUTCOMES)
    with op.batch_alter_table("trunks") as batch:
        batch.drop_column("outbound_uri")
