"""The managers' clips: audio their company's groups play (greetings, comfort messages,
announcements, music), uploaded as WAV or MP3 and kept as 8 kHz mono µ-law WAV.

A manager (or a tenant admin) sees and changes every clip of their own company; anyone else
is refused the list (``Forbidden``) and any one clip (``NotFound``), as for the groups. An
upload is converted once, here, and refused with the reason (``Invalid``) when helin cannot
use it.

A clip's file is written under a temporary name beside its final one, the row committed, and
only then the file moved into place (or thrown away when the row could not be stored): a
crash in between leaves at most a temporary file that no row names. After every change the
media server reloads the company's clips (``Live.clips_changed``), so callers hear the new
audio from their next clip on.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.clips import ClipPublic
from helin.api.services.errors import Conflict, Forbidden, Invalid, NotFound
from helin.api.services.security import Principal, may_manage
from helin.clips import convert
from helin.clips.convert import ClipRejected, ConvertedClip
from helin.store import audit, clips
from helin.store.tables import Clip
from helin.store.tables.enums import ClipKind

log = logging.getLogger(__name__)

NOT_FOUND = "no such clip"
_WRITING = threading.Lock()
"""Held while a clip's row and file change together, so that two changes of one clip cannot
leave the row of one with the file of the other."""


def tenant_of(me: Principal) -> int:
    """My company, if I may manage its clips (``Forbidden`` otherwise)."""
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("you do not have the manager right")
    return me.tenant_id


def _clip(session: Session, me: Principal, clip_id: int) -> Clip:
    """The clip if ``me`` may manage it; ``NotFound`` otherwise, whether or not it exists."""
    clip = None
    if may_manage(me) and me.tenant_id is not None:
        clip = clips.get(session, me.tenant_id, clip_id)
    if clip is None:
        raise NotFound(NOT_FOUND)
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


def _taken(name: str) -> Conflict:
    return Conflict(f"another clip is called {name!r}")


def _details(converted: ConvertedClip, filename: str | None) -> dict[str, Any]:
    return {
        "duration": round(converted.duration, 3),
        "source_format": converted.source_format,
        "original_filename": filename,
    }


def list_clips(ctx: ApiContext, me: Principal) -> list[ClipPublic]:
    """My company's clips, by name (managers, tenant admins)."""
    tenant_id = tenant_of(me)
    with ctx.sessions() as session:
        return [_public(c) for c in clips.in_tenant(session, tenant_id)]


def get_clip(ctx: ApiContext, me: Principal, clip_id: int) -> ClipPublic:
    with ctx.sessions() as session:
        return _public(_clip(session, me, clip_id))


def check_name_free(ctx: ApiContext, tenant_id: int, name: str) -> None:
    """``Conflict`` if the company has a clip called ``name`` (checked before an upload is
    read, and again when it is stored)."""
    with ctx.sessions() as session:
        if clips.name_taken(session, tenant_id, name):
            raise _taken(name)


def upload_clip(
    ctx: ApiContext,
    me: Principal,
    tenant_id: int,
    name: str,
    kind: ClipKind,
    filename: str | None,
    data: bytes,
    limit: int,
) -> ClipPublic:
    """A new clip of the company from the uploaded file's ``data`` (at most ``limit``
    bytes)."""
    converted = _convert(data, limit)
    wav = converted.wav
    original = _original_name(filename)
    temporary: Path | None = None
    with _WRITING:
        try:
            with ctx.sessions.begin() as session:
                if clips.name_taken(session, tenant_id, name):
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
                clip.path = clips.relative_path(tenant_id, clip.id)
                final = ctx.data_dir / clip.path
                temporary = _write_temporary(final, wav)
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
                _discard(temporary)
            if isinstance(exc, IntegrityError):
                raise _taken(name) from None  # uploaded at the same moment
            raise
        try:
            os.replace(temporary, final)  # atomically, over an older file
        except OSError:
            _discard(temporary)
            with ctx.sessions.begin() as session:
                stored = session.get(Clip, public.id)
                if stored is not None:
                    session.delete(stored)
            raise
    ctx.live.clips_changed(tenant_id)
    return public


def replace_clip_file(
    ctx: ApiContext,
    me: Principal,
    clip_id: int,
    filename: str | None,
    data: bytes,
    limit: int,
) -> ClipPublic:
    """The clip's audio replaced by the uploaded file's, keeping its name and kind."""
    converted = _convert(data, limit)
    wav = converted.wav
    original = _original_name(filename)
    temporary: Path | None = None
    with _WRITING:
        try:
            with ctx.sessions.begin() as session:
                clip = _clip(session, me, clip_id)
                tenant_id = clip.tenant_id
                final = ctx.data_dir / clip.path
                temporary = _write_temporary(final, wav)
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
                _discard(temporary)
            raise
        try:
            os.replace(temporary, final)
        except OSError:
            _discard(temporary)
            raise
    ctx.live.clips_changed(tenant_id)
    return public


def audio_file(ctx: ApiContext, me: Principal, clip_id: int) -> tuple[Path, str, os.stat_result]:
    """The stored WAV of the clip: its path, the clip's name and the file's status."""
    with ctx.sessions() as session:
        clip = _clip(session, me, clip_id)
        path, name = ctx.data_dir / clip.path, clip.name
    try:
        stat = os.stat(path)
    except OSError:
        raise NotFound("the clip's audio file is missing") from None
    return path, name, stat


def delete_clip(ctx: ApiContext, me: Principal, clip_id: int) -> None:
    """Delete a clip no group of the company plays (``Conflict`` naming the groups
    otherwise)."""
    with _WRITING:
        with ctx.sessions.begin() as session:
            clip = _clip(session, me, clip_id)
            users = clips.groups_using(session, clip)
            if users:
                names = ", ".join(repr(u) for u in users)
                raise Conflict(f"the clip is played by the group(s) {names}: change them first")
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
        _discard(path)
    ctx.live.clips_changed(tenant_id)


# -- files ----------------------------------------------------------------------------------


def _convert(data: bytes, limit: int) -> ConvertedClip:
    """The upload as helin's clip; ``Invalid`` with the reason when helin cannot use it."""
    try:
        return convert.convert_upload(data, max_bytes=limit)
    except ClipRejected as exc:
        raise _rejected(str(exc)) from None
    except Exception:  # a decoder's failure on odd input: the file's fault, not the server's
        log.exception("an uploaded clip could not be converted")
        raise _rejected("The file could not be read as audio.") from None


def _rejected(reason: str) -> Invalid:
    return Invalid.at((("body",), reason))


def _original_name(filename: str | None) -> str | None:
    """The uploaded file's own name, without any folders the browser sent."""
    if filename is None:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base or None


def _write_temporary(final: Path, content: bytes) -> Path:
    """``content`` in a new file beside ``final``, flushed to disk; its path."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.stem}.{secrets.token_hex(6)}.tmp")
    with temporary.open("xb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("clip file %s could not be removed: %s", path, exc)
