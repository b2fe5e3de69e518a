"""The demo's carrier: a SIP trunk on 127.0.0.2 that places calls to the groups' numbers at a
steady rate, like customers dialling in. Each caller listens to the greeting and music, talks
once an agent answers, and gives up (hangs up while queued) when their patience runs out.

helin admits the trunk by its source address (the trunk's ``peers``), so these INVITEs carry
no credentials, exactly like a carrier's. Whether an agent answered is told in-process by the
agent's phone (``Answers``): the caller's number is unique per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
from dataclasses import dataclass

from helin.demo.audio import Counters, Stream, Ticker
from helin.sip.digest import DigestVerifier
from helin.sip.ratelimit import AuthGuard
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg, Leg, OutgoingLeg
from helin.switch.registrar import Registrar
from helin.switch.sipstack import SipStack
from helin.switch.useragent import Trunks, UserAgent

CALLER_TONE = 250
"""Hz of the tone callers send."""
LONGEST_CALL = 300.0
"""Seconds after which a caller hangs up whatever happens."""
MAX_CALLS = 100
"""Calls the trunk keeps up at once; beyond that it skips placing new ones."""


@dataclass(frozen=True, slots=True)
class Traffic:
    rate: float = 15.0
    """Calls placed per minute."""
    patience: tuple[float, float] = (8.0, 60.0)
    """Seconds a caller waits in the queue before giving up."""
    share: tuple[tuple[str, str, float], ...] = ()
    """(group name, number, share of the calls)."""


class Answers:
    """Which callers an agent has answered (the phones tell the callers)."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Event] = {}

    def expect(self, caller: str) -> asyncio.Event:
        event = self._waiting[caller] = asyncio.Event()
        return event

    def answered(self, caller: str) -> None:
        event = self._waiting.get(caller)
        if event is not None:
            event.set()

    def forget(self, caller: str) -> None:
        self._waiting.pop(caller, None)


class Trunk:
    """The carrier side: places calls into helin at ``server``."""

    def __init__(
        self,
        *,
        host: str,
        server: Address,
        traffic: Traffic,
        ticker: Ticker,
        counters: Counters,
        answers: Answers,
        rng: random.Random,
    ) -> None:
        self.host = host
        self.server = server
        self.traffic = traffic
        self.ticker = ticker
        self.counters = counters
        self.answers = answers
        self.rng = rng
        auth = Authenticator(DigestVerifier(secrets.token_bytes(32)), AuthGuard(), lambda _: None)
        self.ua = UserAgent(
            registrar=Registrar(auth),
            authenticator=auth,
            trunks=Trunks([("helin", server.host)]),
            handler=self,
        )
        self.stack = SipStack(self.ua.on_event, host=host, port=0)
        self.ua.attach(self.stack)
        self.placed = 0
        self.gave_up = 0
        self.failed = 0
        self._calls: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.stack.start()

    @property
    def port(self) -> int:
        return self.stack.port

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        leg.reject(603)  # the demo's carrier takes no calls out

    async def run(self, stop: asyncio.Event) -> None:
        """Place calls at the steady rate until ``stop`` is set."""
        interval = 60.0 / self.traffic.rate
        loop = asyncio.get_running_loop()
        next_at = loop.time() + min(1.0, interval)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
            if stop.is_set():
                break
            next_at += interval
            if len(self._calls) < MAX_CALLS:
                task = loop.create_task(self._call(*self._pick()))
                self._calls.add(task)
                task.add_done_callback(self._calls.discard)

    def _pick(self) -> tuple[str, str]:
        shares = self.traffic.share
        _, number, _ = self.rng.choices(shares, weights=[s for _, _, s in shares])[0]
        self.placed += 1
        return number, f"+37255{self.placed:06d}"

    async def _call(self, number: str, caller: str) -> None:
        stream = Stream(self.ticker, self.host, CALLER_TONE, self.counters)
        await stream.open()
        target = f"sip:{number}@{self.server.host_port}"
        identity = f"<sip:{caller}@{self.host}>"
        leg = OutgoingLeg(
            self.ua,
            target=target,
            dest=self.server,
            from_=identity,
            to=f"<{target}>",
            sdp=stream.offer(),
            extra=[("P-Asserted-Identity", identity)],
        )
        ended = asyncio.Event()
        agent = self.answers.expect(caller)

        def answered(_leg: Leg) -> None:
            if not stream.accept(leg.remote_sdp):
                leg.hang_up()

        leg.on_answered = answered
        leg.on_ended = lambda _leg: ended.set()
        leg.start()
        try:
            patience = self.rng.uniform(*self.traffic.patience)
            await _first(ended, agent, patience)
            if not agent.is_set() and not ended.is_set():
                self.gave_up += 1
                leg.hang_up()  # gives up while queued (BYE, or CANCEL while ringing)
            await _first(ended, ended, LONGEST_CALL)
            if leg.status >= 300:
                self.failed += 1
        finally:
            if not leg.ended:
                leg.hang_up()
            self.answers.forget(caller)
            stream.close()

    async def stop(self) -> None:
        """Hang up every call still up and close the transport."""
        await self.hang_up_all()
        await self.stack.stop()

    async def hang_up_all(self) -> int:
        """Hang up every call still up (their BYEs go out); how many there were."""
        count = len(self._calls)
        for task in list(self._calls):
            task.cancel()
        if self._calls:
            await asyncio.wait(set(self._calls), timeout=5)
        return count


async def _first(a: asyncio.Event, b: asyncio.Event, seconds: float) -> None:
    """Wait up to ``seconds`` until ``a`` or ``b`` is set."""
    waits = {asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())}
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
