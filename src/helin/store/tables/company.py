"""A company's own tables: tenants, users, devices, numbers, trunks, clips, SIP registrations,
the audit log and sign-in tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helin.store.tables.base import Base, UtcDateTime, str_enum, utcnow
from helin.store.tables.enums import ClipKind, DeviceKind, Transport

if TYPE_CHECKING:
    from helin.store.tables.callcenter import (
        Group,
        Membership,
    )


class Tenant(Base):
    """A company using the cloud phone system."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("recording_retention_days IN (30, 60)", name="retention_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    """The company's name as shown to operators."""
    sip_domain: Mapped[str] = mapped_column(String(253), unique=True)
    """The company's SIP domain; also the digest realm of its devices."""
    call_center: Mapped[bool] = mapped_column(default=False)
    """The call-center add-on is bought (groups, agents, managers)."""
    recording: Mapped[bool] = mapped_column(default=False)
    """The call-recording add-on is bought."""
    recording_retention_days: Mapped[int] = mapped_column(default=30)
    """Days recordings are kept: 30, or 60 when the operator extends it."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="tenant", passive_deletes=True)
    groups: Mapped[list[Group]] = relationship(back_populates="tenant", passive_deletes=True)
    clips: Mapped[list[Clip]] = relationship(back_populates="tenant", passive_deletes=True)


class User(Base):
    """A person who signs in: an operator of the provider or a user of a tenant."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("tenant_id IS NOT NULL OR operator", name="tenant_or_operator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    """The user's company; None for the provider's operators."""
    username: Mapped[str] = mapped_column(String(64), unique=True)
    """Sign-in name, unique across all tenants."""
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    """Where reports and notices go."""
    password_hash: Mapped[str | None] = mapped_column(String(255))
    """Argon2id hash of the web password; None cannot sign in."""
    operator: Mapped[bool] = mapped_column(default=False)
    """Right: administers the whole service (tenants, add-ons, trunks)."""
    tenant_admin: Mapped[bool] = mapped_column(default=False)
    """Right: administers the tenant's users, devices and numbers."""
    manager: Mapped[bool] = mapped_column(default=False)
    """Right (add-on): the tenant's groups, statistics, reports and recordings."""
    agent: Mapped[bool] = mapped_column(default=False)
    """Right (add-on): may be a member of groups and answer their calls."""
    dnd: Mapped[bool] = mapped_column(default=False)
    """Do not disturb: no group or direct call rings the user's devices."""
    pause_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("pause_reasons.id", ondelete="SET NULL")
    )
    """The agent is paused for this reason (no group calls); None: not paused."""
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the pause (or its latest reason) was asked for."""
    presented_number: Mapped[str | None] = mapped_column(String(20))
    """The group number shown on outbound calls; None shows the user's own number."""
    disabled: Mapped[bool] = mapped_column(default=False)
    """Cannot sign in, register devices or take calls."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    tenant: Mapped[Tenant | None] = relationship(back_populates="users")
    devices: Mapped[list[Device]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    numbers: Mapped[list[Number]] = relationship(back_populates="user", passive_deletes=True)


class Device(Base):
    """A phone of a user: mobile app, desktop softphone or desk IP phone."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DeviceKind] = mapped_column(str_enum(DeviceKind, "kind"))
    sip_username: Mapped[str] = mapped_column(String(64), unique=True)
    """The digest username the device registers with."""
    ha1_md5: Mapped[str] = mapped_column(String(32))
    """MD5(username:realm:password), hex; the realm is the tenant's SIP domain."""
    ha1_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256(username:realm:password), hex (RFC 7616)."""
    label: Mapped[str] = mapped_column(String(100), default="")
    """Free text shown in the detail view, e.g. "desk phone, room 2"."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="devices")
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="device", cascade="all, delete-orphan", passive_deletes=True
    )


