"""An upload's bytes in, a clip file out: bounded reading, conversion and atomic storing.

A clip's file is written to a temporary name beside its final one first; the caller commits
the row and only then moves the file into place (``publish``), or throws it away
(``discard``) when the row could not be stored. A crash in between leaves at most a
temporary file that no row names.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from fastapi import HTTPException, Request

from helin.clips import convert
from helin.clips.convert import ClipRejected, ConvertedClip

log = logging.getLogger(__name__)

MAX_BYTES = convert.MAX_BYTES
"""Largest upload read; larger ones are refused with 413 before being read whole."""


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


def rejected(reason: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body"], "msg": reason, "type": "value_error"}])


def convert_body(data: bytes, limit: int) -> ConvertedClip:
    """The upload as helin's clip; 422 with the reason when helin cannot use it."""
    try:
        return convert.convert_upload(data, max_bytes=limit)
    except ClipRejected as exc:
        raise rejected(str(exc)) from None
    except Exception:  # a decoder's failure on odd input: the file's fault, not the server's
        log.exception("an uploaded clip could not be converted")
        raise rejected("The file could not be read as audio.") from None


def original_name(filename: str | None) -> str | None:
    """The uploaded file's own name, without any folders the browser sent."""
    if filename is None:
        return None
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base or None


def write_temporary(final: Path, content: bytes) -> Path:
    """``content`` in a new file beside ``final``, flushed to disk; its path."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.stem}.{secrets.token_hex(6)}.tmp")
    with temporary.open("xb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def publish(temporary: Path, final: Path) -> None:
    """Move the written file into place (atomically replacing an older one)."""
    os.replace(temporary, final)


def discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("clip file %s could not be removed: %s", path, exc)
