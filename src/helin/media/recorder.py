"""Call recording: a spool written while the call runs, a stereo WAV made when it ends.

Theory of operation
-------------------
While a call is bridged, the relay hands every audio packet a leg receives to ``Spool.append``
as it is, RTP header included, behind a small record header (channel, G.711 law, arrival time
in 8 kHz samples since the spool began, length). Nothing is decoded on that path: appending is
two writes to an in-memory buffer. The switch calls ``flush`` about once a second, which writes
the buffer to the spool file with one ``os.write`` and starts the buffer over without freeing
it (a buffer that shrank and regrew every second would copy itself a dozen times as it grew:
with hundreds of calls, most of the recording's cost); so memory stays bounded and a crash
loses at most the last second.

``finalise`` turns a spool into ``<name>.wav``: 16-bit 8 kHz stereo, the caller's channel on
the left and the agent's on the right. Each packet is placed by its RTP timestamp: a channel's
first packet (and the first after its SSRC changes or its timestamps jump away from the arrival
times by more than ``RESYNC_SAMPLES``) is anchored at its arrival time; every later packet goes
to ``anchor + (timestamp - anchor timestamp)``. So reordered packets land in place and lost
ones leave silence. Each channel is first written to a sparse scratch file with ``os.pwrite``
(unwritten gaps read back as zeros), then both are interleaved into the WAV in chunks: memory
stays bounded however long the call. The WAV is written under a temporary name, renamed into
place, and only then is the spool removed, so a crash during finalising loses nothing.

``finalise_orphans(dir)`` runs at start-up and finalises every spool a crash left behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helin.media import g711
from helin.media.rtp import CLOCK_RATE, RtpError, payload_offset

MAGIC = b"HELINSPL"
RECORD = struct.Struct("<BBIH")
"""Record header: channel (0 caller, 1 agent), G.711 law (0 or 8), arrival, length.