class Number(Base):
    """A public phone number (E.164), owned by exactly one group or one user."""

    __tablename__ = "numbers"
    __table_args__ = (CheckConstraint("(group_id IS NULL) <> (user_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    """The number with a leading ``+``, e.g. ``+3726001000``."""
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    """Owning group (a group number)."""
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    """Owning user (a direct number)."""

    group: Mapped[Group | None] = relationship(back_populates="numbers")
    user: Mapped[User | None] = relationship(back_populates="numbers")


class Trunk(Base):
    """A SIP trunk to a carrier: which peers may send calls and how they authenticate."""

    __tablename__ = "trunks"
    __table_args__ = (
        CheckConstraint(
            "(digest_username IS NULL) = (ha1_md5 IS NULL)"
            " AND (digest_username IS NULL) = (ha1_sha256 IS NULL)"
            " AND (digest_username IS NULL) = (digest_realm IS NULL)",
            name="digest_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    digest_username: Mapped[str | None] = mapped_column(String(64))
    """Username the trunk must authenticate with; None accepts its peers unchallenged."""
    digest_realm: Mapped[str | None] = mapped_column(String(253))
    """Realm helin challenges the trunk with."""
    ha1_md5: Mapped[str | None] = mapped_column(String(32))
    ha1_sha256: Mapped[str | None] = mapped_column(String(64))
    outbound_uri: Mapped[str | None] = mapped_column(String(255))
    """Where helin sends calls out through this trunk, e.g. ``sip:10.0.0.5:5060``; None: the
    trunk takes no calls from helin."""
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    peers: Mapped[list[TrunkPeer]] = relationship(
        back_populates="trunk",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TrunkPeer.address",
    )


class TrunkPeer(Base):
    """An address a trunk's requests may come from."""

    __tablename__ = "trunk_peers"
    __table_args__ = (UniqueConstraint("trunk_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trunk_id: Mapped[int] = mapped_column(ForeignKey("trunks.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(253))
    """A host name, an IP address or a CIDR network (``192.0.2.0/24``)."""

    trunk: Mapped[Trunk] = relationship(back_populates="peers")


class Clip(Base):
    """An uploaded audio clip (greeting, comfort message, music, ...)."""

    __tablename__ = "clips"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[ClipKind] = mapped_column(str_enum(ClipKind, "kind"))
    path: Mapped[str] = mapped_column(String(1024))
    """Where the converted 8 kHz file is stored (relative to the data directory)."""
    duration: Mapped[float] = mapped_column(default=0.0)
    """Seconds."""
    original_filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="clips")


class Registration(Base):
    """A contact a device registered (SIP REGISTER binding), until it expires."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("device_id", "contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    contact: Mapped[str] = mapped_column(String(1024))
    """The Contact URI to send requests to."""
    source: Mapped[str] = mapped_column(String(100))
    """``host:port`` the REGISTER came from (used behind NAT)."""
    transport: Mapped[Transport] = mapped_column(str_enum(Transport, "transport"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    sip_call_id: Mapped[str | None] = mapped_column(String(255))
    """Call-ID of the REGISTER, to order refreshes (RFC 3261 10.3)."""
    cseq: Mapped[int | None] = mapped_column()
    user_agent: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    device: Mapped[Device] = relationship(back_populates="registrations")


class AuditLog(Base):
    """Who did what: settings changes, recording access and deletion, sign-ins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    """Who did it; None for the system (provisioning, retention)."""
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    """The company whose object it was, where the entry is shown to its tenant admin (the
    recordings' access log); None for the rest."""
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64))
    """A verb such as ``recording.delete`` or ``group.update``."""
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AuthToken(Base):
    """A web session (cookie) or a personal API token (bearer); only its SHA-256 is kept."""

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session', 'api')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``session`` (the web app's cookie) or ``api`` (a personal token)."""
    name: Mapped[str] = mapped_column(String(100), default="")
    """What the user called an API token; the browser's user agent for a session."""
    address: Mapped[str | None] = mapped_column(String(45))
    """The client address a session was signed in from (a user name's sign-in block spares it)."""
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str | None] = mapped_column(String(64))
    """A session's CSRF token: unsafe requests with the cookie must echo it in a header."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """None: until revoked (API tokens)."""
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
