"""The recording manager for managers: find recordings, listen (byte ranges), download one at
a time, mark or unmark to keep, delete; and the tenant admin's access log.

Managers of a company with the recording add-on only; another company's recording, one not
stored yet, deleted or past its deletion date is ``NotFound``. Every download, delete and keep
change is written to the audit log with the company (``audit_log.tenant_id``), and so is every
listen: a user's first request for a recording's audio, whatever range it asks, and again
after ``policy.LISTEN_AGAIN_AFTER`` (10 minutes) since their last audited listen of it, so a
playback's seeks are not listens of their own and no range escapes the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.recordings import (
    AccessEntry,
    AccessPage,
    RecordingPage,
    RecordingPublic,
)
from helin.api.services.errors import Forbidden, NotFound, ServiceError
from helin.api.services.security import Principal, may_manage
from helin.recordings import policy
from helin.recordings.ranges import ByteRange, parse_range
from helin.recordings.storage import Storage, StorageError
from helin.store import audit
from helin.store import recordings as store
from helin.store.calls import history
from helin.store.recordings import RecordingFilter

__all__ = ["Audio", "RecordingFilter", "StorageUnavailable"]


class StorageUnavailable(ServiceError):
    """The storage holding the recording cannot serve it now (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class Audio:
    """An answer with a recording's bytes: the whole file (200) or one range (206)."""

    status: int
    headers: dict[str, str]
    media_type: str
    body: Iterator[bytes]


def _manager(ctx: ApiContext, me: Principal) -> int:
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("recordings are for managers")
    with ctx.sessions() as session:
        if not store.has_addon(session, me.tenant_id):
            raise Forbidden("the company has not bought the recording add-on")
    return me.tenant_id


def _local(found: store.Listed) -> datetime:
    when = found.row.started_at or found.row.created_at
    try:
        return when.astimezone(ZoneInfo(found.group_timezone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return when.astimezone(UTC)


def public(found: store.Listed) -> RecordingPublic:
    row = found.row
    fmt = policy.FORMATS.get(row.format, policy.FORMATS["wav"])
    return RecordingPublic(
        id=row.id,
        call_id=row.call_id,
        call_row_id=row.call_row_id,
        group_id=row.group_id,
        group_name=found.group_name,
        agent_id=row.agent_id,
        agent_name=found.agent_name,
        direction=row.direction,
        caller=row.caller,
        number=row.number,
        started_at=row.started_at,
        timezone=found.group_timezone,
        created_at=row.created_at,
        duration=row.duration,
        size_bytes=row.size_bytes,
        format=row.format,
        media_type=fmt.media_type,
        kept=row.keep,
        deletion_date=policy.deletion_date(
            row.created_at, found.retention_days, keep=row.keep, released_at=row.released_at
        ),
        audio_url=f"/api/v1/recordings/{row.id}/audio",
        download_name=policy.download_name(found.group_name, _local(found), row.caller, fmt.name),
    )


def list_recordings(
    ctx: ApiContext,
    me: Principal,
    where: store.RecordingFilter,
    *,
    sort: store.Sort = "created_at",
    order: Literal["asc", "desc"] = "desc",
    limit: int = 50,
    offset: int = 0,
) -> RecordingPage:
    """The company's recordings that are stored and not yet deleted, filtered and sorted."""
    tenant_id = _manager(ctx, me)
    with ctx.sessions() as session:
        total, page = store.search(
            session,
            tenant_id,
            where,
            ctx.clock(),
            sort=sort,
            descending=order == "desc",
            limit=limit,
            offset=offset,
        )
        return RecordingPage(total=total, items=[public(found) for found in page])


def get_recording(ctx: ApiContext, me: Principal, recording_id: int) -> RecordingPublic:
    tenant_id = _manager(ctx, me)
    with ctx.sessions() as session:
        found = store.get(session, tenant_id, recording_id, ctx.clock())
        if found is None:
            raise NotFound("no such recording")
        return public(found)


def list_zone(ctx: ApiContext, me: Principal, group_id: int | None = None) -> str:
    """The time zone the list's dates are days of: the group's, when one of the company's
    groups is chosen, else the company's (``history.tenant_zone``)."""
    tenant_id = _manager(ctx, me)
    with ctx.sessions() as session:
        return history.group_zone(session, tenant_id, group_id)


def _storage(ctx: ApiContext, name: str) -> Storage:
    storage = ctx.storages.get(name)
    if storage is None:
        raise StorageUnavailable(f"the recording is in storage {name!r}, not configured here")
    return storage


def audio(
    ctx: ApiContext,
    me: Principal,
    recording_id: int,
    range_header: str | None,
    *,
    download: bool,
) -> Audio:
    """A recording's bytes, all or the one range asked (``Unsatisfiable`` past the end)."""
    tenant_id = _manager(ctx, me)
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        found = store.get(session, tenant_id, recording_id, now)
        if found is None:
            raise NotFound("no such recording")
        shown = public(found)
        row = found.row
        key, size, storage_name = row.path, row.size_bytes, row.storage
        wanted: ByteRange | None = None if download else parse_range(range_header, size)
        if download or not store.listened_since(
            session, me.user_id, recording_id, now - policy.LISTEN_AGAIN_AFTER
        ):
            _audit(
                session,
                me,
                tenant_id,
                "recording.download" if download else "recording.listen",
                recording_id,
                now,
                {"call_id": row.call_id, "caller": row.caller},
            )
    storage = _storage(ctx, storage_name)
    span = wanted or ByteRange(0, size - 1, size)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(span.length if size else 0)}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{shown.download_name}"'
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range
    try:
        body = storage.read(key, span.start, span.end) if size else iter(())
        first = next(body, b"")  # a storage away fails here, before the status is sent
    except (StorageError, OSError) as exc:
        raise StorageUnavailable(f"the recording cannot be read now: {exc}") from exc

    def chunks() -> Iterator[bytes]:
        if first:
            yield first
        yield from body

    return Audio(206 if wanted is not None else 200, headers, shown.media_type, chunks())


def set_keep(ctx: ApiContext, me: Principal, recording_id: int, keep: bool) -> RecordingPublic:
    """Mark or unmark to keep (audited when it changes)."""
    tenant_id = _manager(ctx, me)
    now = ctx.clock()
    with ctx.sessions.begin() as session:
        found = store.get(session, tenant_id, recording_id, now)
        if found is None:
            raise NotFound("no such recording")
        if found.row.keep != keep:
            store.set_keep(session, found, keep, now)
            _audit(
                session,
                me,
                tenant_id,
                "recording.keep" if keep else "recording.unkeep",
                recording_id,
                now,
            )
        return public(found)


def delete_recording(ctx: ApiContext, me: Principal, recording_id: int) -> None:
    """Delete the file or object, then mark the row deleted (kept for the audit)."""
    tenant_id = _manager(ctx, me)
    now = ctx.clock()
    with ctx.sessions() as session:
        found = store.get(session, tenant_id, recording_id, now)
        if found is None:
            raise NotFound("no such recording")
        key, storage_name = found.row.path, found.row.storage
        details = {"call_id": found.row.call_id, "caller": found.row.caller}
    try:
        _storage(ctx, storage_name).delete([key])
    except (StorageError, OSError) as exc:
        raise StorageUnavailable(f"the recording cannot be deleted now: {exc}") from exc
    with ctx.sessions.begin() as session:
        store.mark_deleted(session, [recording_id], now)
        _audit(session, me, tenant_id, "recording.delete", recording_id, now, details)


def access_log(ctx: ApiContext, me: Principal, *, limit: int, offset: int) -> AccessPage:
    """Who listened to, downloaded, kept or deleted the company's recordings (tenant admins)."""
    if not me.tenant_admin or me.tenant_id is None:
        raise Forbidden("the access log is for tenant admins")
    with ctx.sessions() as session:
        total, page = store.access_log(session, me.tenant_id, limit=limit, offset=offset)
        items = [
            AccessEntry(
                id=entry.id,
                at=entry.at,
                user_id=entry.user_id,
                username=username,
                action=entry.action,
                recording_id=int(entry.object_id) if entry.object_id else None,
                details=entry.details,
            )
            for entry, username in page
        ]
    return AccessPage(total=total, items=items)


def _audit(
    session: Session,
    me: Principal,
    tenant_id: int,
    action: str,
    recording_id: int,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """One access to a recording in the company's audit log."""
    audit.record(
        session,
        user_id=me.user_id,
        tenant_id=tenant_id,
        action=action,
        object_type="recording",
        object_id=recording_id,
        at=at,
        details=details,
    )
