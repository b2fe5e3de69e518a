"""The media server on real loopback sockets: tones both ways through a recorded bridge,
a clip arriving intact, DTMF, clip-finished reports and port reuse."""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from helin.acd.commands import PlayClip, StartMusic
from helin.media import g711, rtp, sdp
from helin.media.clip import Clip, ClipLibrary
from helin.media.dtmf import build_event
from helin.switch.mediaserver import MediaServer, MediaSession
from tests.media.audio import dominant, g711_tone, samples_of

FRAMES = 100
"""Two seconds of audio per direction."""


class Phone:
    """A UDP endpoint on loopback that sends paced G.711 and keeps what it receives."""

    def __init__(self, law: int) -> None:
        self.law = law
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.received: list[rtp.RtpPacket] = []
        self.sources: set[tuple[str, int]] = set()

    def offer(self) -> bytes:
        return sdp.serialise(
            sdp.make_offer("127.0.0.1", self.port, session_id=1, version=1, codecs=(self.law,))
        )

    def answer(self, offer: bytes) -> bytes:
        reply, _ = sdp.answer(
            sdp.parse(offer), "127.0.0.1", self.port, session_id=2, version=1, supported=(self.law,)
        )
        return sdp.serialise(reply)

    def listen(self) -> None:
        asyncio.get_running_loop().add_reader(self.sock.fileno(), self._read)

    def _read(self) -> None:
        while True:
            try:
                data, source = self.sock.recvfrom(2048)
            except BlockingIOError:
                return
            self.sources.add(source)
            self.received.append(rtp.parse(data))

    async def send(
        self,
        payloads: list[bytes],
        to: tuple[str, int],
        *,
        payload_type: int | None = None,
        step: int = 160,
    ) -> None:
        ssrc, seq, ts = random.getrandbits(32), random.getrandbits(16), random.getrandbits(32)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, payload in enumerate(payloads):
            pt = self.law if payload_type is None else payload_type
            self.sock.sendto(rtp.build(pt, seq + i, ts + step * i, ssrc, payload, i == 0), to)
            await asyncio.sleep(max(0.0, start + 0.02 * (i + 1) - loop.time()))

    def audio(self) -> bytes:
        packets = sorted(
            (p for p in self.received if p.payload_type == self.law), key=lambda p: p.sequence
        )
        return b"".join(p.payload for p in packets)

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self.sock.close()


def port_range() -> tuple[int, int]:
    low = random.randrange(30000, 60000, 2)
    return low, low + 199


def run(
    scenario: Callable[[MediaServer], Coroutine[Any, Any, None]], clips: ClipLibrary | None = None
) -> None:
    async def main() -> None:
        server = MediaServer(host="127.0.0.1", ports=port_range(), clips=clips)
        server.start()
        try:
            await scenario(server)
        finally:
            await server.close()

    asyncio.run(main())


def chunks(data: bytes) -> list[bytes]:
    return [data[i : i + 160] for i in range(0, len(data), 160)]


def test_tones_cross_a_recorded_bridge_with_transcoding(tmp_path: Path) -> None:
    caller_phone, agent_phone = Phone(g711.PCMU), Phone(g711.PCMA)
    result: dict[str, Any] = {}

    async def scenario(server: MediaServer) -> None:
        caller = server.allocate("c1", offer=caller_phone.offer())
        agent = server.allocate("c1")
        agent.accept_answer(agent_phone.answer(agent.local_sdp))
        bridge = server.bridge(caller, agent, record_to=tmp_path / "c1.wav")
        caller_phone.listen()
        agent_phone.listen()
        await asyncio.gather(
            caller_phone.send(
                chunks(g711_tone(440, FRAMES * 0.02, g711.PCMU)), ("127.0.0.1", caller.port)
            ),
            agent_phone.send(
                chunks(g711_tone(1000, FRAMES * 0.02, g711.PCMA)), ("127.0.0.1", agent.port)
            ),
        )
        await asyncio.sleep(0.1)
        result["recording"] = await server.end_bridge(bridge)
        result["stats"] = (caller.core.stats.received, agent.core.stats.received)
        result["ports"] = (caller.port, agent.port)
        caller_phone.close()
        agent_phone.close()

    run(scenario)
    assert result["stats"] == (FRAMES, FRAMES)
    assert caller_phone.sources == {("127.0.0.1", result["ports"][0])}, "symmetric RTP"
    assert agent_phone.sources == {("127.0.0.1", result["ports"][1])}
    assert {p.payload_type for p in caller_phone.received} == {g711.PCMU}
    assert {p.payload_type for p in agent_phone.received} == {g711.PCMA}
    assert len(caller_phone.received) == len(agent_phone.received) == FRAMES
    assert dominant(samples_of(caller_phone.audio(), g711.PCMU)) == pytest.approx(1000, abs=10)
    assert dominant(samples_of(agent_phone.audio(), g711.PCMA)) == pytest.approx(440, abs=10)
    seqs = [p.sequence for p in caller_phone.received]
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))
    recording = result["recording"]
    audio, rate = soundfile.read(recording.path)
    assert rate == 8000 and audio.shape[1] == 2
    for channel in (0, 1):
        sound = np.flatnonzero(np.abs(audio[:, channel]) > 0.01)
        span = (sound[-1] - sound[0] + 1) / 8000
        assert span == pytest.approx(FRAMES * 0.02, abs=0.005), "placed by timestamp, no gaps"
    assert recording.duration >= FRAMES * 0.02
    assert dominant(audio[:, 0]) == pytest.approx(440, abs=10), "caller on the left"
    assert dominant(audio[:, 1]) == pytest.approx(1000, abs=10), "agent on the right"


