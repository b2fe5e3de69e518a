"""The managers' clips: audio their company's groups play (greetings, comfort messages,
announcements, music), uploaded as WAV or MP3 and kept as 8 kHz mono µ-law WAV.

A manager (or a tenant admin) sees and changes every clip of their own company; anyone else
gets 403 for the list and 404 for a clip, as for the groups (``routes_groups``). An upload is
the file itself as the request body (any content type), with the clip's name and kind as
query parameters: it is converted once, at upload, and refused with 422 and the reason when
helin cannot use it, or with 413 when it is too large (before it is read whole).

The file is written under a temporary name, the row committed, then the file moved into
place; after every change the media server reloads the company's clips
(``Live.clips_changed``), so callers hear the new audio from their next clip on.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.api import clips_files
from helin.api.context import ApiContext
from helin.api.deps import ContextDep, CurrentUser, RowId
from helin.api.schemas.clips import ClipName, ClipPublic, Filename
from helin.api.services.security import Principal
from helin.clips.convert import ConvertedClip
from helin.store import audit, clip_edits
from helin.store.enums import ClipKind
from helin.store.tables import Clip

router = APIRouter(prefix="/api/v1", tags=["clips"])

NOT_FOUND = "no such clip"
_WRITING = threading.Lock()
"""Held while a clip's row and file change together, so that two changes of one clip cannot
leave the row of one with the file of the other."""

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


def _may_manage(me: Principal) -> bool:
    return (me.manager or me.tenant_admin) and me.tenant_id is not None


def _tenant(me: Principal) -> int:
    """My company, if I may manage its clips (403 otherwise)."""
    if not _may_manage(me) or me.tenant_id is None:
        raise HTTPException(403, "you do not have the manager right")
    return me.tenant_id


def _clip(session: Session, me: Principal, clip_id: int) -> Clip:
    """The clip if ``me`` may manage it; 404 otherwise, whether or not it exists."""
    clip = None
    if _may_manage(me) and me.tenant_id is not None:
        clip = clip_edits.tenant_clip(session, me.tenant_id, clip_id)
    if clip is None:
        raise HTTPException(404, NOT_FOUND)
    return clip


def _public(clip: Clip) -> ClipPublic:
    return ClipPublic(
        id=clip.id,
        name=clip.name,
        kind=clip.kind,
        duration=round(clip.duration, 3),
        original_filename=clip.original_filename,
        created_at=clip.created_at,
        audio_url=f"/api/v1/clips/{clip.id}/audio",
    )


def _taken(name: str) -> HTTPException:
    return HTTPException(409, f"another clip is called {name!r}")


def _details(converted: ConvertedClip, filename: str | None) -> dict[str, Any]:
    return {
        "duration": round(converted.duration, 3),
        "source_format": converted.source_format,
        "original_filename": filename,
    }


@router.get("/clips", response_model=list[ClipPublic], responses={403: {}})
def list_clips(me: CurrentUser, ctx: ContextDep) -> list[ClipPublic]:
    """My company's clips, by name (managers, tenant admins)."""
    tenant_id = _tenant(me)
    with ctx.sessions() as session:
        return [_public(c) for c in clip_edits.tenant_clips(session, tenant_id)]


@router.get("/clips/{clip_id}", response_model=ClipPublic, responses={404: {}})
def get_clip(clip_id: RowId, me: CurrentUser, ctx: ContextDep) -> ClipPublic:
    with ctx.sessions() as session:
        return _public(_clip(session, me, clip_id))


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
    tenant_id = _tenant(me)
    if await run_in_threadpool(_name_taken, ctx, tenant_id, name):
        raise _taken(name)  # before reading the file
    limit = clips_files.MAX_BYTES
    data = await clips_files.read_body(request, limit)
    return await run_in_threadpool(_create, ctx, me, tenant_id, name, kind, filename, data, limit)


def _name_taken(ctx: ApiContext, tenant_id: int, name: str) -> bool:
    with ctx.sessions() as session:
        return clip_edits.name_taken(session, tenant_id, name)


