"""helin's SIP cost per call in-process, stage by stage: no sipp, no sockets on the hot path.

``python -m bench.sip_profile`` builds the server of ``bench/sip_server.py`` and feeds its
``SipStack`` the bytes sipp sends (INVITE, ACK, BYE; REGISTER twice with digest), with ``sendto``
replaced by a list append. It prints microseconds per call for each stage, cumulatively:

- ``parse``: ``message.parse`` of the call's three requests;
- ``layer``: the transaction layer's ``receive`` for them (parse, match, 100 Trying), the TU's
  events discarded;
- ``stack``: everything helin does in the event loop's reader callback but the system calls
  (layer, user agent, legs, dialogs, responses built and serialised, timers re-armed);
- ``expiry``: the lingering transactions' timers firing 32 s later.

``--profile`` prints a cProfile of the ``stack`` stage instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import re
import time
from collections.abc import Callable
from typing import Any

import uvloop

from bench.sip_server import HOST, helin, password, user_name

SIPP = ("127.0.0.1", 5061)
_TO_TAG = re.compile(rb"\r\nTo:[^\r]*;tag=([^;\r]+)")
_NONCE = re.compile(rb'nonce="([^"]+)"')

SDP = (
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def invite(port: int, i: int) -> bytes:
    return (
        f"INVITE sip:service@{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {SIPP[0]}:{SIPP[1]};branch=z9hG4bK-1-{i}-0\r\n"
        f"From: sipp <sip:sipp@{SIPP[0]}:{SIPP[1]}>;tag=1SIPpTag{i}\r\n"
        f"To: <sip:service@{HOST}:{port}>\r\n"
        f"Call-ID: {i}-1@{SIPP[0]}\r\n"
        "CSeq: 1 INVITE\r\n"
        f"Contact: <sip:sipp@{SIPP[0]}:{SIPP[1]}>\r\n"
        "Max-Forwards: 70\r\nSubject: bench\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
    ).encode()


def in_dialog(method: str, seq: int, port: int, i: int, tag: str, branch: int) -> bytes:
    return (
        f"{method} sip:helin@{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {SIPP[0]}:{SIPP[1]};branch=z9hG4bK-1-{i}-{branch}\r\n"
        f"From: sipp <sip:sipp@{SIPP[0]}:{SIPP[1]}>;tag=1SIPpTag{i}\r\n"
        f"To: <sip:service@{HOST}:{port}>;tag={tag}\r\n"
        f"Call-ID: {i}-1@{SIPP[0]}\r\n"
        f"CSeq: {seq} {method}\r\n"
        f"Contact: <sip:sipp@{SIPP[0]}:{SIPP[1]}>\r\n"
        "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def register(port: int, i: int, seq: int, authorization: str = "") -> bytes:
    user = user_name(i % 1000)
    auth = f"{authorization}\r\n" if authorization else ""
    return (
        f"REGISTER sip:{HOST}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {SIPP[0]}:{SIPP[1]};branch=z9hG4bK-2-{i}-{seq}\r\n"
        f"From: <sip:{user}@{HOST}:{port}>;tag=2SIPpTag{i}\r\n"
        f"To: <sip:{user}@{HOST}:{port}>\r\n"
        f"Call-ID: r{i}-2@{SIPP[0]}\r\n"
        f"CSeq: {seq} REGISTER\r\n"
        f"Contact: <sip:{user}@{SIPP[0]}:{SIPP[1]}>\r\n"
        f"{auth}Max-Forwards: 70\r\nExpires: 3600\r\nUser-Agent: sipp\r\nContent-Length: 0\r\n\r\n"
    ).encode()


class Harness:
    """helin's stack with the socket taken out: ``feed`` bytes, read ``sent``."""

    def __init__(self, stack: Any) -> None:
        from helin.sip.wire import Address

        self.stack = stack
        self.port: int = stack.port
        self.source = Address(*SIPP, "UDP")
        self.sent: list[bytes] = []
        stack._udp.send = lambda data, to: self.sent.append(data)

    def feed(self, data: bytes) -> None:
        self.stack._received(data, self.source)

    def call(self, i: int) -> None:
        self.sent.clear()
        self.feed(invite(self.port, i))
        match = _TO_TAG.search(self.sent[-1])
        assert match is not None and self.sent[-1].startswith(b"SIP/2.0 200"), self.sent
        tag = match.group(1).decode()
        self.feed(in_dialog("ACK", 1, self.port, i, tag, 1))
        self.feed(in_dialog("BYE", 2, self.port, i, tag, 2))
        assert self.sent[-1].startswith(b"SIP/2.0 200"), self.sent[-1]

    def registration(self, i: int) -> None:
        from helin.sip.auth import Algorithm, Challenge, answer_challenge

        self.sent.clear()
        self.feed(register(self.port, i, 1))
        match = _NONCE.search(self.sent[-1])
        assert match is not None and self.sent[-1].startswith(b"SIP/2.0 401"), self.sent
        challenge = Challenge(
            realm="bench.helin",
            nonce=match.group(1).decode(),
            algorithm=Algorithm.MD5,
            qop=("auth",),
        )
        user = user_name(i % 1000)
        credentials = answer_challenge(
            challenge,
            method="REGISTER",
            uri=f"sip:{HOST}:{self.port}",
            username=user,
            password=password(i % 1000),
        )
        self.feed(register(self.port, i, 2, f"Authorization: {credentials}"))
        assert self.sent[-1].startswith(b"SIP/2.0 200"), self.sent[-1]


