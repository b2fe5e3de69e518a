"""The relay core: latching, SSRC/sequence/timestamp rewriting, transcoding, DTMF, the tap."""

from __future__ import annotations

from pathlib import Path

import pytest

from helin.media import g711, rtp
from helin.media.dtmf import build_event
from helin.media.negotiation import Negotiator
from helin.media.ports import PortPool, PortsExhausted
from helin.media.relay import RtpLeg
from helin.media.sdp import MediaParams, SdpError
from helin.switch.recording import Spool, read_spool

CALLER_ADDR = ("198.51.100.7", 4000)
AGENT_ADDR = ("203.0.113.9", 5000)


def leg(address: tuple[str, int], codec: int = g711.PCMU, ssrc: int = 1) -> RtpLeg:
    core = RtpLeg(rtp.RtpSender(ssrc=ssrc, payload_type=codec, first_seq=500, first_ts=9000))
    core.configure(
        MediaParams(
            remote_address=address[0],
            remote_port=address[1],
            codec=codec,
            payload_type=codec,
            dtmf_payload_type=101,
            send=True,
            receive=True,
        )
    )
    return core


def pair(caller_codec: int = g711.PCMU, agent_codec: int = g711.PCMU) -> tuple[RtpLeg, RtpLeg]:
    caller, agent = leg(CALLER_ADDR, caller_codec, 11), leg(AGENT_ADDR, agent_codec, 22)
    caller.bridge(agent)
    agent.bridge(caller)
    return caller, agent


def feed(core: RtpLeg, data: bytes, source: tuple[str, int], now: float) -> rtp.RtpPacket | None:
    buffer = bytearray(2048)
    buffer[: len(data)] = data
    out = core.receive(buffer, memoryview(buffer), len(data), source, now)
    return None if out is None else rtp.parse(bytes(out))


def test_relay_rewrites_to_the_peers_stream_and_marks_the_start() -> None:
    caller, _ = pair()
    out = feed(caller, rtp.build(0, 40000, 123, 0xAAAA, b"\x11" * 160, False), CALLER_ADDR, 1.0)
    assert out is not None and out.ssrc == 22 and out.sequence == 500 and out.marker
    assert out.payload == b"\x11" * 160
    nxt = feed(caller, rtp.build(0, 40001, 283, 0xAAAA, b"\x12" * 160, False), CALLER_ADDR, 1.02)
    assert nxt is not None and (nxt.sequence, nxt.timestamp - out.timestamp, nxt.marker) == (
        501,
        160,
        False,
    )


def test_source_switch_from_hold_music_to_agent_is_seamless() -> None:
    caller, agent = leg(CALLER_ADDR, ssrc=11), leg(AGENT_ADDR, ssrc=22)
    music = [rtp.parse(caller.sender.frame(b"\x33" * 160, 10.0 + 0.02 * i)) for i in range(3)]
    caller.sender.pause()
    agent.bridge(caller)
    relayed = feed(agent, rtp.build(0, 7, 777, 0xBBBB, b"\x44" * 160, False), AGENT_ADDR, 10.1)
    assert relayed is not None and relayed.ssrc == music[-1].ssrc == 11
    assert relayed.sequence == music[-1].sequence + 1 and relayed.marker
    assert relayed.timestamp - music[-1].timestamp == 0.06 * 8000
    # the agent's phone restarts its stream: still one continuous stream towards the caller
    again = feed(agent, rtp.build(0, 60000, 5, 0xCCCC, b"\x45" * 160, False), AGENT_ADDR, 10.12)
    assert again is not None and again.sequence == relayed.sequence + 1 and again.marker
    assert again.timestamp - relayed.timestamp == 160


def test_transcoding_between_laws() -> None:
    caller, _agent = pair(g711.PCMU, g711.PCMA)
    ulaw = bytes(range(0, 256, 2)) + bytes(32)
    out = feed(caller, rtp.build(0, 1, 0, 5, ulaw, False), CALLER_ADDR, 1.0)
    assert out is not None and out.payload_type == g711.PCMA
    assert out.payload == ulaw.translate(g711.ULAW_TO_ALAW)


def test_latching_to_the_real_source_and_ignoring_others() -> None:
    caller, _agent = pair()
    nat = ("192.0.2.55", 31000)
    assert feed(caller, rtp.build(0, 1, 0, 5, b"\0" * 160, False), nat, 1.0) is not None
    assert caller.remote == nat and caller.latched
    assert (
        feed(caller, rtp.build(0, 2, 160, 5, b"\0" * 160, False), ("192.0.2.66", 1), 1.02) is None
    )
    assert caller.foreign == 1
    assert feed(caller, b"not rtp at all", nat, 1.04) is None and caller.malformed == 1


