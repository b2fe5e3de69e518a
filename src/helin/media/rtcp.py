"""Receiver statistics per leg (RFC 3550 appendix A) and RTCP receiver reports.

``ReceiverStats.update`` runs for every packet a leg receives: sequence tracking with cycles
(A.1, without the probation of new sources), interarrival jitter (A.8) and counts of late
(reordered) and duplicate-looking packets. It keeps the cumulative loss rather than the count
received (received = expected - lost): the next packet in order changes neither, so the relay's
hot path, which inlines that case, has one field less to update. ``report_block`` computes
the per-interval fraction lost (A.3); ``build_rr`` wraps it in a compound RR + SDES packet,
``parse`` reads the SRs and RRs peers send.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_DROPOUT = 3000
MAX_MISORDER = 100
SEQ_MOD = 1 << 16
RR = 201
SR = 200
SDES = 202
_BLOCK = struct.Struct("!IIIIII")


class RtcpError(ValueError):
    """A datagram that is not a well-formed RTCP compound packet (dropped)."""


class ReceiverStats:
    """What one leg has received from its peer's current source."""

    # the fields the relay's hot path reads come first (see ``RtpLeg.__slots__``)
    __slots__ = (  # noqa: RUF023
        "ssrc",
        "max_seq",
        "transit",
        "jitter",
        "_lost",
        "bad_seq",
        "base_seq",
        "cycles",
        "expected_prior",
        "last_sr",
        "last_sr_at",
        "late",
        "received_prior",
    )

    def __init__(self) -> None:
        self.ssrc = -1
        """SSRC of the source (-1 before the first packet)."""
        self.base_seq = 0
        """First sequence number of the source."""
        self.max_seq = 0
        """Highest sequence number seen (16 bits)."""
        self.cycles = 0
        """Sequence number wrap-arounds, times 65536."""
        self.bad_seq = SEQ_MOD + 1
        """Sequence number after a large jump, awaiting confirmation."""
        self._lost = 0
        """Cumulative packets lost: expected - received."""
        self.late = 0
        """Packets that arrived after a higher sequence number (reordered)."""
        self.expected_prior = 0
        self.received_prior = 0
        self.transit = 0
        """Relative transit time of the last packet, in timestamp units."""
        self.jitter = 0.0
        """Interarrival jitter estimate, in timestamp units (RFC 3550 A.8)."""
        self.last_sr = 0
        """Middle 32 bits of the NTP time of the peer's last SR."""
        self.last_sr_at = 0.0
        """When that SR arrived (our clock, seconds)."""

    def _restart(self, ssrc: int, seq: int) -> None:
        self.ssrc, self.base_seq, self.max_seq = ssrc, seq, seq
        self.cycles = self._lost = self.late = 0
        self.expected_prior = self.received_prior = 0
        self.bad_seq = SEQ_MOD + 1
        self.transit, self.jitter = 0, 0.0

    def update(self, ssrc: int, seq: int, timestamp: int, arrival: int) -> None:
        """Count one packet; ``arrival`` is the arrival time in timestamp units (8 kHz)."""
        if ssrc != self.ssrc:
            self._restart(ssrc, seq)
            self.transit = (arrival - timestamp) & 0xFFFFFFFF
            return
        delta = (seq - self.max_seq) & 0xFFFF
        if delta < MAX_DROPOUT:
            if seq < self.max_seq:
                self.cycles += SEQ_MOD
            self.max_seq = seq
            self._lost += delta - 1  # expected grew by delta, received by one
        elif delta > SEQ_MOD - MAX_MISORDER:
            self.late += 1
            self._lost -= 1
        elif seq == self.bad_seq:
            self._restart(ssrc, seq)  # expected one, received one
        else:
            self.bad_seq = (seq + 1) & 0xFFFF
            return
        transit = (arrival - timestamp) & 0xFFFFFFFF  # 32-bit like the timestamp: no jump
        d = transit - self.transit  # when the timestamp wraps (RFC 3550 A.8 does it in C)
        self.transit = transit
        self.jitter += ((d if d >= 0 else -d) - self.jitter) / 16.0

    @property
    def extended_max(self) -> int:
        """Extended highest sequence number received."""
        return self.cycles + self.max_seq

    @property
    def expected(self) -> int:
        return self.extended_max - self.base_seq + 1 if self.ssrc >= 0 else 0

    @property
    def received(self) -> int:
        """Packets received (including late ones)."""
        return self.expected - self._lost

    @property
    def lost(self) -> int:
        """Cumulative packets lost (negative when duplicates outnumber losses)."""
        return self._lost

    def report_block(self, now: float) -> ReportBlock:
        """The report block for an RR now; starts a new interval for the fraction lost."""
        expected = self.expected
        interval_expected = expected - self.expected_prior
        interval_received = self.received - self.received_prior
        self.expected_prior, self.received_prior = expected, self.received
        interval_lost = interval_expected - interval_received
        fraction = 0
        if interval_expected > 0 and interval_lost > 0:
            fraction = (interval_lost << 8) // interval_expected
        delay = int((now - self.last_sr_at) * 65536) if self.last_sr else 0
        return ReportBlock(
            ssrc=self.ssrc & 0xFFFFFFFF,
            fraction_lost=min(fraction, 255),
            cumulative_lost=max(-0x800000, min(self.lost, 0x7FFFFF)),
            highest_seq=self.extended_max & 0xFFFFFFFF,
            jitter=int(self.jitter),
            last_sr=self.last_sr,
            delay_since_last_sr=delay & 0xFFFFFFFF,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportBlock:
    ssrc: int
    fraction_lost: int
    """Lost fraction of the interval, times 256."""
    cumulative_lost: int
    highest_seq: int
    """Extended highest sequence number received."""
    jitter: int
    """Interarrival jitter in timestamp units."""
    last_sr: int
    delay_since_last_sr: int
    """In units of 1/65536 s."""

    def pack(self) -> bytes:
        lost = (self.fraction_lost << 24) | (self.cumulative_lost & 0xFFFFFF)
        return _BLOCK.pack(
            self.ssrc, lost, self.highest_seq, self.jitter, self.last_sr, self.delay_since_last_sr
        )

    @classmethod
    def unpack(cls, data: bytes, offset: int) -> ReportBlock:
        ssrc, lost, highest, jitter, lsr, dlsr = _BLOCK.unpack_from(data, offset)
        cumulative = lost & 0xFFFFFF
        if cumulative & 0x800000:
            cumulative -= 0x1000000
        return cls(
            ssrc=ssrc,
            fraction_lost=lost >> 24,
            cumulative_lost=cumulative,
            highest_seq=highest,
            jitter=jitter,
            last_sr=lsr,
            delay_since_last_sr=dlsr,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """One SR or RR of a compound packet."""

    kind: int
    """``SR`` (200) or ``RR`` (201)."""
    ssrc: int
    """The reporter."""
    blocks: tuple[ReportBlock, ...]
    ntp: int = 0
    """SR only: 64-bit NTP time it was sent."""
    rtp_timestamp: int = 0
    packets: int = 0
    octets: int = 0


def build_rr(ssrc: int, blocks: list[ReportBlock], cname: str) -> bytes:
    """A compound RTCP packet: RR with the blocks (up to 31), then SDES with the CNAME."""
    blocks = blocks[:31]
    body = struct.pack("!I", ssrc) + b"".join(b.pack() for b in blocks)
    rr = struct.pack("!BBH", 0x80 | len(blocks), RR, len(body) // 4) + body
    name = cname.encode()[:255]
    item = struct.pack("!IBB", ssrc, 1, len(name)) + name + b"\0"
    item += b"\0" * (-len(item) % 4)
    sdes = struct.pack("!BBH", 0x81, SDES, len(item) // 4) + item
    return rr + sdes


def parse(data: bytes) -> list[Report]:
    """The SRs and RRs in a compound RTCP packet; other packet types are skipped."""
    reports: list[Report] = []
    offset = 0
    while offset + 4 <= len(data):
        first, kind, words = struct.unpack_from("!BBH", data, offset)
        end = offset + 4 + 4 * words
        if first >> 6 != 2 or end > len(data):
            raise RtcpError("malformed RTCP packet")
        count = first & 0x1F
        if kind == SR and end - offset >= 28 + 24 * count:
            ssrc, ntp, rtp_ts, packets, octets = struct.unpack_from("!IQIII", data, offset + 4)
            blocks = tuple(ReportBlock.unpack(data, offset + 28 + 24 * i) for i in range(count))
            reports.append(
                Report(
                    kind=SR,
                    ssrc=ssrc,
                    blocks=blocks,
                    ntp=ntp,
                    rtp_timestamp=rtp_ts,
                    packets=packets,
                    octets=octets,
                )
            )
        elif kind == RR and end - offset >= 8 + 24 * count:
            (ssrc,) = struct.unpack_from("!I", data, offset + 4)
            blocks = tuple(ReportBlock.unpack(data, offset + 8 + 24 * i) for i in range(count))
            reports.append(Report(kind=RR, ssrc=ssrc, blocks=blocks))
        elif kind in (SR, RR):
            raise RtcpError("report shorter than its block count")
        offset = end
    if offset != len(data) or not data:
        raise RtcpError("empty RTCP packet or trailing bytes after the last one")
    return reports


def note_sender_report(stats: ReceiverStats, report: Report, now: float) -> None:
    """Remember the peer's last SR so our next RR can echo it (LSR/DLSR)."""
    if report.kind == SR:
        stats.last_sr = (report.ntp >> 16) & 0xFFFFFFFF
        stats.last_sr_at = now
