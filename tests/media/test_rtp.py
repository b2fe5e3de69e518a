"""RTP packets, sender continuity, receiver statistics, RTCP reports, RFC 4733 DTMF."""

from __future__ import annotations

import struct

import pytest

from helin.media import rtcp, rtp
from helin.media.dtmf import DtmfReceiver, build_event, parse_event
from helin.media.rtcp import ReceiverStats


def test_build_and_parse() -> None:
    data = rtp.build(8, 70000, 2**32 + 5, 0xDEADBEEF, b"\xd5" * 160, True)
    packet = rtp.parse(data)
    assert packet == rtp.RtpPacket(
        payload_type=8,
        sequence=70000 & 0xFFFF,
        timestamp=5,
        ssrc=0xDEADBEEF,
        payload=b"\xd5" * 160,
        marker=True,
    )


def test_parse_handles_csrcs_extension_and_padding() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 0, 1, 2, 3)
    csrcs = struct.pack("!II", 10, 11)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\1\2\3\4"
    data = header + csrcs + extension + b"abc" + b"\0\0\3"
    packet = rtp.parse(data)
    assert packet.payload == b"abc" and packet.csrcs == (10, 11)


@pytest.mark.parametrize(
    "data", [b"", b"\x80" * 11, b"\x40" + b"\0" * 20, b"\xa0" + b"\0" * 10 + b"\xff"]
)
def test_not_rtp(data: bytes) -> None:
    with pytest.raises(rtp.RtpError):
        rtp.parse(data)


def test_sender_is_continuous_across_clips_and_gaps() -> None:
    sender = rtp.RtpSender(ssrc=1, payload_type=0, first_seq=65535, first_ts=2**32 - 160)
    first = rtp.parse(sender.frame(b"a" * 160, 10.0))
    second = rtp.parse(sender.frame(b"b" * 160, 10.02))
    assert (first.sequence, first.timestamp, first.marker) == (65535, 2**32 - 160, True)
    assert (second.sequence, second.timestamp, second.marker) == (0, 0, False)
    sender.pause()
    third = rtp.parse(sender.frame(b"c" * 160, 11.02))
    assert third.sequence == 1 and third.timestamp == 8000 and third.marker, "1 s gap: +8000"


def test_sender_resync_continues_numbering_for_a_relayed_source() -> None:
    sender = rtp.RtpSender(ssrc=1, payload_type=0, first_seq=100, first_ts=1000)
    sender.frame(b"x" * 160, 5.0)
    sender.resync(source_ssrc=77, seq=9000, timestamp=123456, now=5.1)
    assert (9000 + sender.seq_delta) & 0xFFFF == 101
    assert (123456 + sender.ts_delta) & 0xFFFFFFFF == 1000 + 800


def stats_of(packets: list[tuple[int, int, int]]) -> ReceiverStats:
    stats = ReceiverStats()
    for seq, ts, arrival in packets:
        stats.update(42, seq & 0xFFFF, ts, arrival)
    return stats


def test_stats_count_loss_and_reordering() -> None:
    seqs = [*range(0, 10), *range(11, 20), 21, 20, *range(22, 30)]
    stats = stats_of([(s, s * 160, s * 160) for s in seqs])
    assert (stats.expected, stats.received, stats.lost, stats.late) == (30, 29, 1, 1)
    block = stats.report_block(now=1.0)
    assert (
        block.cumulative_lost == 1 and block.fraction_lost == 256 // 30 and block.highest_seq == 29
    )
    assert stats.report_block(now=2.0).fraction_lost == 0, "a new interval with nothing lost"


def test_stats_extend_sequence_numbers_over_the_wrap() -> None:
    stats = stats_of([(s, s * 160, s * 160) for s in range(65530, 65540)])
    assert stats.extended_max == 65536 + 3 and stats.lost == 0


def test_stats_restart_after_a_confirmed_jump() -> None:
    stats = stats_of([(s, 0, 0) for s in [1, 2, 3, 20000, 20001, 20002]])
    assert stats.base_seq == 20001 and stats.received == 2 and stats.lost == 0, "RFC 3550 A.1"


def test_jitter_follows_rfc3550_a8() -> None:
    delays = [0, 40, 0, 80, 10, 10, 300, 0]
    packets = [(i, i * 160, i * 160 + d) for i, d in enumerate(delays)]
    expected, previous = 0.0, None
    for _, ts, arrival in packets:
        transit = arrival - ts
        if previous is not None:
            expected += (abs(transit - previous) - expected) / 16
        previous = transit
    stats = stats_of(packets)
    assert stats.jitter == pytest.approx(expected)
    assert stats_of([(i, i * 160, 999 + i * 160) for i in range(50)]).jitter == 0


def test_receiver_report_round_trip_with_lsr() -> None:
    stats = stats_of([(s, s * 160, s * 160) for s in (1, 2, 4)])
    sr = struct.pack("!BBHIQIII", 0x80, rtcp.SR, 6, 99, 0x1122334455667788, 0, 3, 480)
    (report,) = rtcp.parse(sr)
    assert report.kind == rtcp.SR and report.ssrc == 99 and report.packets == 3
    rtcp.note_sender_report(stats, report, now=10.0)
    packet = rtcp.build_rr(5, [stats.report_block(now=10.5)], "helin")
    (rr,) = rtcp.parse(packet)
    assert rr.kind == rtcp.RR and rr.ssrc == 5
    (block,) = rr.blocks
    assert block.ssrc == 42 and block.cumulative_lost == 1 and block.highest_seq == 4
    assert block.last_sr == 0x33445566 and block.delay_since_last_sr == 32768


@pytest.mark.parametrize("data", [b"", b"\x80\xc9\x00\x05", b"\x00\xc9\x00\x00"])
def test_malformed_rtcp(data: bytes) -> None:
    with pytest.raises(rtcp.RtcpError):
        rtcp.parse(data)


def test_dtmf_reported_once_per_event_and_repeated_ends_ignored() -> None:
    receiver = DtmfReceiver()
    seen = []
    for ts, event, end, duration in [
        (1000, 5, False, 160),
        (1000, 5, False, 320),
        (1000, 5, True, 480),
        (1000, 5, True, 480),
        (1000, 5, True, 480),
        (3000, 11, True, 800),
        (3000, 11, True, 800),
        (5000, 10, False, 160),
    ]:
        digit = receiver.feed(build_event(event, end=end, duration=duration), ts)
        if digit:
            seen.append(digit.digit)
    assert seen == ["5", "#", "*"], "the second event's start was lost: its end reports it"


def test_telephone_event_payload() -> None:
    event = parse_event(build_event(9, end=True, duration=1200, volume=7))
    assert event is not None and (event.event, event.end, event.duration, event.volume) == (
        9,
        True,
        1200,
        7,
    )
    assert parse_event(b"\x01") is None
    assert DtmfReceiver().feed(build_event(16, end=False, duration=0), 1) is None, (
        "flash is no digit"
    )