def timed(n: int, work: Callable[[int], None], offset: int) -> float:
    """Microseconds of CPU per item for ``work`` over ``n`` items."""
    gc.collect()
    start = time.process_time()
    for i in range(offset, offset + n):
        work(i)
    return 1e6 * (time.process_time() - start) / n


async def measure(calls: int, profile: bool) -> dict[str, float]:
    from helin.sip.message import parse

    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    stack = await helin(1000, ready)
    h = Harness(stack)
    h.call(0)  # warm up; learn a To tag for the stand-alone stages
    tag = _TO_TAG.search(h.sent[0]) or _TO_TAG.search(h.sent[-1])
    assert tag is not None
    to_tag = tag.group(1).decode()
    base = 1_000_000
    messages = [
        (
            invite(h.port, i),
            in_dialog("ACK", 1, h.port, i, to_tag, 1),
            in_dialog("BYE", 2, h.port, i, to_tag, 2),
        )
        for i in range(base, base + calls)
    ]
    out: dict[str, float] = {}

    def parse_call(i: int) -> None:
        for data in messages[i - base]:
            parse(data)

    out["parse"] = timed(calls, parse_call, base)
    layer = stack.layer

    def layer_call(i: int) -> None:
        for data in messages[i - base]:
            layer.receive(data, h.source, time.monotonic())

    out["layer"] = timed(calls, layer_call, base)
    layer.on_timer(time.monotonic() + 3600)  # forget those transactions
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(2 * base, 2 * base + calls):
            h.call(i)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        return out
    out["stack"] = timed(calls, h.call, 2 * base)
    out["transactions"] = layer.transactions
    gc.collect()
    start = time.process_time()
    stack._carry(layer.on_timer(time.monotonic() + 3600))  # what the loop timer does later
    out["expiry"] = 1e6 * (time.process_time() - start) / calls
    out["register"] = timed(calls, h.registration, 3 * base)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    results = uvloop.run(measure(args.calls, args.profile))
    if args.profile:
        return
    print(f"helin in-process, CPU us per call ({args.calls} calls)")
    for key in ("parse", "layer", "stack", "expiry", "register"):
        print(f"  {key:10} {results[key]:8.1f}")


if __name__ == "__main__":
    main()
