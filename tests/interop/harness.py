"""helin's SIP side running in-process for interop tests, and small tools to talk to it.

``Helin`` runs a ``SipStack`` + ``UserAgent`` + ``Registrar`` + ``Authenticator`` on its own
asyncio loop in a background thread, on a free loopback port. The test thread touches helin's
objects only through ``Helin.call`` (which runs a function on the loop and returns its result)
and ``Helin.wait_for`` (which polls a predicate on the loop), so nothing is shared unlocked.
Real peers (sipp, baresip) run as subprocesses from the test thread; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from helin.sip.digest import Algorithm, DigestVerifier, compute_ha1
from helin.sip.message import Response
from helin.sip.ratelimit import AuthGuard
from helin.sip.transaction import ResponseReceived, TimerConfig
from helin.sip.transaction_layer import RequestReceived
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg, Leg, OutgoingLeg
from helin.switch.registrar import Registrar, RegistrarSettings
from helin.switch.service import DEFAULT_DIGEST
from helin.switch.sipstack import SipStack, TuEvent
from helin.switch.useragent import Trunks, UserAgent

T = TypeVar("T")

REALM = "example.test"
PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}
"""The test devices: SIP username -> password (realm ``REALM``)."""

MD5_ONLY = (Algorithm.MD5,)
"""The digest challenge the fixture offers by default.

