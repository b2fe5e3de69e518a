"""Indexes for the call log's keyset paging by caller and by number.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_calls_tenant_caller", "calls", ["tenant_id", "caller", "id"])
    op.create_index("ix_calls_tenant_number", "calls", ["tenant_id", "number", "id"])


def downgrade() -> None:
    op.drop_index("ix_calls_tenant_number", table_name="calls")
    op.drop_index("ix_calls_tenant_caller", table_name="calls")
