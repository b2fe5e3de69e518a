"""Where stored recordings live: the ``Storage`` interface and its file back-end.

A back-end stores a finished file under a key (``policy.object_key``), serves byte ranges of
it, and deletes it. ``put`` returns only once the file is durable (a listed recording must
survive a crash), ``delete`` of a missing key is not an error (the purge may run it twice
after a crash). ``FileStorage`` keeps the files under a directory (by default
``<data dir>/recordings``); ``helin.recordings.s3.S3Storage`` an S3-compatible object store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024
"""Bytes read at a time when a file is served."""


class StorageError(OSError):
    """The storage could not do it (unreachable, refused, full); the caller may retry."""


class Storage(Protocol):
    """A place recordings are stored in."""

    name: str
    """``files`` or ``s3``: what the recording rows say of where they are."""

    def put(self, key: str, source: Path, media_type: str) -> None:
        """Store a copy of ``source`` under ``key`` (replacing it); durable once returned."""

    def size(self, key: str) -> int | None:
        """Bytes stored under ``key``; None if nothing is."""

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive of ``key``, in chunks."""

    def delete(self, keys: Iterable[str]) -> None:
        """Delete whatever is stored under ``keys`` (missing ones are no error)."""


class FileStorage:
    """Recordings as files under ``root`` (the key is the path below it)."""

    name = "files"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """The file of ``key``; ValueError for a key that would leave ``root``."""
        candidate = Path(key)
        if candidate.is_absolute():  # rows from before the recording manager
            candidate = candidate.resolve()
            if not candidate.is_relative_to(self.root.resolve()):
                raise ValueError(f"{key!r} is outside the recordings directory")
            return candidate
        if ".." in candidate.parts or not candidate.parts:
            raise ValueError(f"{key!r} is not a recording key")
        return self.root / candidate

    def put(self, key: str, source: Path, media_type: str) -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(dir=target.parent, prefix=".put-")
            try:
                with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK * 16)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(part, target)
            except BaseException:
                Path(part).unlink(missing_ok=True)
                raise
            _sync_dir(target.parent)
        except OSError as exc:
            raise StorageError(f"cannot store {key}: {exc}") from exc

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        with self.path(key).open("rb") as src:
            src.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = src.read(min(CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.path(key).unlink(missing_ok=True)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
