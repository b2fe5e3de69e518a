"""A demo softphone built from helin's own SIP parts: ``SipStack`` for the transport and
transactions, ``UserAgent`` and its legs for the calls, ``helin.sip.digest`` for digest.

It REGISTERs (answering the 401 challenge), dials ``*40`` to log its agent in (answering the
407 challenge), and takes the calls helin offers it: rings for a while, answers with SDP,
sends a tone and counts what comes back, then hangs up after a talk time. INVITEs are admitted
by their source: the phone's user agent treats helin's address as its one "trunk".
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass

from helin.demo.audio import Counters, Stream, Ticker
from helin.demo.company import Agent
from helin.sip.digest import AuthParseError, DigestVerifier, answer_challenge, choose_challenge
from helin.sip.headers import Headers
from helin.sip.message import Request, Response, new_tag
from helin.sip.ratelimit import AuthGuard
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg, Leg, LegState, OutgoingLeg
from helin.switch.registrar import Registrar
from helin.switch.sipstack import SipStack
from helin.switch.useragent import Trunks, UserAgent

REQUEST_WAIT = 8.0
"""Seconds a REGISTER or a feature call may take before the phone gives up on it."""
REGISTER_EXPIRES = 600
"""Seconds a registration lasts; the phone refreshes it at half that."""
RING_OUT = 60.0
"""Seconds an unanswered offer may ring before the phone refuses it itself."""
AGENT_TONE = 400
"""Hz of the tone agents' phones send (callers send another)."""


@dataclass(frozen=True, slots=True)
class Habits:
    """How the demo's agents behave, in seconds."""

    ring: tuple[float, float] = (1.0, 4.0)
    talk: tuple[float, float] = (5.0, 15.0)
    miss: float = 0.05
    """Chance that an agent lets an offer ring out (helin moves it on)."""