The arrival is in samples (1/8000 s) since ``Spool.origin``: the relay computes ``now * 8000``
for its jitter statistics anyway, so recording costs no further float arithmetic."""
SUFFIX = ".spool"
RESYNC_SAMPLES = 2 * CLOCK_RATE
"""A channel whose timestamps drift this far from arrival times is re-anchored."""
CHUNK_SAMPLES = 10 * CLOCK_RATE
"""Samples per channel interleaved at a time when writing the WAV."""
CALLER, AGENT = 0, 1


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


def spool_path(wav: Path) -> Path:
    """Where the spool of a recording to ``wav`` is kept."""
    return wav.with_name(wav.name + SUFFIX)


class Spool:
    """The growing spool of one call. Appending buffers; ``flush`` writes."""

    __slots__ = ("_fd", "buffer", "origin", "path", "start", "wav", "write")

    def __init__(self, wav: Path, start: float) -> None:
        self.wav = wav
        """Where the finished recording goes."""
        self.path = spool_path(wav)
        self.start = start
        """Monotonic time the spool began."""
        self.origin = int(start * CLOCK_RATE)
        """``start`` in samples: arrivals are recorded relative to it."""
        header = json.dumps({"wav": wav.name, "started": time.time()}).encode()
        self.buffer = io.BytesIO()
        """Records not yet written, up to its position (kept allocated between flushes)."""
        self.write = self.buffer.write
        """Append bytes to the records (the relay calls it directly, as ``append`` does)."""
        self.write(MAGIC + struct.pack("<I", len(header)) + header)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o640)
        self.flush()

    def append(self, channel: int, law: int, now: float, packet: memoryview | bytes) -> None:
        """One received RTP packet (header included), as it arrived."""
        write = self.write
        write(RECORD.pack(channel, law, int(now * CLOCK_RATE) - self.origin, len(packet)))
        write(packet)

    @property
    def pending(self) -> int:
        """Bytes not yet written."""
        return self.buffer.tell()

    def flush(self) -> None:
        size = self.buffer.tell()
        if size and self._fd >= 0:
            with self.buffer.getbuffer() as whole, whole[:size] as records:
                done = 0
                while done < size:
                    done += os.write(self._fd, records[done:])
            self.buffer.seek(0)

    def close(self) -> None:
        self.flush()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_spool(path: Path) -> tuple[dict[str, object], Iterator[tuple[int, int, int, bytes]]]:
    """The header and the records (channel, law, arrival, packet) of a spool; a record cut short
    by a crash ends the iteration."""
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise ValueError(f"{path} is not a helin spool")
    (size,) = struct.unpack_from("<I", data, len(MAGIC))
    start = len(MAGIC) + 4
    header = json.loads(data[start : start + size])

    def records() -> Iterator[tuple[int, int, int, bytes]]:
        offset = start + size
        while offset + RECORD.size <= len(data):
            channel, law, arrival, length = RECORD.unpack_from(data, offset)
            offset += RECORD.size
            if offset + length > len(data):
                return
            yield channel, law, arrival, data[offset : offset + length]
            offset += length

    return header, records()


class _Channel:
    """Placement state of one channel while finalising."""

    __slots__ = ("anchor_pos", "anchor_ts", "end", "fd", "last_ts", "ssrc")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.ssrc = -1
        self.anchor_pos = 0
        self.anchor_ts = 0
        self.last_ts = 0
        self.end = 0

    def place(self, ssrc: int, timestamp: int, arrival: int) -> int:
        """Sample position of a packet with this timestamp arriving at sample ``arrival``."""
        if ssrc == self.ssrc:
            delta = (timestamp - self.last_ts) & 0xFFFFFFFF
            ext = self.last_ts + (delta - (1 << 32) if delta & 0x80000000 else delta)
            position = self.anchor_pos + ext - self.anchor_ts
            if abs(position - arrival) <= RESYNC_SAMPLES:
                self.last_ts = ext
                return position
        self.ssrc, self.anchor_pos, self.anchor_ts, self.last_ts = (
            ssrc,
            arrival,
            timestamp,
            timestamp,
        )
        return arrival


def _wav_header(frames: int) -> bytes:
    data = frames * 4
    fmt = struct.pack("<HHIIHH", 1, 2, CLOCK_RATE, CLOCK_RATE * 4, 4, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data)
        + b"WAVEfmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data)
    )


def finalise(spool: Path) -> Recording:
    """Make the stereo WAV of a spool, remove the spool, and describe the result."""
    header, records = read_spool(spool)
    wav = spool.with_name(str(header.get("wav") or spool.name.removesuffix(SUFFIX)))
    with tempfile.TemporaryDirectory(dir=spool.parent, prefix=".finalise-") as scratch:
        channels = [
            _Channel(os.open(Path(scratch) / f"ch{i}", os.O_RDWR | os.O_CREAT, 0o600))
            for i in (CALLER, AGENT)
        ]
        try:
            for channel, law, arrival, packet in records:
                if channel > AGENT or law not in (g711.PCMU, g711.PCMA):
                    continue
                try:
                    offset = payload_offset(packet, len(packet))
                except RtpError:
                    continue
                _, _, _, timestamp, ssrc = struct.unpack_from("!BBHII", packet)
                state = channels[channel]
                position = state.place(ssrc, timestamp, arrival)
                if position < 0:
                    continue
                pcm = g711.decode(packet[offset:], law)
                os.pwrite(state.fd, pcm, 2 * position)
                state.end = max(state.end, position + len(pcm) // 2)
            frames = max(c.end for c in channels)
            part = wav.with_name(wav.name + ".part")
            digest = hashlib.sha256()
            with open(part, "wb") as out:
                head = _wav_header(frames)
                out.write(head)
                digest.update(head)
                for start in range(0, frames, CHUNK_SAMPLES):
                    count = min(CHUNK_SAMPLES, frames - start)
                    block = _interleave(channels, start, count)
                    out.write(block)
                    digest.update(block)
                out.flush()
                os.fsync(out.fileno())
        finally:
            for c in channels:
                os.close(c.fd)
    os.replace(part, wav)
    spool.unlink()
    return Recording(
        path=wav,
        duration=frames / CLOCK_RATE,
        size=wav.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _interleave(channels: list[_Channel], start: int, count: int) -> bytes:
    out = bytearray(4 * count)
    for index, channel in enumerate(channels):
        plane = os.pread(channel.fd, 2 * count, 2 * start)
        plane += b"\0" * (2 * count - len(plane))
        out[2 * index :: 4] = plane[0::2]
        out[2 * index + 1 :: 4] = plane[1::2]
    return bytes(out)


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
