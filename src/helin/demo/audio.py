"""RTP for the demo's phones and callers: one UDP socket per call, a steady tone sent every
20 ms by one shared ticker, and the packets that come back counted."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import struct
from functools import cache

from helin.media import g711, rtp
from helin.media.negotiation import Negotiator
from helin.media.sdp import MediaParams, SdpError

TICK = rtp.FRAME_SECONDS


@cache
def tone_frame(frequency: int, payload_type: int) -> bytes:
    """20 ms of a quiet sine; frequencies dividing 8000/160 = 50 Hz repeat every frame."""
    samples = [
        round(2500 * math.sin(2 * math.pi * frequency * n / rtp.CLOCK_RATE))
        for n in range(rtp.FRAME_SAMPLES)
    ]
    return g711.encode(struct.pack(f"<{len(samples)}h", *samples), payload_type)


class Counters:
    """RTP packets sent and received by every stream of one side (phones or callers)."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, stream: Stream) -> None:
        self.stream = stream

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.stream.received(data)


class Stream:
    """One call's audio: a socket on ``host``, SDP through helin's ``Negotiator``."""

    def __init__(self, ticker: Ticker, host: str, frequency: int, counters: Counters) -> None:
        self.ticker = ticker
        self.host = host
        self.frequency = frequency
        self.counters = counters
        self.negotiator: Negotiator | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.sender: rtp.RtpSender | None = None
        self.remote: tuple[str, int] | None = None
        self.payload = b""
        self.packets_in = 0

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Receiver(self), local_addr=(self.host, 0)
        )
        self.transport = transport
        port = transport.get_extra_info("sockname")[1]
        self.negotiator = Negotiator(self.host, port, random.randrange(1, 2**31))

    def offer(self) -> bytes:
        assert self.negotiator is not None
        return self.negotiator.offer()

    def accept(self, answer: bytes) -> bool:
        """Take the answer to our offer and start sending; False if it is unusable."""
        assert self.negotiator is not None
        try:
            params = self.negotiator.accept(answer)
        except SdpError:
            return False
        self._start(params)
        return True

    def answer(self, offer: bytes) -> bytes | None:
        """Our answer to an offer (and start sending); None if it is unusable."""
        assert self.negotiator is not None
        try:
            reply, params = self.negotiator.answer(offer)
        except SdpError:
            return None
        self._start(params)
        return reply

    def _start(self, params: MediaParams) -> None:
        if params.remote_address is None or not params.send:
            return
        self.remote = (params.remote_address, params.remote_port)
        self.payload = tone_frame(self.frequency, params.codec)
        self.sender = rtp.RtpSender(
            ssrc=random.getrandbits(32),
            payload_type=params.payload_type,
            first_seq=random.getrandbits(16),
            first_ts=random.getrandbits(32),
        )
        self.ticker.streams.add(self)

    def tick(self, now: float) -> None:
        if self.transport is None or self.sender is None or self.remote is None:
            return
        self.transport.sendto(self.sender.frame(self.payload, now), self.remote)
        self.counters.sent += 1

    def received(self, data: bytes) -> None:
        self.packets_in += 1
        self.counters.received += 1

    def close(self) -> None:
        self.ticker.streams.discard(self)
        if self.transport is not None:
            self.transport.close()
            self.transport = None


class Ticker:
    """Sends the next frame of every open stream each 20 ms (one task for all of them)."""

    def __init__(self) -> None:
        self.streams: set[Stream] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += TICK
            now = loop.time()
            if next_at < now:  # fell behind (a busy loop): skip ahead instead of bursting
                next_at = now + TICK
            await asyncio.sleep(next_at - now)
            now = loop.time()
            for stream in list(self.streams):
                stream.tick(now)

    async def stop(self) -> None:
        for stream in list(self.streams):
            stream.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