class Phone:
    """One agent's softphone on 127.0.0.1, talking to helin at ``server``."""

    def __init__(
        self,
        agent: Agent,
        *,
        server: Address,
        realm: str,
        ticker: Ticker,
        counters: Counters,
        habits: Habits,
        rng: random.Random,
        on_answer: Callable[[str, Agent], None],
    ) -> None:
        self.agent = agent
        self.server = server
        self.realm = realm
        self.ticker = ticker
        self.counters = counters
        self.habits = habits
        self.rng = rng
        self.on_answer = on_answer
        """Told (caller number, agent) when the phone answers a call."""
        auth = Authenticator(DigestVerifier(secrets.token_bytes(32)), AuthGuard(), lambda _: None)
        self.ua = UserAgent(
            registrar=Registrar(auth),
            authenticator=auth,
            trunks=Trunks([("helin", server.host)]),
            handler=self,
        )
        self.stack = SipStack(self.ua.on_event, host="127.0.0.1", port=0)
        self.ua.attach(self.stack)
        self.leg: IncomingLeg | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._register_call_id = f"{new_tag()}{new_tag()}@demo"
        self._register_seq = 0

    async def start(self) -> None:
        await self.stack.start()

    @property
    def aor(self) -> str:
        return f"sip:{self.agent.sip_username}@{self.realm}"

    # -- REGISTER -------------------------------------------------------------------------

    def keep_registered(self) -> None:
        """Refresh the registration at half its lifetime until the phone stops."""
        self._spawn(self._refresh())

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REGISTER_EXPIRES / 2)
            await self.register()

    async def register(self, expires: int = REGISTER_EXPIRES) -> bool:
        """Register (or, with 0, unregister) the phone's contact; True on a 2xx."""
        response = await self._send(self._register_request(expires, None))
        if response is not None and response.status == 401:
            credentials = self._answer(
                response, "WWW-Authenticate", "REGISTER", f"sip:{self.realm}"
            )
            if credentials is None:
                return False
            response = await self._send(self._register_request(expires, credentials))
        return response is not None and 200 <= response.status < 300

    def _register_request(self, expires: int, credentials: str | None) -> Request:
        self._register_seq += 1
        local = self.stack.local_address()
        items = [
            ("Max-Forwards", "70"),
            ("From", f"<{self.aor}>;tag={new_tag()}"),
            ("To", f"<{self.aor}>"),
            ("Call-ID", self._register_call_id),
            ("CSeq", f"{self._register_seq} REGISTER"),
            ("Contact", f"<sip:{self.agent.sip_username}@{local.host_port}>"),
            ("Expires", str(expires)),
            ("User-Agent", "helin-demo"),
        ]
        if credentials is not None:
            items.append(("Authorization", credentials))
        return Request("REGISTER", f"sip:{self.realm}", Headers(items))

    def _answer(self, response: Response, header: str, method: str, uri: str) -> str | None:
        try:
            challenge = choose_challenge(response.headers.get_all(header))
            return str(
                answer_challenge(
                    challenge,
                    method=method,
                    uri=uri,
                    username=self.agent.sip_username,
                    password=self.agent.password,
                )
            )
        except AuthParseError:
            return None

    async def _send(self, request: Request) -> Response | None:
        """Send a request outside any dialog; its final response (None on timeout)."""
        loop = asyncio.get_running_loop()
        final: asyncio.Future[Response | None] = loop.create_future()

        def received(response: Response | None) -> None:
            if not final.done() and (response is None or response.status >= 200):
                final.set_result(response)

        self.ua.send_in_dialog(request, self.server, received)
        try:
            return await asyncio.wait_for(final, REQUEST_WAIT)
        except TimeoutError:
            return None

    # -- *40: log in to every group -------------------------------------------------------

    async def dial_feature(self, code: str) -> bool:
        """Dial a feature code (``*40``); True once helin answered it."""
        target = f"sip:{code}@{self.realm}"
        stream = Stream(self.ticker, "127.0.0.1", AGENT_TONE, self.counters)
        await stream.open()
        try:
            leg = self._feature_leg(target, stream, None)
            leg.start()
            await _ended(leg, REQUEST_WAIT)
            challenge = leg.failure
            if leg.status in (401, 407) and challenge is not None:
                proxy = leg.status == 407
                header = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
                credentials = self._answer(challenge, header, "INVITE", target)
                if credentials is None:
                    return False
                name = "Proxy-Authorization" if proxy else "Authorization"
                retry = self._feature_leg(target, stream, (name, credentials))
                retry.invite.headers.set("Call-ID", leg.invite.call_id)  # RFC 3261 22.2
                retry.invite.headers.set("CSeq", "2 INVITE")
                leg = retry
                leg.start()
                await _ended(leg, REQUEST_WAIT)  # helin confirms with a clip, then BYE
            answered = 200 <= leg.status < 300
            leg.hang_up()
            return answered
        finally:
            stream.close()

    def _feature_leg(
        self, target: str, stream: Stream, credentials: tuple[str, str] | None
    ) -> OutgoingLeg:
        leg = OutgoingLeg(
            self.ua,
            target=target,
            dest=self.server,
            from_=f'"{self.agent.display_name}" <{self.aor}>',
            to=f"<{target}>",
            sdp=stream.offer(),
            extra=[credentials] if credentials else [],
        )

        def answered(_leg: Leg) -> None:
            stream.accept(leg.remote_sdp)

        leg.on_answered = answered
        return leg

    # -- calls from helin (CallHandler) ---------------------------------------------------

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        if self.leg is not None and not self.leg.ended:
            leg.reject(486)
            return
        self.leg = leg
        self._spawn(self._take(leg))

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take(self, leg: IncomingLeg) -> None:
        """Ring, answer, talk, hang up; the call may end from helin's side at any point."""
        ended = asyncio.Event()
        leg.on_ended = lambda _leg: ended.set()
        stream: Stream | None = None
        try:
            leg.ring()
            if self.rng.random() < self.habits.miss:
                await _wait(ended, RING_OUT)  # not picking up: helin moves the offer on
                return
            if await _wait(ended, self.rng.uniform(*self.habits.ring)):
                return
            stream = Stream(self.ticker, "127.0.0.1", AGENT_TONE, self.counters)
            await stream.open()
            answer = stream.answer(leg.remote_sdp) if leg.remote_sdp else None
            if answer is None:
                leg.reject(488)
                return
            if leg.state is not LegState.EARLY:
                return
            leg.answer(answer)
            caller = leg.invite.from_.sip_uri.user or ""
            self.on_answer(caller, self.agent)
            if not await _wait(ended, self.rng.uniform(*self.habits.talk)):
                leg.hang_up()
        finally:
            if not leg.ended:
                leg.hang_up()
            if stream is not None:
                stream.close()

    # -- the end --------------------------------------------------------------------------

    async def stop(self) -> None:
        """Hang up, unregister and close the transport."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=REQUEST_WAIT)
        with contextlib.suppress(Exception):
            await self.register(expires=0)
        await self.stack.stop()


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event``; whether it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    return event.is_set()


async def _ended(leg: Leg, seconds: float) -> None:
    """Wait up to ``seconds`` for ``leg`` to end (it is hung up by the caller after that)."""
    ended = asyncio.Event()
    previous = leg.on_ended

    def done(ending: Leg) -> None:
        previous(ending)
        ended.set()

    leg.on_ended = done
    if not leg.ended:
        await _wait(ended, seconds)
