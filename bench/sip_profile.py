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

``--profile`` prints a cProfile of the ``stack`` stage instead. ``--instructions`` counts the
instructions a call (and a registration) executes, under valgrind's cachegrind: slow, but the
same on a busy machine as on an idle one, so it shows what a change saves when CPU times are
noisy. (``--only`` runs one stage untimed, for such tools.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import re
import subprocess
import sys
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
        from helin.sip.digest import Algorithm, Challenge, answer_challenge

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


async def run_only(stage: str, calls: int) -> None:
    """Run ``calls`` items of one stage and nothing else (for an outside profiler).

    ``messages`` only builds a call's requests (what every other call stage also does);
    ``parse`` parses them; ``layer`` feeds them to the transaction layer alone; ``call`` runs
    whole calls through the stack; ``register`` whole registrations.
    """
    from helin.sip.message import parse

    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    h = Harness(await helin(1000, ready))
    h.call(0)
    tag = "0123456789ab"

    def build(i: int) -> list[bytes]:
        return [
            invite(h.port, i),
            in_dialog("ACK", 1, h.port, i, tag, 1),
            in_dialog("BYE", 2, h.port, i, tag, 2),
        ]

    def parse_call(i: int) -> None:
        for data in build(i):
            parse(data)

    def layer_call(i: int) -> None:
        for data in build(i):
            h.stack.layer.receive(data, h.source, time.monotonic())

    work = {
        "messages": build,
        "parse": parse_call,
        "layer": layer_call,
        "call": h.call,
        "register": h.registration,
    }[stage]
    for i in range(1, calls + 1):
        work(i)


def instructions(stage: str, calls: int) -> float:
    """Instructions per item of ``stage``: two cachegrind runs, ``calls`` items apart."""
    counts = []
    for n in (calls, 2 * calls):
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ]
        command += [sys.executable, "-m", "bench.sip_profile", "--only", stage, "--calls", str(n)]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stderr
        found = re.search(r"I\s+refs:\s+([\d,]+)", out)
        assert found is not None, out[-2000:]
        counts.append(int(found.group(1).replace(",", "")))
    return (counts[1] - counts[0]) / calls


async def measure(calls: int, rounds: int, profile: bool) -> dict[str, float]:
    """Each stage's best round of ``calls`` calls (other load only ever slows a round down)."""
    from helin.sip.message import parse

    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    stack = await helin(1000, ready)
    h = Harness(stack)
    layer = stack.layer
    h.call(0)  # warm up; learn a To tag for the stand-alone stages
    tag = _TO_TAG.search(h.sent[0]) or _TO_TAG.search(h.sent[-1])
    assert tag is not None
    to_tag = tag.group(1).decode()
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(1, calls + 1):
            h.call(i)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(45)
        return {}
    out: dict[str, float] = {}
    for r in range(rounds):
        base = (r + 1) * 10_000_000
        messages = [
            (
                invite(h.port, i),
                in_dialog("ACK", 1, h.port, i, to_tag, 1),
                in_dialog("BYE", 2, h.port, i, to_tag, 2),
            )
            for i in range(base, base + calls)
        ]

        def parse_call(i: int, base: int = base, messages: Any = messages) -> None:
            for data in messages[i - base]:
                parse(data)

        def layer_call(i: int, base: int = base, messages: Any = messages) -> None:
            for data in messages[i - base]:
                layer.receive(data, h.source, time.monotonic())

        stages = {
            "parse": timed(calls, parse_call, base),
            "layer": timed(calls, layer_call, base),
        }
        layer.on_timer(time.monotonic() + 3600)  # forget those transactions
        stages["stack"] = timed(calls, h.call, base + calls)
        gc.collect()
        start = time.process_time()
        stack._carry(layer.on_timer(time.monotonic() + 3600))  # what the loop timer does later
        stages["expiry"] = 1e6 * (time.process_time() - start) / calls
        stages["register"] = timed(calls // 4, h.registration, base)
        for key, value in stages.items():
            out[key] = min(out.get(key, value), value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=4000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--only", choices=("messages", "parse", "layer", "call", "register"))
    args = parser.parse_args()
    if args.only:
        uvloop.run(run_only(args.only, args.calls))
        return
    if args.instructions:
        n = min(args.calls, 1000)
        print("thousands of instructions per call (each stage includes the one before)")
        for stage in ("messages", "parse", "layer", "call", "register"):
            print(f"  {stage:10} {instructions(stage, n) / 1000:8.0f}", flush=True)
        return
    results = uvloop.run(measure(args.calls, args.rounds, args.profile))
    if args.profile:
        return
    print(f"helin in-process, CPU us per call (best of {args.rounds} rounds of {args.calls})")
    for key in ("parse", "layer", "stack", "expiry", "register"):
        print(f"  {key:10} {results[key]:8.1f}")


if __name__ == "__main__":
    main()