helin's ``DigestVerifier`` offers SHA-256 and MD5 (two WWW-Authenticate headers). sipp 3.6
answers only the first challenge and knows only MD5; baresip 1.0 (libre 1.1) gives up with
ENOSYS on any non-MD5 challenge, whatever its position. Both therefore fail to register
against the default (see ``test_registration.py``'s xfail tests); MD5 alone works for both.
``Helin(algorithms=None)`` uses what ``helin serve`` offers (``service.DEFAULT_DIGEST``).
"""

TRUNK_LOOPBACK = (("carrier", "127.0.0.1"),)
"""A trunk table that admits INVITEs from 127.0.0.1 (sipp, raw sockets)."""
TRUNK_ELSEWHERE = (("carrier", "192.0.2.10"),)
"""A trunk table that does not include 127.0.0.1: INVITEs from loopback must authenticate."""


def make_device(username: str, password: str) -> Device:
    ha1s = {a: compute_ha1(a, username, REALM, password) for a in (Algorithm.MD5, Algorithm.SHA256)}
    return Device(
        id=f"dev-{username}", user_id=f"user-{username}", username=username, realm=REALM, ha1s=ha1s
    )


def sdp(port: int, *, session: str = "helin", direction: str = "sendrecv") -> bytes:
    """An audio offer or answer with PCMU on 127.0.0.1:``port``."""
    lines = [
        "v=0",
        f"o={session} 1 1 IN IP4 127.0.0.1",
        "s=-",
        "c=IN IP4 127.0.0.1",
        "t=0 0",
        f"m=audio {port} RTP/AVP 0 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=ptime:20",
        f"a={direction}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


class Callee:
    """The call handler: records every incoming call and does what ``behaviour`` says.

    Runs on helin's loop. ``behaviour`` is one of ``answer``, ``ring_then_answer``,
    ``ring`` (ring forever) and ``reject`` (with ``reject_status``).
    """

    def __init__(self) -> None:
        self.behaviour = "answer"
        self.answer_after = 0.2
        """Seconds between 180 and 200 for ``ring_then_answer``."""
        self.reject_status = 486
        self.answer_sdp = sdp(40000)
        self.hold_answer = sdp(40000, direction="recvonly")
        """What a re-INVITE offering ``a=sendonly`` is answered with."""
        self.legs: list[IncomingLeg] = []
        self.trunks: list[str | None] = []
        self.devices: list[Device | None] = []
        self.reinvites: list[bytes] = []
        """The SDP offers of re-INVITEs received in any call."""

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        self.legs.append(leg)
        self.trunks.append(trunk)
        self.devices.append(device)
        leg.on_reinvite = self._reinvited
        if self.behaviour == "answer":
            leg.answer(self.answer_sdp)
        elif self.behaviour == "ring_then_answer":
            leg.ring()
            asyncio.get_running_loop().call_later(self.answer_after, leg.answer, self.answer_sdp)
        elif self.behaviour == "ring":
            leg.ring()
        elif self.behaviour == "reject":
            leg.reject(self.reject_status)
        else:
            raise AssertionError(f"unknown behaviour {self.behaviour!r}")

    def _reinvited(self, leg: Leg, offer: bytes) -> bytes | None:
        self.reinvites.append(offer)
        return self.hold_answer if b"a=sendonly" in offer else None


@dataclass
class Tap:
    """Every event the stack handed to the user agent, in order (read on helin's loop)."""

    events: list[TuEvent] = field(default_factory=list)

    def responses(self, method: str) -> list[Response]:
        return [
            e.response
            for e in self.events
            if isinstance(e, ResponseReceived) and e.response.cseq.method == method
        ]

    def requests(self, method: str) -> list[RequestReceived]:
        return [
            e for e in self.events if isinstance(e, RequestReceived) and e.request.method == method
        ]


class Helin:
    """helin's SIP side on 127.0.0.1, a free port, its own loop in a background thread."""

    def __init__(
        self,
        *,
        trunks: Iterable[tuple[str, str]] = TRUNK_LOOPBACK,
        timers: TimerConfig | None = None,
        registrar: RegistrarSettings | None = None,
        guard: AuthGuard | None = None,
        upkeep: bool = False,
        algorithms: tuple[Algorithm, ...] | None = MD5_ONLY,
    ) -> None:
        self.devices = {name: make_device(name, pw) for name, pw in PASSWORDS.items()}
        self.callee = Callee()
        self.tap = Tap()
        verifier = {"algorithms": DEFAULT_DIGEST if algorithms is None else algorithms}
        self.authenticator = Authenticator(
            DigestVerifier(secrets.token_bytes(32), **verifier),
            guard or AuthGuard(),
            self.devices.get,
            {REALM},
        )
        self.registrar = Registrar(self.authenticator, settings=registrar)
        self.ua = UserAgent(
            registrar=self.registrar,
            authenticator=self.authenticator,
            trunks=Trunks(trunks),
            handler=self.callee,
        )
        self.stack = SipStack(self._event, host="127.0.0.1", port=0, timers=timers)
        self.ua.attach(self.stack)
        self._upkeep = upkeep
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="helin", daemon=True)
        self.port = 0

    def _event(self, event: TuEvent) -> None:
        self.tap.events.append(event)
        self.ua.on_event(event)

    # -- lifetime -------------------------------------------------------------------------

    def start(self) -> Helin:
        self._thread.start()

        async def start() -> None:
            await self.stack.start()
            if self._upkeep:
                self.ua.start_upkeep()

        self._run(start())
        self.port = self.stack.port
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            await self.ua.stop()
            await self.stack.stop()

        try:
            self._run(stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- the test thread's access ---------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run ``fn(*args)`` on helin's loop and return its result."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def wait_for(
        self,
        predicate: Callable[[], Any],
        what: str,
        timeout: float = 15.0,
        detail: Callable[[], str] | None = None,
    ) -> Any:
        """Poll ``predicate`` on helin's loop until it is truthy; its value.

        On timeout the AssertionError names ``what`` and adds ``detail()`` (e.g. a peer's log).
        """
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                extra = f"\n{detail()}" if detail is not None else ""
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
            time.sleep(0.02)

    def place_call(self, *, user: str, dest: Address, target: str | None = None) -> OutgoingLeg:
        """An INVITE from helin to ``target`` (default ``sip:<user>@<dest>``), sent to ``dest``."""

        def start() -> OutgoingLeg:
            uri = target or f"sip:{user}@{dest.host_port}"
            leg = OutgoingLeg(
                self.ua,
                target=uri,
                dest=dest,
                from_=f"<sip:+3725550100@{REALM}>",
                to=f"<{uri}>",
                sdp=sdp(40010, session="helin-out"),
            )
            leg.start()
            return leg

        return self.call(start)

    @property
    def address(self) -> Address:
        return Address("127.0.0.1", self.port)


# -- plain UDP, for probes and for a client helin did not write ---------------------------


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def udp_port_bound(port: int) -> bool:
    """Whether some process has a UDP socket bound to ``port`` (from /proc/net/udp)."""
    suffix = f":{port:04X}"
    try:
        with open("/proc/net/udp") as table:
            return any(line.split()[1].endswith(suffix) for line in list(table)[1:])
    except OSError:
        return False


class UdpPeer:
    """A bare UDP socket on 127.0.0.1 that speaks SIP by hand."""

    def __init__(self, helin_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.helin = ("127.0.0.1", helin_port)

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.helin)

    def recv(self, timeout: float) -> bytes | None:
        """The next datagram within ``timeout`` seconds, or None."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, _ = self.sock.recvfrom(65535)
        except TimeoutError:
            return None
        return data

    def flush(self) -> list[bytes]:
        """Whatever datagrams are already queued, without waiting."""
        out: list[bytes] = []
        self.sock.setblocking(False)
        try:
            while True:
                out.append(self.sock.recv(65535))
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        return out

    def drain(self, seconds: float) -> list[bytes]:
        """Every datagram that arrives within ``seconds``."""
        out: list[bytes] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            data = self.recv(left)
            if data is not None:
                out.append(data)
        return out

    def response(self, status: int | None = None, *, timeout: float = 5.0) -> bytes:
        """The next response (with ``status``, skipping others) within ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            data = self.recv(left)
            if data is not None and (status is None or status_of(data) == status):
                return data
        raise AssertionError(f"no {status or 'response'} within {timeout} s")

    def request(
        self,
        method: str,
        uri: str,
        *,
        call_id: str | None = None,
        cseq: int = 1,
        from_tag: str | None = None,
        to: str | None = None,
        branch: str | None = None,
        extra: Iterable[str] = (),
        body: bytes = b"",
        from_user: str = "probe",
    ) -> bytes:
        """A request from this socket, with every mandatory header."""
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch or new_branch()};rport",
            "Max-Forwards: 70",
            f"From: <sip:{from_user}@{REALM}>;tag={from_tag or secrets.token_hex(4)}",
            f"To: {to or f'<{uri}>'}",
            f"Call-ID: {call_id or secrets.token_hex(8)}@127.0.0.1",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:{from_user}@127.0.0.1:{self.port}>",
            *extra,
        ]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def status_of(data: bytes) -> int | None:
    """The status code of a response, None for a request."""
    match = re.match(rb"SIP/2\.0 (\d{3}) ", data)
    return int(match.group(1)) if match else None