def _create(
    ctx: ApiContext,
    me: Principal,
    tenant_id: int,
    name: str,
    kind: ClipKind,
    filename: str | None,
    data: bytes,
    limit: int,
) -> ClipPublic:
    converted = clips_files.convert_body(data, limit)
    wav = converted.wav
    original = clips_files.original_name(filename)
    temporary: Path | None = None
    with _WRITING:
        try:
            with ctx.sessions.begin() as session:
                if clip_edits.name_taken(session, tenant_id, name):
                    raise _taken(name)
                clip = Clip(
                    tenant_id=tenant_id,
                    name=name,
                    kind=kind,
                    path="",
                    duration=converted.duration,
                    original_filename=original,
                    created_at=ctx.clock(),
                )
                session.add(clip)
                session.flush()
                clip.path = clip_edits.relative_path(tenant_id, clip.id)
                final = ctx.data_dir / clip.path
                temporary = clips_files.write_temporary(final, wav)
                audit.record(
                    session,
                    user_id=me.user_id,
                    action="clip.upload",
                    object_type="clip",
                    object_id=clip.id,
                    at=ctx.clock(),
                    details={"name": name, "kind": kind.value} | _details(converted, original),
                )
                session.flush()
                public = _public(clip)
        except BaseException as exc:
            if temporary is not None:
                clips_files.discard(temporary)
            if isinstance(exc, IntegrityError):
                raise _taken(name) from None  # uploaded at the same moment
            raise
        try:
            clips_files.publish(temporary, final)
        except OSError:
            clips_files.discard(temporary)
            with ctx.sessions.begin() as session:
                stored = session.get(Clip, public.id)
                if stored is not None:
                    session.delete(stored)
            raise
    ctx.live.clips_changed(tenant_id)
    return public


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
    await run_in_threadpool(_get_public, ctx, me, clip_id)  # 404 before reading the file
    limit = clips_files.MAX_BYTES
    data = await clips_files.read_body(request, limit)
    return await run_in_threadpool(_replace, ctx, me, clip_id, filename, data, limit)


def _get_public(ctx: ApiContext, me: Principal, clip_id: int) -> ClipPublic:
    with ctx.sessions() as session:
        return _public(_clip(session, me, clip_id))


def _replace(
    ctx: ApiContext,
    me: Principal,
    clip_id: int,
    filename: str | None,
    data: bytes,
    limit: int,
) -> ClipPublic:
    converted = clips_files.convert_body(data, limit)
    wav = converted.wav
    original = clips_files.original_name(filename)
    temporary: Path | None = None
    with _WRITING:
        try:
            with ctx.sessions.begin() as session:
                clip = _clip(session, me, clip_id)
                tenant_id = clip.tenant_id
                final = ctx.data_dir / clip.path
                temporary = clips_files.write_temporary(final, wav)
                clip.duration = converted.duration
                clip.original_filename = original
                audit.record(
                    session,
                    user_id=me.user_id,
                    action="clip.replace",
                    object_type="clip",
                    object_id=clip.id,
                    at=ctx.clock(),
                    details={"name": clip.name} | _details(converted, original),
                )
                session.flush()
                public = _public(clip)
        except BaseException:
            if temporary is not None:
                clips_files.discard(temporary)
            raise
        try:
            clips_files.publish(temporary, final)
        except OSError:
            clips_files.discard(temporary)
            raise
    ctx.live.clips_changed(tenant_id)
    return public


@router.get(
    "/clips/{clip_id}/audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": _BINARY}}, 404: {}},
)
def download_clip(clip_id: RowId, me: CurrentUser, ctx: ContextDep) -> FileResponse:
    """The stored clip: an 8 kHz mono µ-law WAV (what callers hear)."""
    with ctx.sessions() as session:
        clip = _clip(session, me, clip_id)
        path, name = ctx.data_dir / clip.path, clip.name
    try:
        stat = os.stat(path)
    except OSError:
        raise HTTPException(404, "the clip's audio file is missing") from None
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
    with _WRITING:
        with ctx.sessions.begin() as session:
            clip = _clip(session, me, clip_id)
            users = clip_edits.groups_using(session, clip)
            if users:
                names = ", ".join(repr(u) for u in users)
                raise HTTPException(
                    409, f"the clip is played by the group(s) {names}: change them first"
                )
            tenant_id, path = clip.tenant_id, ctx.data_dir / clip.path
            audit.record(
                session,
                user_id=me.user_id,
                action="clip.delete",
                object_type="clip",
                object_id=clip.id,
                at=ctx.clock(),
                details={"name": clip.name, "kind": clip.kind.value},
            )
            session.delete(clip)
        clips_files.discard(path)
    ctx.live.clips_changed(tenant_id)
