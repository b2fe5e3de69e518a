"""The managers' clips: ``/api/v1/clips``.

An upload is the file itself as the request body (any content type), with the clip's name
and kind as query parameters. It is refused with 413 when it is too large, before it is read
whole (``read_body``), and with 422 and the reason when helin cannot use it
(``services.clips``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.clips import ClipName, ClipPublic, Filename
from helin.api.services import clips
from helin.clips import convert
from helin.store.tables.enums import ClipKind

router = APIRouter(prefix="/api/v1", tags=["clips"])

MAX_BYTES = convert.MAX_BYTES
"""Largest upload read; larger ones are refused with 413 before being read whole."""

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_AUDIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The audio file itself: WAV (8-32 bit PCM, float, µ-law, A-law) or MP3, "
        "mono or stereo, 8-192 kHz, up to 10 minutes and 20 MB.",
        "content": {
            "audio/wav": _BINARY,
            "audio/mpeg": _BINARY,
            "application/octet-stream": _BINARY,
        },
    }
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {403: {}, 404: {}, 409: {}, 413: {}, 422: {}}

NameQuery = Annotated[
    ClipName,
    Query(min_length=1, max_length=100, description="what groups call the clip"),
]
FilenameQuery = Annotated[
    Filename | None, Query(description="the uploaded file's name, kept to show it")
]


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The file is larger than {limit / (1024 * 1024):g} MB.")


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or 413 as soon as it is known to be over ``limit`` bytes (from
    its Content-Length, or while it streams in)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/clips", response_model=list[ClipPublic], responses={403: {}})
def list_clips(me: CurrentUser, ctx: ContextDep) -> list[ClipPublic]:
    """My company's clips, by name (managers, tenant admins)."""
    return clips.list_clips(ctx, me)


@router.get("/clips/{clip_id}", response_model=ClipPublic, responses={404: {}})
def get_clip(clip_id: RowId, me: CurrentUser, ctx: ContextDep) -> ClipPublic:
    return clips.get_clip(ctx, me, clip_id)


@router.post(
    "/clips",
    response_model=ClipPublic,
    status_code=201,
    responses=_UPLOAD_ERRORS,
    openapi_extra=_AUDIO_BODY,
)
async def upload_clip(
    request: Request,
    me: CurrentUser,
    ctx: ContextDep,
    name: NameQuery,
    kind: ClipKind = ClipKind.OTHER,
    filename: FilenameQuery = None,
) -> ClipPublic:
    """Upload a new clip: the file is the body; ``name`` must be new in the company."""
    tenant_id = clips.tenant_of(me)
    await run_in_threadpool(clips.check_name_free, ctx, tenant_id, name)  # before reading
    limit = MAX_BYTES
    data = await read_body(request, limit)
    return await run_in_threadpool(
        clips.upload_clip, ctx, me, tenant_id, name, kind, filename, data, limit
    )


@router.put(
    "/clips/{clip_id}/file",
    response_model=ClipPublic,
    responses=_UPLOAD_ERRORS,
    openapi_extra=_AUDIO_BODY,
)
async def replace_clip_file(
    clip_id: RowId,
    request: Request,
    me: CurrentUser,
    ctx: ContextDep,
    filename: FilenameQuery = None,
) -> ClipPublic:
    """Replace a clip's audio, keeping its name, kind and the groups that play it."""
    await run_in_threadpool(clips.get_clip, ctx, me, clip_id)  # 404 before reading the file
    limit = MAX_BYTES
    data = await read_body(request, limit)
    return await run_in_threadpool(clips.replace_clip_file, ctx, me, clip_id, filename, data, limit)


@router.get(
    "/clips/{clip_id}/audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": _BINARY}}, 404: {}},
)
def download_clip(clip_id: RowId, me: CurrentUser, ctx: ContextDep) -> FileResponse:
    """The stored clip: an 8 kHz mono µ-law WAV (what callers hear)."""
    path, name, stat = clips.audio_file(ctx, me, clip_id)
    return FileResponse(
        path,
        media_type="audio/wav",
        filename=f"{name}.wav",
        content_disposition_type="inline",
        stat_result=stat,
        headers={"Cache-Control": "private, no-cache"},
    )


@router.delete("/clips/{clip_id}", status_code=204, responses={404: {}, 409: {}})
def delete_clip(clip_id: RowId, me: CurrentUser, ctx: ContextDep) -> None:
    """Delete a clip no group of the company plays (409 naming the groups otherwise)."""
    clips.delete_clip(ctx, me, clip_id)