def test_clip_arrives_intact_and_finishing_is_reported() -> None:
    rng = np.random.default_rng(7)
    ulaw = bytes(rng.integers(0, 256, 160 * 40, dtype=np.uint8).tobytes())
    library = ClipLibrary()
    library.add(Clip("welcome", ulaw))
    library.add(Clip("hold", g711_tone(300, 1.0, g711.PCMU)))
    phone = Phone(g711.PCMU)
    finished: list[str] = []

    async def scenario(server: MediaServer) -> None:
        caller = server.allocate("c2", offer=phone.offer())
        done = asyncio.Event()
        caller.on_clip_finished = lambda label: (finished.append(label), done.set())
        phone.listen()
        caller.apply(PlayClip(call_id="c2", clip="welcome", report=True))
        await asyncio.wait_for(done.wait(), 10)
        caller.apply(PlayClip(call_id="c2", clip="no-such-clip", report=True))
        caller.apply(StartMusic(call_id="c2"))
        for _ in range(100):
            await asyncio.sleep(0.02)
            if len(finished) == 2 and len(phone.received) > 45:
                break
        server.release(caller)
        await asyncio.sleep(0.05)
        phone.close()

    run(scenario, library)
    assert finished == ["welcome", "no-such-clip"]
    first = phone.received[:40]
    assert b"".join(p.payload for p in first) == ulaw, "the clip arrives byte for byte"
    assert first[0].marker and not any(p.marker for p in first[1:])
    assert all(b.timestamp - a.timestamp == 160 for a, b in itertools.pairwise(first))
    music = phone.received[40:]
    assert music and all(p.ssrc == first[0].ssrc for p in music)


def test_dtmf_reaches_the_callback_once() -> None:
    phone = Phone(g711.PCMU)
    digits: list[str] = []

    async def scenario(server: MediaServer) -> None:
        caller = server.allocate("c3", offer=phone.offer())
        caller.on_dtmf = digits.append
        events = [build_event(7, end=i >= 3, duration=160 * (i + 1)) for i in range(6)]
        await phone.send(events, ("127.0.0.1", caller.port), payload_type=101, step=0)
        await asyncio.sleep(0.1)
        phone.close()

    run(scenario)
    assert digits == ["7"]


def test_offer_without_common_codec_frees_its_port() -> None:
    async def scenario(server: MediaServer) -> None:
        offer = (
            b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
            b"t=0 0\r\nm=audio 4000 RTP/AVP 9\r\n"
        )
        with pytest.raises(sdp.NoCommonCodec):
            server.allocate("c4", offer=offer)
        assert server.pool.in_use == 0 and not server.sessions

    run(scenario)


def test_released_ports_rest_before_reuse() -> None:
    async def scenario(server: MediaServer) -> None:
        first: MediaSession = server.allocate("c5")
        port = first.port
        server.release(first)
        again = [server.allocate(f"c{i}").port for i in range(20)]
        assert port not in again
        assert all(p % 2 == 0 for p in again)

    run(scenario)


def test_releasing_a_bridged_leg_finishes_its_recording(tmp_path: Path) -> None:
    phones = Phone(g711.PCMU), Phone(g711.PCMU)
    done: list[Any] = []

    async def scenario(server: MediaServer) -> None:
        caller = server.allocate("c6", offer=phones[0].offer())
        agent = server.allocate("c6", offer=phones[1].offer())
        bridge = server.bridge(caller, agent, record_to=tmp_path / "c6.wav")
        await phones[0].send(chunks(g711_tone(440, 0.2, g711.PCMU)), ("127.0.0.1", caller.port))
        server.release(caller)
        assert bridge.recording is not None
        done.append(await bridge.recording)
        assert agent.bridge is None and agent.peer is None
        for phone in phones:
            phone.sock.close()

    run(scenario)
    (recording,) = done
    assert recording.path.exists() and not (tmp_path / "c6.wav.spool").exists()
    assert recording.duration >= 0.2


def test_latched_leg_ignores_other_sources_until_a_new_address_is_offered() -> None:
    phone, agent_phone, intruder, moved = (Phone(g711.PCMU) for _ in range(4))
    tone = chunks(g711_tone(440, 0.1, g711.PCMU))
    result: dict[str, Any] = {}

    async def scenario(server: MediaServer) -> None:
        caller = server.allocate("c7", offer=phone.offer())
        agent = server.allocate("c7", offer=agent_phone.offer())
        server.bridge(caller, agent)
        agent_phone.listen()
        to = ("127.0.0.1", caller.port)
        await phone.send(tone, to)
        await intruder.send(tone, to)
        await asyncio.sleep(0.05)
        result["latched"] = (caller.core.remote, len(agent_phone.received))
        caller.answer_offer(moved.offer())  # a re-INVITE: the phone moved to a new address
        await moved.send(tone, to)
        await phone.send(tone, to)  # the old address is now the foreign one
        await asyncio.sleep(0.05)
        result["moved"] = (caller.core.remote, len(agent_phone.received))
        agent_phone.close()

    run(scenario)
    assert result["latched"] == (("127.0.0.1", phone.port), len(tone))
    assert result["moved"] == (("127.0.0.1", moved.port), 2 * len(tone)), "old address ignored"
    for p in (phone, intruder, moved):
        p.sock.close()
