"""RTP packets (RFC 3550 section 5) and the state of one stream helin sends.

``parse`` and ``build`` are for ordinary use; the relay's hot path in ``relay.py`` reads and
rewrites headers in place with ``struct`` and keeps the same fields as ``RtpSender``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER = struct.Struct("!BBHII")
"""First byte, marker|payload type, sequence number, timestamp, SSRC."""
CLOCK_RATE = 8000
"""Samples per second of every codec helin speaks (G.711, telephone-event)."""
FRAME_SAMPLES = 160
"""Samples in one 20 ms packet."""
FRAME_SECONDS = FRAME_SAMPLES / CLOCK_RATE


class RtpError(ValueError):
    """A datagram that is not a well-formed RTP packet (the peer's fault; dropped)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False
    csrcs: tuple[int, ...] = ()
    """Contributing sources (kept when parsing, never sent by helin)."""


def payload_offset(data: bytes | bytearray | memoryview, length: int) -> int:
    """Where the payload starts in an RTP packet of ``length`` bytes; raises ``RtpError``."""
    if length < 12:
        raise RtpError("shorter than an RTP header")
    first = data[0]
    if first >> 6 != RTP_VERSION:
        raise RtpError("not RTP version 2")
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:
        if length < offset + 4:
            raise RtpError("truncated header extension")
        offset += 4 + 4 * int.from_bytes(data[offset + 2 : offset + 4], "big")
    end = length
    if first & 0x20:
        end -= data[length - 1]
    if offset > end:
        raise RtpError("header or padding longer than the packet")
    return offset


def parse(data: bytes) -> RtpPacket:
    """An RTP packet from a datagram; raises ``RtpError`` when it is not one."""
    offset = payload_offset(data, len(data))
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    end = len(data) - (data[-1] if first & 0x20 else 0)
    csrcs = struct.unpack_from(f"!{first & 0x0F}I", data, 12)
    return RtpPacket(
        payload_type=second & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(data[offset:end]),
        marker=bool(second & 0x80),
        csrcs=csrcs,
    )


def build(
    payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, marker: bool
) -> bytes:
    """An RTP packet with no CSRC, extension or padding."""
    second = (0x80 if marker else 0) | payload_type
    return HEADER.pack(0x80, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc) + payload


def elapsed_samples(last_at: float, now: float) -> int:
    """Whole frames of samples between two send times, at least one frame."""
    frames = round((now - last_at) / FRAME_SECONDS)
    return max(1, frames) * FRAME_SAMPLES


class RtpSender:
    """One outgoing stream as the peer sees it: one SSRC, continuous sequence and timestamps.

    Whatever feeds the stream (a clip, hold music, the other party relayed), the peer sees one
    source. ``frame`` sends the next 20 ms from a player; after ``pause`` (a tick with nothing
    to send, or the relay taking over) the timestamp jumps by the time that passed and the
    marker bit starts the new talkspurt. The relay rewrites packets with ``seq_delta`` and
    ``ts_delta`` computed by ``resync`` whenever its source changes.
    """

    # the fields the relay's hot path reads come first (see ``RtpLeg.__slots__``)
    __slots__ = (  # noqa: RUF023
        "source_ssrc",
        "seq_delta",
        "ts_delta",
        "seq",
        "timestamp",
        "last_at",
        "ssrc",
        "continuous",
        "octets",
        "packets",
        "payload_type",
    )

    def __init__(self, *, ssrc: int, payload_type: int, first_seq: int, first_ts: int) -> None:
        self.ssrc = ssrc
        """Our SSRC for this stream."""
        self.payload_type = payload_type
        """Negotiated audio payload type."""
        self.seq = (first_seq - 1) & 0xFFFF
        """Last sequence number sent."""
        self.timestamp = (first_ts - FRAME_SAMPLES) & 0xFFFFFFFF
        """Timestamp of the last packet sent."""
        self.last_at: float | None = None
        """When the last packet was sent (None: nothing sent yet)."""
        self.continuous = False
        """True while a player sends every tick (no gap since the last frame)."""
        self.source_ssrc = -1
        """SSRC of the relayed source the deltas are for (-1: none)."""
        self.seq_delta = 0
        """Added to a relayed packet's sequence number."""
        self.ts_delta = 0
        """Added to a relayed packet's timestamp."""
        self.packets = 0
        """Packets sent."""
        self.octets = 0
        """Payload octets sent."""

    def _advance(self, now: float) -> tuple[int, int, bool]:
        if self.continuous:
            return (self.seq + 1) & 0xFFFF, (self.timestamp + FRAME_SAMPLES) & 0xFFFFFFFF, False
        step = FRAME_SAMPLES if self.last_at is None else elapsed_samples(self.last_at, now)
        return (self.seq + 1) & 0xFFFF, (self.timestamp + step) & 0xFFFFFFFF, True

    def frame(self, payload: bytes, now: float) -> bytes:
        """The next 20 ms packet from a player."""
        seq, ts, marker = self._advance(now)
        self.seq, self.timestamp, self.last_at, self.continuous = seq, ts, now, True
        self.source_ssrc = -1
        self.packets += 1
        self.octets += len(payload)
        return build(self.payload_type, seq, ts, self.ssrc, payload, marker)

    def pause(self) -> None:
        """Nothing was sent this tick: the next packet starts a new talkspurt."""
        self.continuous = False

    def resync(self, source_ssrc: int, seq: int, timestamp: int, now: float) -> None:
        """A relayed source starts (or changed): continue our numbering from the last packet."""
        self.continuous = False
        out_seq, out_ts, _ = self._advance(now)
        self.source_ssrc = source_ssrc
        self.seq_delta = (out_seq - seq) & 0xFFFF
        self.ts_delta = (out_ts - timestamp) & 0xFFFFFFFF
