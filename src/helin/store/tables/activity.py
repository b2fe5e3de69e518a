"""What happens: call segments, offers, agent events and recordings.

Calls and offers carry the ACD engine's call id as a string and are joined on
``(call_id, segment)``; offers are written before the call's own row exists, so there is no
foreign key between them. Import these tables from ``helin.store.tables``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helin.acd.model import AgentState, OfferResult, Outcome, OverflowReason
from helin.store.tables.base import Base, UtcDateTime, str_enum, utcnow
from helin.store.tables.enums import AgentEventKind, Direction

if TYPE_CHECKING:
    from helin.store.tables.callcenter import Group
    from helin.store.tables.company import User


class Call(Base):
    """One call's stay in one group (a segment); overflow to another group adds a segment."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("call_id", "segment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128))
    """The switch's call id, shared by all segments of the call."""
    segment: Mapped[int] = mapped_column(default=0)
    """0 for the first group, 1 after the first overflow to another group, ..."""
    direction: Mapped[Direction] = mapped_column(
        str_enum(Direction, "direction"), default=Direction.INBOUND
    )
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    """The group's tenant, kept so history outlives a deleted group."""
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The agent who answered (inbound) or placed the call (outbound)."""
    caller: Mapped[str] = mapped_column(String(64), default="")
    """The calling number as presented."""
    number: Mapped[str] = mapped_column(String(64), default="")
    """The number dialled: a group number (inbound) or the far end (outbound)."""
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_offered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """None while the call is in progress."""
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, "outcome"))
    """None while the call is in progress."""
    overflow_reason: Mapped[OverflowReason | None] = mapped_column(
        str_enum(OverflowReason, "overflow_reason")
    )
    forwarded_to: Mapped[str | None] = mapped_column(String(100))
    """The phone number an overflow forwarded the call to."""
    overflow_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL")
    )
    """The group an overflow moved the call to (the next segment's group)."""
    offers: Mapped[int] = mapped_column(default=0)
    """How many times the call rang an agent."""
    disposition_id: Mapped[int | None] = mapped_column(
        ForeignKey("disposition_codes.id", ondelete="SET NULL")
    )
    """The disposition code the agent gave the (answered) segment; None: none."""
    disposition_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    recording: Mapped[Recording | None] = relationship(back_populates="call")
    group: Mapped[Group | None] = relationship(foreign_keys=[group_id])
    agent: Mapped[User | None] = relationship()


Index("ix_calls_group_recent", Call.group_id, Call.arrived_at.desc())
Index("ix_calls_agent_recent", Call.agent_id, Call.arrived_at.desc())
Index("ix_calls_tenant_arrived", Call.tenant_id, Call.arrived_at)
Index("ix_calls_tenant_caller", Call.tenant_id, Call.caller, Call.id)
Index("ix_calls_tenant_number", Call.tenant_id, Call.number, Call.id)
"""The call log's text sorts (keyset paging by caller or number, ties by id)."""


class Offer(Base):
    """One ring of one agent with one call."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128))
    segment: Mapped[int] = mapped_column(default=0)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    result: Mapped[OfferResult] = mapped_column(str_enum(OfferResult, "result"))


Index("ix_offers_call", Offer.call_id, Offer.segment)
Index("ix_offers_agent_started", Offer.agent_id, Offer.started_at)
Index("ix_offers_group_started", Offer.group_id, Offer.started_at)


class AgentEvent(Base):
    """An agent logged in or out, went DND, wrapped up, was bounced, or changed state."""

    __tablename__ = "agent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[AgentEventKind] = mapped_column(str_enum(AgentEventKind, "kind"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    """The group concerned; None for every group of the agent."""
    reason: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[AgentState | None] = mapped_column(str_enum(AgentState, "state"))
    """For ``kind`` state: the state the agent went into."""


Index("ix_agent_events_agent_at", AgentEvent.agent_id, AgentEvent.at)


class Recording(Base):
    """A recorded call: a stereo file (caller left, agent right) written when the call ended,
    then moved to the recordings' storage (files under the data dir, or an object store).

    A row is made when the call's file is finished in the spool (``stored_at`` NULL) and is
    listed only once the file is durable in storage (``stored_at`` set). The deletion date is
    ``helin.recordings.policy.deletion_date`` of the tenant's retention, ``keep`` and
    ``released_at``; ``retained_until`` is that date as it stood when last computed (the purge
    reads the tenant's retention afresh, so a shortened retention applies at its next run).
    """

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    call_row_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), unique=True
    )
    """The call segment recorded (``calls.id``, the call's last); at most one recording."""
    call_id: Mapped[str | None] = mapped_column(String(128), index=True)
    """The switch's call id, shared by every segment of the call."""
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    """The group the call was through (inbound) or whose number it presented (outbound)."""
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """The agent who answered or called out."""
    direction: Mapped[Direction] = mapped_column(
        str_enum(Direction, "direction"), default=Direction.INBOUND
    )
    caller: Mapped[str] = mapped_column(String(64), default="")
    """The calling number as presented."""
    number: Mapped[str] = mapped_column(String(64), default="")
    """The number called."""
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the call arrived (inbound) or was placed (outbound)."""
    path: Mapped[str] = mapped_column(String(1024))
    """The spool file while not stored; then the key in storage."""
    format: Mapped[str] = mapped_column(String(8), default="wav")
    """The stored file's format: ``wav``, ``flac`` or ``opus`` (Ogg Opus)."""
    storage: Mapped[str] = mapped_column(String(16), default="files")
    """Which storage holds it: ``files`` or ``s3``; ``spool`` while it waits to be stored."""
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    """Hex digest of the stored file."""
    duration: Mapped[float] = mapped_column(default=0.0)
    """Seconds."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    """When the call's recording was finished (retention counts from here)."""
    stored_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the file became durable in storage; None while it waits in the spool."""
    upload_attempts: Mapped[int] = mapped_column(default=0)
    """Failed attempts to store it so far (the next waits longer)."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When storing is tried again after a failure."""
    last_error: Mapped[str | None] = mapped_column(String(200))
    """Why the last attempt to store it failed."""
    retained_until: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    """The deletion date when last computed (at creation and keep changes)."""
    keep: Mapped[bool] = mapped_column(default=False)
    """Marked to keep: the purge skips it until unmarked."""
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When ``keep`` was last unmarked: it then stays at least 7 days from that moment."""
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the file was deleted (by a manager or retention); the row stays for the audit."""

    call: Mapped[Call | None] = relationship(back_populates="recording")


Index("ix_recordings_tenant_created", Recording.tenant_id, Recording.created_at)
Index("ix_recordings_stored", Recording.stored_at)
