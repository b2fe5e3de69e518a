"""Call recordings on disk: the spool file written while the call runs, the WAV made at its end.

The format, the placement of packets and the WAV's bytes are ``helin.media.recorder``'s (pure);
this module owns the files and the clock. A bridged call's ``Spool`` is created next to the
WAV it will become (``<name>.wav.spool``) and ``flush`` writes its buffered records there with
one ``os.write`` (the media server calls it about once a second), so a crash loses at most the
last second.

``finalise`` turns a spool into ``<name>.wav``: each channel is first written to a sparse
scratch file with ``os.pwrite`` (unwritten gaps read back as zeros), then both are interleaved
into the WAV in chunks, so memory stays bounded however long the call. The WAV is written under
a temporary name, synced, renamed into place, and only then is the spool removed, so a crash
during finalising loses nothing. ``finalise_orphans(dir)`` runs at start-up and finalises
every spool a crash left behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from helin.media.recorder import (
    AGENT,
    CALLER,
    SpoolBuffer,
    SpoolRecord,
    parse_spool,
    place,
    spool_header,
    wav_blocks,
)
from helin.media.rtp import CLOCK_RATE

SUFFIX = ".spool"


@dataclass(frozen=True, kw_only=True, slots=True)
class Recording:
    """A finished recording."""

    path: Path
    duration: float
    """Seconds."""
    size: int
    """Bytes of the WAV file."""
    sha256: str
    """Hex digest of the WAV file."""


def wav_path(root: Path, tenant_id: str, call_id: str, now: float) -> Path:
    """Where a call's recording goes, ``<root>/<tenant>/<UTC day>/<call id>.wav`` (the
    directory is made)."""
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    directory = root / tenant_id / day
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{call_id}.wav"


def spool_path(wav: Path) -> Path:
    """Where the spool of a recording to ``wav`` is kept."""
    return wav.with_name(wav.name + SUFFIX)


class Spool(SpoolBuffer):
    """The growing spool file of one call. Appending buffers; ``flush`` writes."""

    __slots__ = ("_fd", "path", "wav")

    def __init__(self, wav: Path, start: float, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(start, spool_header(wav.name, clock()))
        self.wav = wav
        """Where the finished recording goes."""
        self.path = spool_path(wav)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o640)
        self.flush()

    def flush(self) -> None:
        """Write the buffered records to the spool file (nothing once closed)."""
        if self._fd >= 0:
            self.drain(partial(os.write, self._fd))

    def close(self) -> None:
        self.flush()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_spool(path: Path) -> tuple[dict[str, object], Iterator[SpoolRecord]]:
    """The header and the records (channel, law, arrival, packet) of a spool file; a record cut
    short by a crash ends the iteration."""
    try:
        return parse_spool(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path} is not a helin spool") from exc


def finalise(spool: Path) -> Recording:
    """Make the stereo WAV of a spool, remove the spool, and describe the result."""
    header, records = read_spool(spool)
    wav = spool.with_name(str(header.get("wav") or spool.name.removesuffix(SUFFIX)))
    part = wav.with_name(wav.name + ".part")
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=spool.parent, prefix=".finalise-") as scratch:
        fds = [
            os.open(Path(scratch) / f"ch{i}", os.O_RDWR | os.O_CREAT, 0o600)
            for i in (CALLER, AGENT)
        ]
        try:
            frames = place(records, lambda ch, at, pcm: _put(fds[ch], at, pcm))
            with open(part, "wb") as out:
                for block in wav_blocks(frames, lambda ch, at, n: os.pread(fds[ch], 2 * n, 2 * at)):
                    out.write(block)
                    digest.update(block)
                out.flush()
                os.fsync(out.fileno())
        finally:
            for fd in fds:
                os.close(fd)
    os.replace(part, wav)
    spool.unlink()
    return Recording(
        path=wav,
        duration=frames / CLOCK_RATE,
        size=wav.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _put(fd: int, position: int, pcm: bytes) -> None:
    os.pwrite(fd, pcm, 2 * position)


def describe(wav: Path) -> Recording:
    """A finished recording's description from its WAV (one whose record a crash lost)."""
    digest = hashlib.sha256()
    with wav.open("rb") as src:
        header = src.read(44)
        digest.update(header)
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    size = wav.stat().st_size
    if len(header) < 44 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ValueError(f"{wav} is not a WAV file")
    channels = int.from_bytes(header[22:24], "little") or 2
    return Recording(
        path=wav,
        duration=max(0, size - 44) / (2 * channels * CLOCK_RATE),
        size=size,
        sha256=digest.hexdigest(),
    )


def finalise_orphans(directory: Path) -> list[Recording]:
    """Finalise every spool under ``directory`` (left by a crash); run at start-up.

    A spool that cannot be read is renamed to ``*.spool.bad`` so it is not tried again.
    """
    done: list[Recording] = []
    for spool in sorted(directory.rglob(f"*{SUFFIX}")):
        try:
            done.append(finalise(spool))
        except (ValueError, OSError):
            spool.rename(spool.with_name(spool.name + ".bad"))
    return done
