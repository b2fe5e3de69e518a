"""Initial schema: directory, call-center groups and calendars, call history, recordings.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25

Enum columns are plain VARCHAR(32) with a named CHECK constraint listing the values of this
revision; a later revision that adds a value replaces the constraint.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OVERFLOW_KINDS = ("forward_number", "forward_group", "clip_and_end", "end")


def _one_of(table: str, column: str, *values: str) -> sa.CheckConstraint:
    """The CHECK that keeps an enum column to the values it had in this revision."""
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


def _forward_target(action: str) -> sa.CheckConstraint:
    """A forwarding overflow action needs a target."""
    return sa.CheckConstraint(
        f"{action}_kind NOT IN ('forward_number', 'forward_group') OR {action}_target IS NOT NULL",
        name=op.f(f"ck_groups_{action}_target"),
    )


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sip_domain", sa.String(length=253), nullable=False),
        sa.Column("call_center", sa.Boolean(), nullable=False),
        sa.Column("recording", sa.Boolean(), nullable=False),
        sa.Column("recording_retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recording_retention_days IN (30, 60)", name=op.f("ck_tenants_retention_days")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("name", name=op.f("uq_tenants_name")),
        sa.UniqueConstraint("sip_domain", name=op.f("uq_tenants_sip_domain")),
    )
    op.create_table(
        "trunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest_username", sa.String(length=64), nullable=True),
        sa.Column("digest_realm", sa.String(length=253), nullable=True),
        sa.Column("ha1_md5", sa.String(length=32), nullable=True),
        sa.Column("ha1_sha256", sa.String(length=64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(digest_username IS NULL) = (ha1_md5 IS NULL)"
            " AND (digest_username IS NULL) = (ha1_sha256 IS NULL)"
            " AND (digest_username IS NULL) = (digest_realm IS NULL)",
            name=op.f("ck_trunks_digest_complete"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunks")),
        sa.UniqueConstraint("name", name=op.f("uq_trunks_name")),
    )
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_clips_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        _one_of("clips", "kind", "greeting", "comfort", "announcement", "music", "other"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clips")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_clips_tenant_id_name")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("ring_timeout", sa.Double(), nullable=False),
        sa.Column("wrap_up", sa.Double(), nullable=False),
        sa.Column("max_queue_length", sa.Integer(), nullable=False),
        sa.Column("max_wait", sa.Double(), nullable=False),
        sa.Column("no_agents", sa.String(length=32), nullable=False),
        sa.Column("greeting_clip", sa.String(length=100), nullable=True),
        sa.Column("greeting_in_full", sa.Boolean(), nullable=False),
        sa.Column("comfort_clip", sa.String(length=100), nullable=True),
        sa.Column("comfort_interval", sa.Double(), nullable=False),
        sa.Column("announce_position", sa.Boolean(), nullable=False),
        sa.Column("announce_wait", sa.Boolean(), nullable=False),
        sa.Column("announce_interval", sa.Double(), nullable=False),
        sa.Column("bounce_after_missed", sa.Integer(), nullable=False),
        sa.Column("closed_action_kind", sa.String(length=32), nullable=False),
        sa.Column("closed_action_target", sa.String(length=100), nullable=True),
        sa.Column("closed_action_clip", sa.String(length=100), nullable=True),
        sa.Column("on_timeout_kind", sa.String(length=32), nullable=False),
        sa.Column("on_timeout_target", sa.String(length=100), nullable=True),
        sa.Column("on_timeout_clip", sa.String(length=100), nullable=True),
        sa.Column("on_full_kind", sa.String(length=32), nullable=False),
        sa.Column("on_full_target", sa.String(length=100), nullable=True),
        sa.Column("on_full_clip", sa.String(length=100), nullable=True),
        sa.Column("on_no_agents_kind", sa.String(length=32), nullable=False),
        sa.Column("on_no_agents_target", sa.String(length=100), nullable=True),
        sa.Column("on_no_agents_clip", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("override_mode", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _forward_target("closed_action"),
        _forward_target("on_full"),
        _forward_target("on_no_agents"),
        _forward_target("on_timeout"),
        sa.CheckConstraint(
            "ring_timeout > 0 AND wrap_up >= 0 AND max_queue_length >= 0 AND max_wait > 0"
            " AND comfort_interval >= 0 AND announce_interval > 0 AND bounce_after_missed >= 0",
            name=op.f("ck_groups_queue_settings"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_groups_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        _one_of("groups", "policy", "simultaneous", "regular", "circular", "uniform", "weighted"),
        _one_of("groups", "no_agents", "queue", "overflow"),
        _one_of("groups", "closed_action_kind", *OVERFLOW_KINDS),
        _one_of("groups", "on_timeout_kind", *OVERFLOW_KINDS),
        _one_of("groups", "on_full_kind", *OVERFLOW_KINDS),
        _one_of("groups", "on_no_agents_kind", *OVERFLOW_KINDS),
        _one_of("groups", "override_mode", "open", "closed"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_groups_tenant_id_name")),
    )
    op.create_table(
        "trunk_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trunk_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["trunk_id"],
            ["trunks.id"],
            name=op.f("fk_trunk_peers_trunk_id_trunks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunk_peers")),
        sa.UniqueConstraint("trunk_id", "address", name=op.f("uq_trunk_peers_trunk_id_address")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("operator", sa.Boolean(), nullable=False),
        sa.Column("tenant_admin", sa.Boolean(), nullable=False),
        sa.Column("manager", sa.Boolean(), nullable=False),
        sa.Column("agent", sa.Boolean(), nullable=False),
        sa.Column("dnd", sa.Boolean(), nullable=False),
        sa.Column("presented_number", sa.String(length=20), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tenant_id IS NOT NULL OR operator", name=op.f("ck_users_tenant_or_operator")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "agent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["users.id"],
            name=op.f("fk_agent_events_agent_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_agent_events_group_id_groups"),
            ondelete="SET NULL",
        ),
        _one_of(
            "agent_events",
            "kind",
            "login",
            "logout",
            "dnd_on",
            "dnd_off",
            "wrap_up_start",
            "wrap_up_end",
            "bounced",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_events")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "calendar_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_calendar_exceptions_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_exceptions")),
        sa.UniqueConstraint("group_id", "day", name=op.f("uq_calendar_exceptions_group_id_day")),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("overflow_reason", sa.String(length=32), nullable=True),
        sa.Column("forwarded_to", sa.String(length=100), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_calls_agent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_calls_group_id_groups"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_calls_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        _one_of("calls", "direction", "inbound", "outbound"),
        _one_of("calls", "outcome", "answered", "abandoned", "overflowed", "closed", "failed"),
        _one_of("calls", "overflow_reason", "timeout", "full", "no_agents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_id", "segment", name=op.f("uq_calls_call_id_segment")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sip_username", sa.String(length=64), nullable=False),
        sa.Column("ha1_md5", sa.String(length=32), nullable=False),
        sa.Column("ha1_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_devices_user_id_users"), ondelete="CASCADE"
        ),
        _one_of("devices", "kind", "mobile", "softphone", "ip_phone"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("sip_username", name=op.f("uq_devices_sip_username")),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ring_order", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("logged_in", sa.Boolean(), nullable=False),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_memberships_weight")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_memberships_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_memberships_group_id_user_id")),
    )
    op.create_table(
        "numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(group_id IS NULL) <> (user_id IS NULL)", name=op.f("ck_numbers_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_numbers_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_numbers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_numbers")),
        sa.UniqueConstraint("e164", name=op.f("uq_numbers_e164")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_offers_agent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_offers_group_id_groups"), ondelete="SET NULL"
        ),
        _one_of(
            "offers",
            "result",
            "answered",
            "no_answer",
            "declined",
            "unreachable",
            "answered_elsewhere",
            "caller_gone",
            "withdrawn",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "0 <= start_minute AND start_minute < end_minute AND end_minute <= 1440",
            name=op.f("ck_opening_hours_range"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_opening_hours_weekday")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_opening_hours_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
    )
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
    op.create_table(
        "calendar_exception_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "0 <= start_minute AND start_minute < end_minute AND end_minute <= 1440",
            name=op.f("ck_calendar_exception_ranges_range"),
        ),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["calendar_exceptions.id"],
            name=op.f("fk_calendar_exception_ranges_exception_id_calendar_exceptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_exception_ranges")),
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("call_row_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retained_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keep", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_row_id"],
            ["calls.id"],
            name=op.f("fk_recordings_call_row_id_calls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_recordings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("call_row_id", name=op.f("uq_recordings_call_row_id")),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=1024), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("transport", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sip_call_id", sa.String(length=255), nullable=True),
        sa.Column("cseq", sa.Integer(), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_registrations_device_id_devices"),
            ondelete="CASCADE",
        ),
        _one_of("registrations", "transport", "udp", "tcp", "tls", "ws", "wss"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint(
            "device_id", "contact", name=op.f("uq_registrations_device_id_contact")
        ),
    )
    op.create_index(op.f("ix_users_tenant_id"), "users", ["tenant_id"], unique=False)
    op.create_index("ix_agent_events_agent_at", "agent_events", ["agent_id", "at"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)
    op.create_index(
        "ix_calls_agent_recent", "calls", ["agent_id", sa.text("arrived_at DESC")], unique=False
    )
    op.create_index(
        "ix_calls_group_recent", "calls", ["group_id", sa.text("arrived_at DESC")], unique=False
    )
    op.create_index("ix_calls_tenant_arrived", "calls", ["tenant_id", "arrived_at"], unique=False)
    op.create_index(op.f("ix_devices_user_id"), "devices", ["user_id"], unique=False)
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"], unique=False)
    op.create_index(op.f("ix_numbers_group_id"), "numbers", ["group_id"], unique=False)
    op.create_index(op.f("ix_numbers_user_id"), "numbers", ["user_id"], unique=False)
    op.create_index("ix_offers_agent_started", "offers", ["agent_id", "started_at"], unique=False)
    op.create_index("ix_offers_call", "offers", ["call_id", "segment"], unique=False)
    op.create_index("ix_offers_group_started", "offers", ["group_id", "started_at"], unique=False)
    op.create_index(op.f("ix_opening_hours_group_id"), "opening_hours", ["group_id"], unique=False)
    op.create_index(
        op.f("ix_report_subscriptions_next_run_at"),
        "report_subscriptions",
        ["next_run_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_report_subscriptions_tenant_id"),
        "report_subscriptions",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_calendar_exception_ranges_exception_id"),
        "calendar_exception_ranges",
        ["exception_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_recordings_retained_until"), "recordings", ["retained_until"], unique=False
    )
    op.create_index(
        "ix_recordings_tenant_created", "recordings", ["tenant_id", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_registrations_expires_at"), "registrations", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("registrations")
    op.drop_table("recordings")
    op.drop_table("calendar_exception_ranges")
    op.drop_table("report_subscriptions")
    op.drop_table("opening_hours")
    op.drop_table("offers")
    op.drop_table("numbers")
    op.drop_table("memberships")
    op.drop_table("devices")
    op.drop_table("calls")
    op.drop_table("calendar_exceptions")
    op.drop_table("audit_log")
    op.drop_table("agent_events")
    op.drop_table("users")
    op.drop_table("trunk_peers")
    op.drop_table("groups")
    op.drop_table("clips")
    op.drop_table("trunks")
    op.drop_table("tenants")
