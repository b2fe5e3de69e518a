"""One RTP leg's receive path: latching, statistics, DTMF, the recording tap, and relaying
to the bridged leg with the header rewritten (and the payload transcoded when the two legs
speak different G.711 laws).

The switch reads each datagram into a shared buffer and calls ``RtpLeg.receive``, which
returns the packet to send to the peer leg's ``remote`` from the peer's socket, or None. The
packet is rewritten in place in that buffer, so the common case allocates nothing but the
returned view. The peer sees one continuous stream: its ``RtpSender`` keeps SSRC, sequence
numbers and timestamps continuous when the source changes (hold music → the agent, or the
agent's phone restarting its stream).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from helin.media import g711
from helin.media.dtmf import DtmfDigit, DtmfReceiver
from helin.media.recorder import RECORD, SpoolBuffer
from helin.media.rtcp import ReceiverStats
from helin.media.rtp import CLOCK_RATE, RtpSender
from helin.media.sdp import MediaParams

Address = tuple[str, int] | tuple[str, int, int, int]
"""A socket address as ``recvfrom`` returns it (IPv4 or IPv6)."""
_HEADER = struct.Struct("!BBHII")
_unpack = _HEADER.unpack_from
_pack_into = _HEADER.pack_into
_WORDS = struct.Struct("!HHII")
"""The same header with its first two bytes as one word (version, flags, marker, type)."""
_unpack_words = _WORDS.unpack_from
_pack_words_into = _WORDS.pack_into
_record = RECORD.pack


class RtpLeg:
    """The media state of one call leg (one RTP port, one peer device)."""

    # the fields the hot path reads come first, so they share the object's first cache
    # lines: with hundreds of calls, each packet finds its leg's state out of the cache
    __slots__ = (  # noqa: RUF023
        "header_word",
        "stats",
        "receive_enabled",
        "tap_write",
        "channel",
        "codec",
        "tap_origin",
        "out",
        "out_word",
        "transcode",
        "peer",
        "payload_type",
        "send_enabled",
        "sender",
        "_tap",
        "digits",
        "dtmf",
        "dtmf_pt",
        "foreign",
        "latched",
        "malformed",
        "notify",
        "peer_dtmf_pt",
        "remote",
        "signalled",
    )

    def __init__(self, sender: RtpSender) -> None:
        self.remote: Address | None = None
        """Where this leg's media goes: the SDP address until latched, then the real source."""
        self.latched = False
        """The first RTP packet fixed ``remote``; other sources are ignored from then on."""
        self.signalled: Address | None = None
        """The address the peer's SDP gave last (behind NAT it differs from ``remote``)."""
        self.receive_enabled = True
        """The peer sends media (not on hold towards us)."""
        self.send_enabled = False
        """We may send (negotiated, and the peer is not holding with c=0.0.0.0)."""
        self.codec = g711.PCMU
        """G.711 law of this leg."""
        self.payload_type = g711.PCMU
        """Audio payload type on this leg's wire."""
        self.header_word = 0x8000 | g711.PCMU
        """First header word of a plain audio packet without the marker (the hot path's)."""
        self.dtmf_pt = -1
        """Telephone-event payload type (-1: none negotiated)."""
        self.sender = sender
        """Our stream towards this leg's device."""
        self.stats = ReceiverStats()
        self.dtmf = DtmfReceiver()
        self.digits: list[DtmfDigit] = []
        """Digits received and not yet collected by the switch."""
        self.notify: Callable[[RtpLeg], None] | None = None
        """Called with this leg when a digit is added to ``digits``."""
        self.peer: RtpLeg | None = None
        """The bridged leg this leg's audio is relayed to."""
        self.transcode: bytes | None = None
        """Translate table from this leg's law to the peer's (None: same law)."""
        self.out: RtpSender | None = None
        """The peer's stream when audio is relayed to it (bridged, and the peer may receive)."""
        self.out_word = 0x8000
        """First header word of the audio packets relayed to the peer, without the marker."""
        self.peer_dtmf_pt = -1
        """The peer's telephone-event payload type (-1: do not relay DTMF)."""
        self._tap: SpoolBuffer | None = None
        self.tap_write: Callable[[bytes | memoryview], int] | None = None
        """The tap's ``write`` (the hot path appends to the spool with it directly)."""
        self.tap_origin = 0
        """The tap's origin (arrival times are recorded relative to it)."""
        self.channel = 0
        """This leg's channel in the recording (0 left, 1 right)."""
        self.foreign = 0
        """Packets dropped because they came from another address than the latched one."""
        self.malformed = 0
        """Datagrams dropped as not RTP or of an unknown payload type."""

    @property
    def tap(self) -> SpoolBuffer | None:
        """Recording spool receiving this leg's audio."""
        return self._tap

    @tap.setter
    def tap(self, spool: SpoolBuffer | None) -> None:
        self._tap = spool
        self.tap_write = None if spool is None else spool.write
        self.tap_origin = 0 if spool is None else spool.origin

    def configure(self, params: MediaParams) -> None:
        """Apply an offer/answer outcome (initial or a re-INVITE such as hold or resume)."""
        self.codec = params.codec
        self.payload_type = params.payload_type
        self.header_word = 0x8000 | params.payload_type
        self.sender.payload_type = params.payload_type
        self.dtmf_pt = -1 if params.dtmf_payload_type is None else params.dtmf_payload_type
        self.receive_enabled = params.receive
        self.send_enabled = params.send
        if params.remote_address is not None:
            address: Address = (params.remote_address, params.remote_port)
            # only a new address in the SDP unlatches: a phone behind NAT re-offering the same
            # (private) address, to hold or resume, keeps the address its media comes from
            if address != self.signalled or not self.latched:
                self.signalled = address
                self.remote, self.latched = address, False
        self.sender.pause()
        if self.peer is not None:
            self.bridge(self.peer)
            self.peer.bridge(self)

    def bridge(self, peer: RtpLeg | None) -> None:
        """Relay this leg's audio to ``peer`` (None stops relaying)."""
        self.peer = peer
        if peer is None:
            self.transcode, self.peer_dtmf_pt, self.out = None, -1, None
            return
        self.out = peer.sender if peer.send_enabled else None
        self.out_word = 0x8000 | peer.payload_type
        self.transcode = g711.transcode_table(self.codec, peer.codec)
        self.peer_dtmf_pt = peer.dtmf_pt
        peer.sender.source_ssrc = -1

    def receive(
        self, buffer: bytearray, view: memoryview, n: int, source: Address, now: float
    ) -> memoryview | None:
        """A datagram of ``n`` bytes in ``buffer`` came from ``source``; returns the packet
        to send to ``peer.remote`` (a view of ``buffer``, rewritten) or None. The first valid
        RTP packet latches ``remote`` to its source; once latched, other sources are ignored."""
        if self.latched:
            if source != self.remote:
                self.foreign += 1
                return None
            return self.accept(buffer, view, n, now, int(now * CLOCK_RATE))
        if n < 12:
            self.malformed += 1
            return None
        if buffer[0] != 0x80:
            length = _normalised(buffer, n)
            if length is None:
                self.malformed += 1
                return None
            n = length
        self.remote, self.latched = source, True
        return self.accept(buffer, view, n, now, int(now * CLOCK_RATE))

    def accept(
        self, buffer: bytearray, view: memoryview, n: int, now: float, arrival: int
    ) -> memoryview | None:
        """``receive`` for a datagram known to come from the latched ``remote`` (a socket
        connected to it, so the kernel filters other sources): everything but the latching.
        ``arrival`` is ``now`` in samples, ``int(now * CLOCK_RATE)``.

        This is the hot path, written for the common packet: plain RTP of the negotiated
        payload type without the marker bit, the next sequence number of the current source,
        relayed to a peer already following that source. Anything else goes to ``_accept``,
        the general case, before any state has changed."""
        word, seq, ts, ssrc = _unpack_words(buffer)
        stats = self.stats
        if (
            word != self.header_word  # not plain RTP of our type, or the marker is set
            or seq - stats.max_seq != 1  # not the next one (or a wrap: _accept counts it)
            or ssrc != stats.ssrc
            or n < 12
            or not self.receive_enabled
        ):
            return self._accept(buffer, view, n, now, arrival)
        # ReceiverStats.update for the next in-order packet, inlined
        stats.max_seq = seq  # and one more expected and received: the loss is unchanged
        transit = (arrival - ts) & 0xFFFFFFFF
        d = transit - stats.transit
        stats.transit = transit
        stats.jitter += ((d if d >= 0 else -d) - stats.jitter) * 0.0625
        packet = view[:n]
        write = self.tap_write
        if write is not None:
            write(_record(self.channel, self.codec, arrival - self.tap_origin, n))
            write(packet)
        out = self.out
        if out is None:
            return None
        word = self.out_word
        if ssrc != out.source_ssrc:
            out.resync(stats.ssrc, seq, ts, now)  # the same int object: one cache line less
            word |= 0x80
        out_seq = (seq + out.seq_delta) & 0xFFFF
        out_ts = (ts + out.ts_delta) & 0xFFFFFFFF
        if (out_seq - out.seq) & 0xFFFF < 0x8000:
            out.seq, out.timestamp, out.last_at = out_seq, out_ts, now
        _pack_words_into(buffer, 0, word, out_seq, out_ts, out.ssrc)
        table = self.transcode
        if table is not None:
            buffer[12:n] = view[12:n].tobytes().translate(table)
        return packet

    def _accept(
        self, buffer: bytearray, view: memoryview, n: int, now: float, arrival: int
    ) -> memoryview | None:
        first, second, seq, ts, ssrc = _unpack(buffer)
        if first != 0x80 or n < 12:
            length = _normalised(buffer, n) if n >= 12 else None
            if length is None:
                self.malformed += 1
                return None
            n = length
        if not self.receive_enabled:
            return None
        stats = self.stats
        stats.update(ssrc, seq, ts, arrival)
        if second & 0x7F != self.payload_type:
            if second & 0x7F == self.dtmf_pt:
                return self._telephone_event(buffer, view, n, ts, ssrc, seq, second, now)
            self.malformed += 1
            return None
        packet = view[:n]
        write = self.tap_write
        if write is not None:
            write(_record(self.channel, self.codec, arrival - self.tap_origin, n))
            write(packet)
        peer = self.peer
        if peer is None or not peer.send_enabled:
            return None
        out = peer.sender
        marker = second & 0x80
        if ssrc != out.source_ssrc:
            out.resync(ssrc, seq, ts, now)
            marker = 0x80
        out_seq = (seq + out.seq_delta) & 0xFFFF
        out_ts = (ts + out.ts_delta) & 0xFFFFFFFF
        if (out_seq - out.seq) & 0xFFFF < 0x8000:
            out.seq, out.timestamp, out.last_at = out_seq, out_ts, now
        _pack_into(buffer, 0, 0x80, marker | peer.payload_type, out_seq, out_ts, out.ssrc)
        table = self.transcode
        if table is not None:
            buffer[12:n] = view[12:n].tobytes().translate(table)
        return packet

    def _telephone_event(
        self,
        buffer: bytearray,
        view: memoryview,
        n: int,
        ts: int,
        ssrc: int,
        seq: int,
        second: int,
        now: float,
    ) -> memoryview | None:
        digit = self.dtmf.feed(bytes(view[12:n]), ts)
        if digit is not None:
            self.digits.append(digit)
            if self.notify is not None:
                self.notify(self)
        peer = self.peer
        if peer is None or not peer.send_enabled or self.peer_dtmf_pt < 0:
            return None
        out = peer.sender
        if ssrc != out.source_ssrc:
            out.resync(ssrc, seq, ts, now)
        out_seq = (seq + out.seq_delta) & 0xFFFF
        out_ts = (ts + out.ts_delta) & 0xFFFFFFFF
        if (out_seq - out.seq) & 0xFFFF < 0x8000:
            out.seq = out_seq
        _pack_into(buffer, 0, 0x80, (second & 0x80) | self.peer_dtmf_pt, out_seq, out_ts, out.ssrc)
        return view[:n]


def _normalised(buffer: bytearray, n: int) -> int | None:
    """Strip CSRCs, header extension and padding in place; the new length, or None."""
    first = buffer[0]
    if first >> 6 != 2:
        return None
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:
        if n < offset + 4:
            return None
        offset += 4 + 4 * int.from_bytes(buffer[offset + 2 : offset + 4], "big")
    end = n - (buffer[n - 1] if first & 0x20 else 0)
    if offset > end:
        return None
    buffer[12 : end - offset + 12] = buffer[offset:end]
    buffer[0] = 0x80
    return end - offset + 12
