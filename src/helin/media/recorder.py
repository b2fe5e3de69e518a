"""Call recording, pure: the spool record format and the stereo WAV made from it.

Theory of operation
-------------------
While a call is bridged, the relay hands every audio packet a leg receives to a
``SpoolBuffer`` as it is, RTP header included, behind a small record header (channel, G.711
law, arrival time in 8 kHz samples since the spool began, length). Nothing is decoded on that
path: appending is two writes to an in-memory buffer. ``drain`` hands the buffered records to a
writer and starts the buffer over without freeing it (a buffer that shrank and regrew every
second would copy itself a dozen times as it grew: with hundreds of calls, most of the
recording's cost). The switch (``helin.switch.recording``) drains it into the spool file about
once a second, so memory stays bounded and a crash loses at most the last second.

``parse_spool`` reads a spool's header and records back from its bytes; a record cut short by
a crash ends them. ``place`` decodes the records and puts each packet's audio where it belongs
on its channel: 16-bit 8 kHz, the caller's channel on the left and the agent's on the right.
Each packet is placed by its RTP timestamp: a channel's first packet (and the first after its
SSRC changes or its timestamps jump away from the arrival times by more than
``RESYNC_SAMPLES``) is anchored at its arrival time; every later packet goes to ``anchor +
(timestamp - anchor timestamp)``. So reordered packets land in place and lost ones leave
silence. ``wav_blocks`` then yields the WAV file, header first, interleaving both channels a
chunk at a time from a reader of each channel's samples. Where the samples are kept while
placing (sparse scratch files, in the switch) is the caller's business: memory stays bounded
however long the call.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable, Iterable, Iterator

from helin.media import g711
from helin.media.rtp import CLOCK_RATE, RtpError, payload_offset

MAGIC = b"HELINSPL"
RECORD = struct.Struct("<BBIH")
"""Record header: channel (0 caller, 1 agent), G.711 law (0 or 8), arrival, length.

The arrival is in samples (1/8000 s) since ``SpoolBuffer.origin``: the relay computes
``now * 8000`` for its jitter statistics anyway, so recording costs no further float
arithmetic."""
RESYNC_SAMPLES = 2 * CLOCK_RATE
"""A channel whose timestamps drift this far from arrival times is re-anchored."""
CHUNK_SAMPLES = 10 * CLOCK_RATE
"""Samples per channel interleaved at a time when writing the WAV."""
CALLER, AGENT = 0, 1

SpoolRecord = tuple[int, int, int, bytes]
"""One record of a spool: channel, G.711 law, arrival (samples since the origin), packet."""


def spool_header(wav_name: str, started: float) -> bytes:
    """The start of every spool: magic, header length, and the JSON header naming the WAV to
    make and when (Unix time) the recording started."""
    header = json.dumps({"wav": wav_name, "started": started}).encode()
    return MAGIC + struct.pack("<I", len(header)) + header


class SpoolBuffer:
    """The records of one call not yet written; the relay appends, ``drain`` hands them on."""

    __slots__ = ("buffer", "origin", "start", "write")

    def __init__(self, start: float, header: bytes = b"") -> None:
        self.start = start
        """Monotonic time the spool began."""
        self.origin = int(start * CLOCK_RATE)
        """``start`` in samples: arrivals are recorded relative to it."""
        self.buffer = io.BytesIO()
        """Records not yet written, up to its position (kept allocated between drains)."""
        self.write = self.buffer.write
        """Append bytes to the records (the relay calls it directly, as ``append`` does)."""
        self.write(header)

    def append(self, channel: int, law: int, now: float, packet: memoryview | bytes) -> None:
        """One received RTP packet (header included), as it arrived."""
        write = self.write
        write(RECORD.pack(channel, law, int(now * CLOCK_RATE) - self.origin, len(packet)))
        write(packet)

    @property
    def pending(self) -> int:
        """Bytes not yet written."""
        return self.buffer.tell()

    def drain(self, write: Callable[[memoryview], int]) -> None:
        """Hand every buffered byte to ``write``, which returns how many it took (as
        ``os.write`` does), then start the buffer over."""
        size = self.buffer.tell()
        if not size:
            return
        with self.buffer.getbuffer() as whole, whole[:size] as records:
            done = 0
            while done < size:
                done += write(records[done:])
        self.buffer.seek(0)


def parse_spool(data: bytes) -> tuple[dict[str, object], Iterator[SpoolRecord]]:
    """The header and the records of a spool's bytes; a record cut short by a crash ends the
    iteration. ``ValueError`` when ``data`` is not a spool."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise ValueError("not a helin spool")
    (size,) = struct.unpack_from("<I", data, len(MAGIC))
    start = len(MAGIC) + 4
    header = json.loads(data[start : start + size])

    def records() -> Iterator[SpoolRecord]:
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
    """Placement state of one channel."""

    __slots__ = ("anchor_pos", "anchor_ts", "end", "last_ts", "ssrc")

    def __init__(self) -> None:
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


def place(records: Iterable[SpoolRecord], put: Callable[[int, int, bytes], None]) -> int:
    """Decode every record's audio and hand it to ``put(channel, sample position, 16-bit
    samples)`` where it belongs on its channel; the recording's length in frames (samples per
    channel). Records of another channel or law, or not RTP, are skipped."""
    channels = [_Channel(), _Channel()]
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
        put(channel, position, pcm)
        state.end = max(state.end, position + len(pcm) // 2)
    return max(c.end for c in channels)


def wav_header(frames: int) -> bytes:
    """The header of a 16-bit 8 kHz stereo WAV of ``frames`` frames."""
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


def interleave(left: bytes, right: bytes, count: int) -> bytes:
    """``count`` stereo frames from two channels' 16-bit samples (short ones end in silence)."""
    out = bytearray(4 * count)
    for index, plane in enumerate((left, right)):
        plane += b"\0" * (2 * count - len(plane))
        out[2 * index :: 4] = plane[0::2]
        out[2 * index + 1 :: 4] = plane[1::2]
    return bytes(out)


def wav_blocks(frames: int, samples: Callable[[int, int, int], bytes]) -> Iterator[bytes]:
    """The stereo WAV of ``frames`` frames, header first, then ``CHUNK_SAMPLES`` frames at a
    time; ``samples(channel, start, count)`` reads a channel's 16-bit samples (fewer: silence)."""
    yield wav_header(frames)
    for start in range(0, frames, CHUNK_SAMPLES):
        count = min(CHUNK_SAMPLES, frames - start)
        yield interleave(samples(CALLER, start, count), samples(AGENT, start, count), count)
