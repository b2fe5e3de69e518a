"""The recording manager: what a recording is of (call, group, agent, numbers), where it is
stored and in which format, whether it is durable yet, its upload retries and keep release;
the audit log names the tenant of the recordings a manager listened to, downloaded, kept or
deleted (its tenant admin's access log).

Rows made before this revision are files written straight into the recordings directory:
they are marked stored (``stored_at`` = ``created_at``) in WAV on the file storage, and their
call's details are copied from the call row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECTIONS = ("inbound", "outbound", "direct")

recordings = sa.table(
    "recordings",
    sa.column("call_row_id", sa.Integer()),
    sa.column("call_id", sa.String(128)),
    sa.column("group_id", sa.Integer()),
    sa.column("agent_id", sa.Integer()),
    sa.column("direction", sa.String(32)),
    sa.column("caller", sa.String(64)),
    sa.column("number", sa.String(64)),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("stored_at", sa.DateTime(timezone=True)),
)
calls = sa.table(
    "calls",
    sa.column("id", sa.Integer()),
    sa.column("call_id", sa.String(128)),
    sa.column("group_id", sa.Integer()),
    sa.column("agent_id", sa.Integer()),
    sa.column("direction", sa.String(32)),
    sa.column("caller", sa.String(64)),
    sa.column("number", sa.String(64)),
    sa.column("arrived_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    listed = ", ".join(f"'{d}'" for d in DIRECTIONS)
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("call_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("direction", sa.String(length=32), nullable=False, server_default="inbound")
        )
        batch.add_column(sa.Column("caller", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("number", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("format", sa.String(8), nullable=False, server_default="wav"))
        batch.add_column(
            sa.Column("storage", sa.String(16), nullable=False, server_default="files")
        )
        batch.add_column(sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("upload_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(200), nullable=True))
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_recordings_group_id_groups"),
            "groups",
            ["group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_recordings_agent_id_users"),
            "users",
            ["agent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(op.f("ck_recordings_direction"), f"direction IN ({listed})")
        batch.create_index(op.f("ix_recordings_call_id"), ["call_id"])
        batch.create_index("ix_recordings_stored", ["stored_at"])

    def of_call(column: sa.ColumnClause[object]) -> sa.ScalarSelect[object]:
        return sa.select(column).where(calls.c.id == recordings.c.call_row_id).scalar_subquery()

    op.execute(
        recordings.update()
        .where(recordings.c.call_row_id.is_not(None))
        .values(
            call_id=of_call(calls.c.call_id),
            group_id=of_call(calls.c.group_id),
            agent_id=of_call(calls.c.agent_id),
            direction=of_call(calls.c.direction),
            caller=of_call(calls.c.caller),
            number=of_call(calls.c.number),
            started_at=of_call(calls.c.arrived_at),
        )
    )
    op.execute(recordings.update().values(stored_at=recordings.c.created_at))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("tenant_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_audit_log_tenant_id_tenants"),
            "tenants",
            ["tenant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_audit_log_tenant_id"), ["tenant_id"])
    with op.batch_alter_table("recordings") as batch:
        for column in ("direction", "caller", "number", "format", "storage", "upload_attempts"):
            batch.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f("ix_audit_log_tenant_id"))
        batch.drop_constraint(op.f("fk_audit_log_tenant_id_tenants"), type_="foreignkey")
        batch.drop_column("tenant_id")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_index("ix_recordings_stored")
        batch.drop_index(op.f("ix_recordings_call_id"))
        batch.drop_constraint(op.f("ck_recordings_direction"), type_="check")
        batch.drop_constraint(op.f("fk_recordings_agent_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_recordings_group_id_groups"), type_="foreignkey")
        for column in (
            "released_at",
            "last_error",
            "next_attempt_at",
            "upload_attempts",
            "stored_at",
            "storage",
            "format",
            "started_at",
            "number",
            "caller",
            "direction",
            "agent_id",
            "group_id",
            "call_id",
        ):
            batch.drop_column(column)
