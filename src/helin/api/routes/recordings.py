"""The recording manager: ``/api/v1/recordings`` (find, keep, delete), its ``/audio``
(listen with HTTP Range, download) and ``/api/v1/recording-access`` (the access log)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.schemas.recordings import (
    AccessPage,
    RecordingPage,
    RecordingPublic,
    RecordingUpdate,
)
from helin.api.services import recordings
from helin.api.services.recordings import RecordingFilter
from helin.recordings.ranges import Unsatisfiable
from helin.store.tables.enums import Direction

router = APIRouter(prefix="/api/v1", tags=["recordings"])

Id = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]
Text = Annotated[str | None, Query(max_length=64)]


@router.get("/recordings", response_model=RecordingPage, responses={403: {}})
def list_recordings(
    me: CurrentUser,
    ctx: ContextDep,
    since: datetime | None = None,
    until: datetime | None = None,
    group_id: Id = None,
    agent_id: Id = None,
    direction: Direction | None = None,
    caller: Text = None,
    number: Text = None,
    min_duration: Annotated[float | None, Query(ge=0, le=1e6)] = None,
    kept: bool | None = None,
    sort: Literal["created_at", "duration", "caller", "group"] = "created_at",
    order: Literal["asc", "desc"] = "desc",
    limit: Limit = 50,
    offset: Offset = 0,
) -> RecordingPage:
    """The company's recordings (stored, not deleted, not expired), filtered, sorted, paged.
    ``caller`` and ``number`` match any part of the number."""
    where = RecordingFilter(
        since=since,
        until=until,
        group_id=group_id,
        agent_id=agent_id,
        direction=direction,
        caller=caller,
        number=number,
        min_duration=min_duration,
        kept=kept,
    )
    return recordings.list_recordings(
        ctx, me, where, sort=sort, order=order, limit=limit, offset=offset
    )


@router.get("/recording-access", response_model=AccessPage, responses={403: {}})
def access_log(
    me: CurrentUser, ctx: ContextDep, limit: Limit = 100, offset: Offset = 0
) -> AccessPage:
    """Who listened to, downloaded, kept or deleted the company's recordings, newest first
    (tenant admins)."""
    return recordings.access_log(ctx, me, limit=limit, offset=offset)


@router.get(
    "/recordings/{recording_id}", response_model=RecordingPublic, responses={403: {}, 404: {}}
)
def get_recording(me: CurrentUser, ctx: ContextDep, recording_id: RowId) -> RecordingPublic:
    return recordings.get_recording(ctx, me, recording_id)


@router.patch(
    "/recordings/{recording_id}", response_model=RecordingPublic, responses={403: {}, 404: {}}
)
def update_recording(
    me: CurrentUser, ctx: ContextDep, recording_id: RowId, body: RecordingUpdate
) -> RecordingPublic:
    """Mark to keep (the purge skips it) or unmark (its normal end, or 7 days from now if
    that is later)."""
    return recordings.set_keep(ctx, me, recording_id, body.keep)


@router.delete("/recordings/{recording_id}", status_code=204, responses={403: {}, 404: {}})
def delete_recording(me: CurrentUser, ctx: ContextDep, recording_id: RowId) -> Response:
    """Delete the recording's file or object now (the row stays, marked, for the audit)."""
    recordings.delete_recording(ctx, me, recording_id)
    return Response(status_code=204)


@router.get(
    "/recordings/{recording_id}/audio",
    response_class=StreamingResponse,
    responses={200: {"content": {"audio/flac": {}}}, 206: {}, 403: {}, 404: {}, 416: {}},
)
def recording_audio(
    me: CurrentUser,
    ctx: ContextDep,
    recording_id: RowId,
    range: Annotated[str | None, Header(max_length=200)] = None,
    download: bool = False,
) -> Response:
    """The recording's bytes: all (200), or the one ``Range`` asked (206), so an audio
    element can seek; ``download=true`` sends it as a file named for group, time and caller.
    Listening and downloading are audited."""
    try:
        answer = recordings.audio(ctx, me, recording_id, range, download=download)
    except Unsatisfiable:
        size = recordings.get_recording(ctx, me, recording_id).size_bytes
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    return StreamingResponse(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers={**answer.headers, "Cache-Control": "private, no-store"},
    )