def _params(address: tuple[str, int], *, send: bool = True) -> MediaParams:
    return MediaParams(
        remote_address=address[0],
        remote_port=address[1],
        codec=0,
        payload_type=0,
        dtmf_payload_type=101,
        send=send,
        receive=True,
    )


def test_a_reoffer_of_the_same_address_keeps_the_latch_a_new_one_drops_it() -> None:
    caller, _agent = pair()
    nat = ("192.0.2.55", 31000)
    feed(caller, rtp.build(0, 1, 0, 5, b"\0" * 160, False), nat, 1.0)
    caller.configure(_params(CALLER_ADDR, send=False))  # hold, same private address (NAT)
    caller.configure(_params(CALLER_ADDR))  # resume
    assert caller.latched and caller.remote == nat
    moved = ("198.51.100.7", 40000)
    caller.configure(_params(moved))  # the phone really moved
    assert not caller.latched and caller.remote == moved


def test_junk_does_not_latch() -> None:
    caller, _ = pair()
    feed(caller, b"\x00" * 20, ("192.0.2.1", 9), 1.0)
    assert not caller.latched and caller.remote == CALLER_ADDR


def test_hold_stops_sending_towards_the_holding_side() -> None:
    caller, agent = pair()
    agent.configure(
        MediaParams(
            remote_address=AGENT_ADDR[0],
            remote_port=AGENT_ADDR[1],
            codec=0,
            payload_type=0,
            dtmf_payload_type=101,
            send=False,
            receive=True,
        )
    )
    assert feed(caller, rtp.build(0, 1, 0, 5, b"\0" * 160, False), CALLER_ADDR, 1.0) is None


def test_dtmf_is_reported_once_and_relayed() -> None:
    caller, _agent = pair()
    outs = [
        feed(
            caller,
            rtp.build(101, 10 + i, 8000, 5, build_event(3, end=i >= 2, duration=160 * i), i == 0),
            CALLER_ADDR,
            1.0 + i / 50,
        )
        for i in range(5)
    ]
    assert [d.digit for d in caller.digits] == ["3"]
    assert all(o is not None and o.payload_type == 101 for o in outs)


def test_csrc_and_extension_are_stripped() -> None:
    caller, _agent = pair()
    packet = bytearray(rtp.build(0, 1, 0, 5, b"\x55" * 160, False))
    packet[0] = 0x91
    data = bytes(packet[:12]) + b"\0\0\0\7" + b"\xbe\xde\0\1" + b"\1\2\3\4" + b"\x55" * 160
    out = feed(caller, data, CALLER_ADDR, 1.0)
    assert out is not None and out.payload == b"\x55" * 160 and out.csrcs == ()


def test_recording_tap_gets_packets_as_received(tmp_path: Path) -> None:
    caller, agent = pair()
    spool = Spool(tmp_path / "r.wav", start=100.0)
    caller.tap, caller.channel = spool, 0
    agent.tap, agent.channel = spool, 1
    sent = rtp.build(0, 9, 999, 5, b"\x21" * 160, False)
    feed(caller, sent, CALLER_ADDR, 100.5)
    feed(agent, rtp.build(0, 3, 5, 6, b"\x22" * 160, False), AGENT_ADDR, 100.52)
    spool.close()
    _, records = read_spool(spool.path)
    got = list(records)
    assert got[0] == (0, g711.PCMU, 4000, sent), "arrival in samples since the start"
    assert got[1][:3] == (1, g711.PCMU, 4160)


def test_port_pool_rests_released_ports_and_reports_exhaustion() -> None:
    pool = PortPool(20001, 20008, quarantine=30.0)
    assert pool.capacity == 3, "even ports with an odd one above: 20002, 20004, 20006"
    ports = [pool.acquire(0.0) for _ in range(3)]
    assert ports == [20002, 20004, 20006]
    with pytest.raises(PortsExhausted):
        pool.acquire(0.0)
    pool.release(20004, now=10.0)
    with pytest.raises(PortsExhausted):
        pool.acquire(39.0)
    assert pool.acquire(40.0) == 20004


def test_negotiator_versions_and_answers() -> None:
    local = Negotiator("192.0.2.1", 30000, session_id=5)
    peer = Negotiator("198.51.100.7", 4000, session_id=9)
    offer = local.offer()
    answer, theirs = peer.answer(offer)
    ours = local.accept(answer)
    assert (theirs.remote_port, ours.remote_port) == (30000, 4000)
    with pytest.raises(SdpError):
        local.accept(answer)
    again, _ = peer.answer(local.offer())
    assert b"o=- 9 2 IN IP4" in again, "the version grows with every description sent"