def reason_of(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0].decode().split(" ", 2)[2]


def header(data: bytes, name: str) -> list[str]:
    """Every value of header ``name`` (full name only) in a message."""
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    prefix = name.lower() + ":"
    return [
        line.split(":", 1)[1].strip()
        for line in head.split("\r\n")[1:]
        if line.lower().startswith(prefix)
    ]


def digest_md5(
    challenge: str, *, method: str, uri: str, username: str, password: str, nc: int = 1
) -> str:
    """An ``Authorization`` value answering an MD5 Digest challenge (RFC 2617, qop=auth).

    Written from the RFC here, independent of helin's own client code.
    """
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    realm, nonce = params["realm"], params["nonce"]
    cnonce = secrets.token_hex(8)
    count = f"{nc:08x}"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = md5(f"{username}:{realm}:{password}")
    ha2 = md5(f"{method}:{uri}")
    response = md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", algorithm=MD5, qop=auth, nc={count}, cnonce="{cnonce}"'
    )


def md5_challenge(response: bytes, name: str = "WWW-Authenticate") -> str:
    """The MD5 challenge among a 401/407's challenges."""
    for value in header(response, name):
        if re.search(r"algorithm=\"?MD5\"?(,|$|\s)", value, re.IGNORECASE):
            return value
    raise AssertionError(f"no MD5 challenge in {header(response, name)}")
