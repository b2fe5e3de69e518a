"""Recording rows: the upload queue, the manager's list, keep marks, deletion and the purge's
expired batches. One query per verb; nothing here commits.

A recording is *listed* once it is durable in storage (``stored_at`` set), not deleted, and
not past its deletion date under its tenant's retention as it is now (``policy.cutoffs``), so
one the purge has not reached yet, or a crash interrupted, is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from helin.recordings import policy
from helin.store.tables import AuditLog, Group, Recording, Tenant, User
from helin.store.tables.enums import Direction

Sort = Literal["created_at", "duration", "caller", "group"]


@dataclass(frozen=True, slots=True)
class RecordingFilter:
    since: datetime | None = None
    until: datetime | None = None
    group_id: int | None = None
    agent_id: int | None = None
    direction: Direction | None = None
    caller: str | None = None
    """The calling number contains this."""
    number: str | None = None
    """The number called contains this."""
    min_duration: float | None = None
    kept: bool | None = None


@dataclass(frozen=True, slots=True)
class Listed:
    """A listed recording with the names it is shown with."""

    row: Recording
    group_name: str | None
    agent_name: str | None
    group_timezone: str | None
    retention_days: int


def retention_days(session: Session, tenant_id: int) -> int:
    """The tenant's retention in days (30 unless the operator extended it)."""
    days = session.scalar(select(Tenant.recording_retention_days).where(Tenant.id == tenant_id))
    return days or policy.DEFAULT_RETENTION_DAYS


def _live(days: int, now: datetime) -> ColumnElement[bool]:
    """Not past its deletion date at ``now`` (``policy.is_expired`` negated, as SQL)."""
    bounds = policy.cutoffs(days, now)
    return or_(
        Recording.keep.is_(True),
        Recording.created_at > bounds.made_by,
        Recording.released_at > bounds.released_by,
    )


def _listed(tenant_id: int, days: int, now: datetime) -> Select[Recording, str, str, str]:
    agent = aliased(User)
    return (
        select(
            Recording,
            Group.name,
            func.coalesce(func.nullif(agent.display_name, ""), agent.username),
            Group.timezone,
        )
        .outerjoin(Group, Group.id == Recording.group_id)
        .outerjoin(agent, agent.id == Recording.agent_id)
        .where(
            Recording.tenant_id == tenant_id,
            Recording.stored_at.is_not(None),
            Recording.deleted_at.is_(None),
            _live(days, now),
        )
    )


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result: ColumnElement[bool] = column.like(f"%{escaped}%", escape="\\")
    return result


def search(
    session: Session,
    tenant_id: int,
    where: RecordingFilter,
    now: datetime,
    *,
    sort: Sort = "created_at",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Listed]]:
    """(how many are listed under ``where``, one page of them sorted)."""
    days = retention_days(session, tenant_id)
    query = _listed(tenant_id, days, now)
    if where.since is not None:
        query = query.where(Recording.created_at >= where.since)
    if where.until is not None:
        query = query.where(Recording.created_at < where.until)
    if where.group_id is not None:
        query = query.where(Recording.group_id == where.group_id)
    if where.agent_id is not None:
        query = query.where(Recording.agent_id == where.agent_id)
    if where.direction is not None:
        query = query.where(Recording.direction == where.direction)
    if where.caller:
        query = query.where(_contains(Recording.caller, where.caller))
    if where.number:
        query = query.where(_contains(Recording.number, where.number))
    if where.min_duration is not None:
        query = query.where(Recording.duration >= where.min_duration)
    if where.kept is not None:
        query = query.where(Recording.keep.is_(where.kept))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column: Any = {
        "created_at": Recording.created_at,
        "duration": Recording.duration,
        "caller": Recording.caller,
        "group": Group.name,
    }[sort]
    ordered = (column.desc(), Recording.id.desc()) if descending else (column, Recording.id)
    rows = session.execute(query.order_by(*ordered).limit(limit).offset(offset)).all()
    return total, [Listed(r[0], r[1], r[2], r[3], days) for r in rows]


def get(session: Session, tenant_id: int, recording_id: int, now: datetime) -> Listed | None:
    """One listed recording of the tenant (None: not there, not yet stored, gone, another
    company's)."""
    days = retention_days(session, tenant_id)
    row = session.execute(_listed(tenant_id, days, now).where(Recording.id == recording_id)).first()
    return None if row is None else Listed(row[0], row[1], row[2], row[3], days)


def listened_since(session: Session, user_id: int, recording_id: int, since: datetime) -> bool:
    """Whether ``user_id`` has an audited listen of the recording after ``since``."""
    found = session.scalar(
        select(AuditLog.id)
        .where(
            AuditLog.user_id == user_id,
            AuditLog.action == "recording.listen",
            AuditLog.object_type == "recording",
            AuditLog.object_id == str(recording_id),
            AuditLog.at > since,
        )
        .limit(1)
    )
    return found is not None


def set_keep(session: Session, found: Listed, keep: bool, now: datetime) -> None:
    """Mark or unmark to keep; unmarking starts the 7 days' release (``policy``)."""
    row = found.row
    if row.keep == keep:
        return
    row.keep = keep
    if not keep:
        row.released_at = now
    end = policy.deletion_date(
        row.created_at, found.retention_days, keep=keep, released_at=row.released_at
    )
    if end is not None:
        row.retained_until = end


