"""Call-center groups: settings, members, opening-hours calendars and disposition codes; the
tenant's pause reasons.

Column defaults are the ACD engine's own defaults (``QueueSettings`` and ``GroupConfig``), so a
group created with no settings behaves like ``GroupConfig(id=...)``. Import these tables from
``helin.store.tables``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helin.acd.model import GroupConfig, NoAgentsAction, OverflowKind, Policy, QueueSettings
from helin.stats.metrics import DEFAULT_SHORT_ABANDON, DEFAULT_THRESHOLD
from helin.store.tables.base import Base, UtcDateTime, str_enum, utcnow
from helin.store.tables.enums import OverrideMode

if TYPE_CHECKING:
    from helin.store.tables.company import Number, Tenant, User

_QUEUE = QueueSettings()
_GROUP = GroupConfig(id="defaults")
QUEUE_CLIPS = ("greeting_clip", "comfort_clip", "whisper_clip")
"""The queue settings that name a clip (an uploaded clip's id or a built-in clip's name)."""
_CLIP_DEFAULTS: dict[str, str | None] = {
    "greeting_clip": _QUEUE.greeting_clip,
    "comfort_clip": _QUEUE.comfort_clip,
    "whisper_clip": _QUEUE.whisper_clip,
    "closed_action_clip": _GROUP.closed_action.clip,
    "on_timeout_clip": _GROUP.on_timeout.clip,
    "on_full_clip": _GROUP.on_full.clip,
    "on_no_agents_clip": _GROUP.on_no_agents.clip,
}
"""Defaults of the nullable clip columns, applied in ``Group()`` so an explicit None stays
None (a column ``default`` would replace it at INSERT)."""

OVERFLOW_ACTIONS = ("closed_action", "on_timeout", "on_full", "on_no_agents")
"""``GroupConfig`` fields stored as ``<name>_kind``, ``<name>_target``, ``<name>_clip``."""


def _target_check(action: str) -> CheckConstraint:
    """A forwarding overflow action needs a target."""
    return CheckConstraint(
        f"{action}_kind NOT IN ('forward_number', 'forward_group') OR {action}_target IS NOT NULL",
        name=f"{action}_target",
    )


class Group(Base):
    """A call-center group (queue) of a tenant, reached through its numbers."""

    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint(
            "ring_timeout > 0 AND wrap_up >= 0 AND max_queue_length >= 0 AND max_wait > 0"
            " AND comfort_interval >= 0 AND announce_interval > 0 AND bounce_after_missed >= 0",
            name="queue_settings",
        ),
        *(_target_check(action) for action in OVERFLOW_ACTIONS),
    )

    def __init__(self, **kwargs: Any) -> None:
        for name, value in _CLIP_DEFAULTS.items():
            kwargs.setdefault(name, value)
        super().__init__(**kwargs)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    """Unique within the tenant."""
    policy: Mapped[Policy] = mapped_column(str_enum(Policy, "policy"), default=_GROUP.policy)
    """How the group picks the agent to ring."""

    ring_timeout: Mapped[float] = mapped_column(default=_QUEUE.ring_timeout)
    """Seconds one offer rings before the next agent is tried."""
    wrap_up: Mapped[float] = mapped_column(default=_QUEUE.wrap_up)
    """Seconds an agent stays unavailable after a group call."""
    max_queue_length: Mapped[int] = mapped_column(default=_QUEUE.max_queue_length)
    """Callers waiting at once; more overflow with reason ``full``."""
    max_wait: Mapped[float] = mapped_column(default=_QUEUE.max_wait)
    """Seconds a caller may wait before overflowing with reason ``timeout``."""
    no_agents: Mapped[NoAgentsAction] = mapped_column(
        str_enum(NoAgentsAction, "no_agents"), default=_QUEUE.no_agents
    )
    """Queue callers or overflow them when no agent is logged in."""
    greeting_clip: Mapped[str | None] = mapped_column(String(100))
    """Clip reference played on arrival; None plays none."""
    greeting_in_full: Mapped[bool] = mapped_column(default=_QUEUE.greeting_in_full)
    """Play the whole greeting before ringing any agent."""
    comfort_clip: Mapped[str | None] = mapped_column(String(100))
    """Clip reference repeated while the caller waits."""
    comfort_interval: Mapped[float] = mapped_column(default=_QUEUE.comfort_interval)
    """Seconds between comfort clips; 0 turns them off."""
    announce_position: Mapped[bool] = mapped_column(default=_QUEUE.announce_position)
    """Tell callers their place in the queue."""
    announce_wait: Mapped[bool] = mapped_column(default=_QUEUE.announce_wait)
    """Tell callers their estimated wait."""
    announce_interval: Mapped[float] = mapped_column(default=_QUEUE.announce_interval)
    """Seconds between position / wait announcements."""
    whisper_clip: Mapped[str | None] = mapped_column(String(100))
    """The whisper of the group: a clip reference the answering agent hears before the caller
    is connected; None connects at once."""
    bounce_after_missed: Mapped[int] = mapped_column(default=_QUEUE.bounce_after_missed)
    """Missed offers in a row that log an agent out; 0 never."""
    disposition_required: Mapped[bool] = mapped_column(default=_QUEUE.disposition_required)
    """Answered calls need a disposition code (when the group has codes): the wrap-up waits."""
    wrap_up_max: Mapped[float] = mapped_column(default=_QUEUE.wrap_up_max)
    """Seconds a wrap-up waits for a required code at most."""

    closed_action_kind: Mapped[OverflowKind] = mapped_column(
        str_enum(OverflowKind, "closed_action_kind"), default=_GROUP.closed_action.kind
    )
    """What happens to calls while the group is closed."""
    closed_action_target: Mapped[str | None] = mapped_column(String(100))
    """Phone number or group id to forward to."""
    closed_action_clip: Mapped[str | None] = mapped_column(String(100))
    """Clip reference played first."""
    on_timeout_kind: Mapped[OverflowKind] = mapped_column(
        str_enum(OverflowKind, "on_timeout_kind"), default=_GROUP.on_timeout.kind
    )
    """What happens when a caller has waited ``max_wait``."""
    on_timeout_target: Mapped[str | None] = mapped_column(String(100))
    on_timeout_clip: Mapped[str | None] = mapped_column(String(100))
    on_full_kind: Mapped[OverflowKind] = mapped_column(
        str_enum(OverflowKind, "on_full_kind"), default=_GROUP.on_full.kind
    )
    """What happens to a caller arriving at a full queue."""
    on_full_target: Mapped[str | None] = mapped_column(String(100))
    on_full_clip: Mapped[str | None] = mapped_column(String(100))
    on_no_agents_kind: Mapped[OverflowKind] = mapped_column(
        str_enum(OverflowKind, "on_no_agents_kind"), default=_GROUP.on_no_agents.kind
    )
    """What happens when no agent is logged in (with ``no_agents = overflow``)."""
    on_no_agents_target: Mapped[str | None] = mapped_column(String(100))
    on_no_agents_clip: Mapped[str | None] = mapped_column(String(100))

    timezone: Mapped[str] = mapped_column(String(64), default=_GROUP.calendar.timezone)
    """IANA time zone of the opening hours."""
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    """Country code (``EE``) whose public holidays close the group; None: no holidays."""
    override_mode: Mapped[OverrideMode | None] = mapped_column(
        str_enum(OverrideMode, "override_mode")
    )
    """A manager's manual override of the calendar; None follows the calendar."""
    service_level_threshold: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLD)
    """Seconds T of the group's service-level target (one of ``metrics.THRESHOLDS``)."""
    service_level_target: Mapped[float] = mapped_column(default=0.8)
    """The share of calls to answer within T (for "agents needed")."""
    short_abandon: Mapped[float] = mapped_column(default=DEFAULT_SHORT_ABANDON)
    """Seconds: a caller hanging up sooner is a short abandon (left out of the rates)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="groups")
    numbers: Mapped[list[Number]] = relationship(
        back_populates="group", passive_deletes=True, order_by="Number.e164"
    )
    dispositions: Mapped[list[DispositionCode]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DispositionCode.code",
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Membership.ring_order, Membership.id)",
    )
    weekly_hours: Mapped[list[WeeklyHours]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(WeeklyHours.weekday, WeeklyHours.start_minute)",
    )
    exceptions: Mapped[list[CalendarException]] = relationship(
        back_populates="group",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CalendarException.day",
    )


class Membership(Base):
    """An agent in a group."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint("weight >= 0", name="weight"),
        CheckConstraint("priority BETWEEN 1 AND 9", name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ring_order: Mapped[int] = mapped_column(default=0)
    """Position for the regular and circular policies (lower rings first)."""
    weight: Mapped[int] = mapped_column(default=1)
    """Relative share for the weighted policy; 0 never picks the agent."""
    priority: Mapped[int] = mapped_column(default=1)
    """The agent's order across their groups, 1 to 9: while a group where their priority is
    better has a call for them, they get no call of this one."""
    logged_in: Mapped[bool] = mapped_column(default=False)
    """The agent is logged in to the group; survives a restart."""

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class DispositionCode(Base):
    """What became of an answered call (sale, complaint, callback needed, ...): one of a
    group's codes, which its agents give during the call or in the wrap-up after it.

    Never deleted once made, only retired (``active`` false): calls keep naming it."""

    __tablename__ = "disposition_codes"
    __table_args__ = (
        UniqueConstraint("group_id", "code"),
        CheckConstraint("code BETWEEN 1 AND 99", name="code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    code: Mapped[int] = mapped_column()
    """1 to 99: what an agent dials after ``*6``."""
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    group: Mapped[Group] = relationship(back_populates="dispositions")


class PauseReason(Base):
    """Why an agent may pause (lunch, training, back office, ...): one of the tenant's list.

    Agents pause with one from the web app or by its ``code`` (``*42<code>``). A reason is
    never deleted once made, only retired (``active`` false): the agent log and statistics
    keep naming it.
    """

    __tablename__ = "pause_reasons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("code BETWEEN 1 AND 99", name="code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    code: Mapped[int] = mapped_column()
    """1 to 99: what an agent dials after ``*42``."""
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    """False: retired, agents can no longer choose it."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WeeklyHours(Base):
    """One weekly opening range of a group, in the group's time zone."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint(
            "0 <= start_minute AND start_minute < end_minute AND end_minute <= 1440", name="range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column()
    """0 = Monday ... 6 = Sunday."""
    start_minute: Mapped[int] = mapped_column()
    """Minutes from local midnight the range opens."""
    end_minute: Mapped[int] = mapped_column()
    """Minutes from local midnight the range closes (exclusive; 1440 is midnight)."""

    group: Mapped[Group] = relationship(back_populates="weekly_hours")


class CalendarException(Base):
    """Special hours on one date; with no ranges the group is closed all day."""

    __tablename__ = "calendar_exceptions"
    __table_args__ = (UniqueConstraint("group_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column()
    """The local date the exception applies to."""
    note: Mapped[str] = mapped_column(String(200), default="")
    """Why, e.g. "Christmas Eve: short day"."""

    group: Mapped[Group] = relationship(back_populates="exceptions")
    ranges: Mapped[list[ExceptionRange]] = relationship(
        back_populates="exception",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ExceptionRange.start_minute",
    )


class ExceptionRange(Base):
    """One opening range of a dated exception."""

    __tablename__ = "calendar_exception_ranges"
    __table_args__ = (
        CheckConstraint(
            "0 <= start_minute AND start_minute < end_minute AND end_minute <= 1440", name="range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_exceptions.id", ondelete="CASCADE"), index=True
    )
    start_minute: Mapped[int] = mapped_column()
    end_minute: Mapped[int] = mapped_column()

    exception: Mapped[CalendarException] = relationship(back_populates="ranges")
