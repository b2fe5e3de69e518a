"""The SIP side of ``bench.sip``, run in its own process: helin's stack or the bare responder.

``python -m bench.sip_server helin --users 1000 --core 0`` builds what ``helin serve`` builds for
SIP (SipStack, UserAgent, Registrar, Authenticator with ``--users`` test devices) with a call
handler that answers every INVITE at once with 200 and a static SDP; legs answer BYE
themselves. ``bare`` is the ceiling: the fewest lines of Python that answer the same calls (an
``add_reader`` callback draining a non-blocking socket with ``recvfrom``; INVITE and BYE get a
200 whose Via/From/To/Call-ID/CSeq lines are sliced out of the request; ACK is ignored).

Both run on uvloop, their start-up heap frozen out of the garbage collector as ``helin
serve`` freezes its own. The process prints one JSON line ``{"port": ...}`` when it is ready,
then answers one JSON command per stdin line: ``stats`` (live transactions, RSS) and ``quit``.
It exits when stdin closes, so it never outlives the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import socket
import sys
from typing import Any

import uvloop

HOST = "127.0.0.1"
REALM = "bench.helin"
TRUNK_NETWORK = "127.0.0.0/8"
"""sipp's INVITEs come from here: admitted as a trunk's, without digest (REGISTERs still are)."""
SDP = (
    b"v=0\r\no=helin 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
)
MAX_TRANSACTIONS = 2_000_000
"""Every call leaves two transactions lingering for 64·T1 (32 s, RFC 3261 Timers J and L), so
the default bound (20,000) would answer 503 from about 300 calls/s."""


def user_name(index: int) -> str:
    return f"user{index:05d}"


def password(index: int) -> str:
    return f"pw-{index:05d}"


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


# ---------------------------------------------------------------- helin


class Answerer:
    """The call handler: every INVITE is answered at once."""

    def __init__(self) -> None:
        self.calls = 0

    def incoming(self, leg: Any, *, trunk: str | None, device: Any) -> None:
        self.calls += 1
        leg.answer(SDP)


async def helin(users: int, ready: asyncio.Future[int]) -> Any:
    from helin.sip.digest import Algorithm, DigestVerifier, compute_ha1
    from helin.sip.ratelimit import AuthGuard
    from helin.switch.authenticator import Authenticator, Device
    from helin.switch.registrar import Registrar
    from helin.switch.sipstack import SipStack
    from helin.switch.useragent import Trunks, UserAgent

    devices = {}
    for i in range(users):
        name = user_name(i)
        ha1 = compute_ha1(Algorithm.MD5, name, REALM, password(i))
        devices[name] = Device(
            id=f"dev-{i}", user_id=f"u-{i}", username=name, realm=REALM, ha1s={Algorithm.MD5: ha1}
        )
    # sipp 3.6 answers MD5 challenges only (it reads the first WWW-Authenticate header)
    verifier = DigestVerifier(os.urandom(32), algorithms=(Algorithm.MD5,))
    auth = Authenticator(verifier, AuthGuard(), devices.get)
    ua = UserAgent(
        registrar=Registrar(auth),
        authenticator=auth,
        trunks=Trunks([("sipp", TRUNK_NETWORK)]),
        handler=Answerer(),
    )
    stack = SipStack(ua.on_event, host=HOST, max_transactions=MAX_TRANSACTIONS)
    ua.attach(stack)
    await stack.start()
    ready.set_result(stack.port)
    return stack


# ---------------------------------------------------------------- bare responder


class Bare:
    """INVITE and BYE get a 200 built from sliced request lines; everything else is ignored."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        port = sock.getsockname()[1]
        self.tail = (
            f"Contact: <sip:bare@{HOST}:{port}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(SDP)}\r\n\r\n"
        ).encode() + SDP
        self.bye_tail = b"Content-Length: 0\r\n\r\n"

    def read(self) -> None:
        recvfrom, sendto = self.sock.recvfrom, self.sock.sendto
        for _ in range(256):
            try:
                data, addr = recvfrom(65536)
            except BlockingIOError:
                return
            if data.startswith(b"INVITE"):
                sendto(self.answer(data, b";tag=bare") + self.tail, addr)
            elif data.startswith(b"BYE"):
                sendto(self.answer(data, b"") + self.bye_tail, addr)

    @staticmethod
    def answer(data: bytes, tag: bytes) -> bytes:
        out = [b"SIP/2.0 200 OK"]
        for line in data[: data.find(b"\r\n\r\n")].split(b"\r\n")[1:]:
            if line.startswith((b"Via", b"From", b"Call-ID", b"CSeq")):
                out.append(line)
            elif line.startswith(b"To"):
                out.append(line + tag)
        out.append(b"")
        return b"\r\n".join(out)


async def bare(ready: asyncio.Future[int]) -> Any:
    sock = socket.socket(type=socket.SOCK_DGRAM)
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        sock.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
    sock.bind((HOST, 0))
    sock.setblocking(False)
    responder = Bare(sock)
    asyncio.get_running_loop().add_reader(sock.fileno(), responder.read)
    ready.set_result(sock.getsockname()[1])
    return responder


# ---------------------------------------------------------------- control


async def main(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[int] = loop.create_future()
    server = await (helin(args.users, ready) if args.impl == "helin" else bare(ready))
    done: asyncio.Future[None] = loop.create_future()
    pending = b""

    def reply(**fields: Any) -> None:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()

    def readable() -> None:
        nonlocal pending
        chunk = os.read(0, 65536)
        if not chunk:
            if not done.done():
                done.set_result(None)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            command = line.decode().strip()
            if command == "quit":
                if not done.done():
                    done.set_result(None)
                return
            transactions = server.layer.transactions if args.impl == "helin" else 0
            reply(transactions=transactions, rss_kb=rss_kb())

    loop.add_reader(0, readable)
    port = await ready
    gc.collect()
    gc.freeze()  # as ``helin serve`` does once started
    thresholds = os.environ.get("HELIN_BENCH_GC")  # e.g. 10000,10,10: to measure others
    if thresholds:
        gc.set_threshold(*map(int, thresholds.split(",")))
    reply(port=port, pid=os.getpid(), rss_kb=rss_kb())
    await done
    loop.remove_reader(0)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl", choices=("helin", "bare"))
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--core", type=int, default=None)
    args = parser.parse_args()
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})
    logging.basicConfig(level=logging.WARNING)
    uvloop.run(main(args))


if __name__ == "__main__":
    cli()