def mark_deleted(session: Session, ids: list[int], now: datetime) -> None:
    """The rows of recordings whose files are gone (the rows stay for the audit)."""
    if ids:
        session.execute(
            update(Recording)
            .where(Recording.id.in_(ids), Recording.deleted_at.is_(None))
            .values(deleted_at=now)
        )


# -- the upload queue -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    tenant_id: int
    path: str
    call_id: str | None
    created_at: datetime
    upload_attempts: int


def pending(session: Session, now: datetime, limit: int = 100) -> list[Pending]:
    """Recordings waiting in the spool whose (next) upload is due, oldest first."""
    rows = session.execute(
        select(
            Recording.id,
            Recording.tenant_id,
            Recording.path,
            Recording.call_id,
            Recording.created_at,
            Recording.upload_attempts,
        )
        .where(
            Recording.stored_at.is_(None),
            Recording.deleted_at.is_(None),
            or_(Recording.next_attempt_at.is_(None), Recording.next_attempt_at <= now),
        )
        .order_by(Recording.id)
        .limit(limit)
    ).all()
    return [Pending(*row) for row in rows]


def next_attempt(session: Session) -> datetime | None:
    """When the earliest failed upload is due again (None: none is waiting)."""
    return session.scalar(
        select(func.min(Recording.next_attempt_at)).where(
            Recording.stored_at.is_(None), Recording.deleted_at.is_(None)
        )
    )


def mark_stored(
    session: Session,
    recording_id: int,
    *,
    key: str,
    storage: str,
    fmt: str,
    size: int,
    sha256: str,
    now: datetime,
) -> None:
    """The recording is durable in ``storage`` under ``key``: it is listed from now on."""
    session.execute(
        update(Recording)
        .where(Recording.id == recording_id)
        .values(
            path=key,
            storage=storage,
            format=fmt,
            size_bytes=size,
            sha256=sha256,
            stored_at=now,
            next_attempt_at=None,
            last_error=None,
        )
    )


def mark_failed(
    session: Session,
    recording_id: int,
    *,
    attempts: int,
    retry_at: datetime | None,
    error: str,
    now: datetime,
) -> None:
    """An upload failed: try again at ``retry_at`` (None: never, the spool file is lost,
    and the row is marked deleted)."""
    values: dict[str, Any] = {
        "upload_attempts": attempts,
        "next_attempt_at": retry_at,
        "last_error": error[:200],
    }
    if retry_at is None:
        values["deleted_at"] = now
    session.execute(update(Recording).where(Recording.id == recording_id).values(**values))


def spool_paths(session: Session) -> set[str]:
    """The spool files recordings still wait in."""
    return set(
        session.scalars(
            select(Recording.path).where(
                Recording.stored_at.is_(None), Recording.deleted_at.is_(None)
            )
        )
    )


def known_calls(session: Session, call_ids: list[str]) -> set[str]:
    """Which of ``call_ids`` have a recording row."""
    if not call_ids:
        return set()
    return set(session.scalars(select(Recording.call_id).where(Recording.call_id.in_(call_ids))))


# -- the purge ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expired:
    id: int
    path: str
    storage: str
    stored: bool


def tenants_with_recordings(session: Session) -> list[tuple[int, int]]:
    """(tenant id, retention days) of every tenant with recordings not deleted."""
    has = select(Recording.tenant_id).where(Recording.deleted_at.is_(None)).distinct()
    rows = session.execute(
        select(Tenant.id, Tenant.recording_retention_days).where(Tenant.id.in_(has))
    ).all()
    return [(row[0], row[1] or policy.DEFAULT_RETENTION_DAYS) for row in rows]


def expired(
    session: Session, tenant_id: int, days: int, now: datetime, limit: int
) -> list[Expired]:
    """Up to ``limit`` of the tenant's recordings past their deletion date, oldest first."""
    bounds = policy.cutoffs(days, now)
    rows = session.execute(
        select(Recording.id, Recording.path, Recording.storage, Recording.stored_at)
        .where(
            Recording.tenant_id == tenant_id,
            Recording.deleted_at.is_(None),
            Recording.keep.is_(False),
            Recording.created_at <= bounds.made_by,
            or_(Recording.released_at.is_(None), Recording.released_at <= bounds.released_by),
        )
        .order_by(Recording.created_at, Recording.id)
        .limit(limit)
    ).all()
    return [Expired(r[0], r[1], r[2], r[3] is not None) for r in rows]


# -- the access log -------------------------------------------------------------------------


def has_addon(session: Session, tenant_id: int) -> bool:
    """The tenant has bought the recording add-on."""
    return bool(session.scalar(select(Tenant.recording).where(Tenant.id == tenant_id)))


def access_log(
    session: Session, tenant_id: int, *, limit: int, offset: int
) -> tuple[int, list[tuple[AuditLog, str | None]]]:
    """The tenant's recording access (listen, download, keep, delete), newest first, with the
    user name of who did it."""
    query = (
        select(AuditLog, User.username)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.tenant_id == tenant_id, AuditLog.object_type == "recording")
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, [(r[0], r[1]) for r in rows]
