"""The SIP adapter: one ``TransactionLayer`` on the event loop, fed by the UDP and TCP transports.

Received bytes go to the layer with ``time.monotonic()`` as ``now``; ``Send`` actions go to the
transport the address names; ``Dropped`` is logged (rate-limited); every other action goes to
the transaction user (TU) callback. One loop timer is kept armed at the layer's next deadline.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable

from helin.sip.message import Request, Response
from helin.sip.transaction import (
    AckMissing,
    ClientTransaction,
    ResponseReceived,
    Send,
    ServerTransaction,
    TimerConfig,
    TransactionTimedOut,
)
from helin.sip.transaction_layer import Dropped, LayerAction, RequestReceived, TransactionLayer
from helin.sip.wire import Address, ip_of
from helin.switch.transport import TcpLimits, TcpTransport, Throttle, UdpTransport, bind_sockets

log = logging.getLogger(__name__)

TuEvent = RequestReceived | ResponseReceived | TransactionTimedOut | AckMissing
"""What the stack hands to the transaction user."""

_monotonic = time.monotonic
TIMER_SLACK = 0.01
"""Seconds the loop timer runs past the layer's next deadline. Deadlines that close together
share one wake-up (a busy server expires thousands of transactions a second, each at its own
time), and uvloop, which counts whole milliseconds, cannot wake us just before a deadline
(re-arming for the remaining microseconds would spin until it passed)."""


class SipStack:
    """SIP over UDP and TCP on one host and port, for one transaction user."""

    def __init__(
        self,
        on_event: Callable[[TuEvent], None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        advertise: str | None = None,
        timers: TimerConfig | None = None,
        max_transactions: int = 20_000,
        tcp: TcpLimits | None = None,
    ) -> None:
        self.on_event = on_event
        self.host = host
        """Numeric address to bind ("0.0.0.0" and "::" for every interface of a family)."""
        self.port = port
        """Port to bind; 0 lets the OS choose (the same number for UDP and TCP)."""
        self.advertise = advertise
        """Host put in our Via headers; defaults to ``host``."""
        self.tcp_limits = tcp or TcpLimits()
        self.layer = TransactionLayer({}, config=timers, max_transactions=max_transactions)
        self.dropped = 0
        """Messages the layer dropped (malformed, unmatched, over a limit)."""
        self._udp: UdpTransport | None = None
        self._tcp: TcpTransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for: float | None = None
        self._drops = Throttle()
        self._faults = Throttle(burst=5)

    # -- lifetime ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._loop is not None:
            raise RuntimeError("the SIP stack is already started")
        if ipaddress.ip_address(self.host).is_unspecified and self.advertise is None:
            raise ValueError(f"binding {self.host} needs an address to advertise in Via")
        loop = asyncio.get_running_loop()
        udp_sock, tcp_sock = bind_sockets(self.host, self.port)
        self.port = udp_sock.getsockname()[1]
        self._loop = loop
        self._udp = UdpTransport(udp_sock, self._received)
        self._tcp = TcpTransport(tcp_sock, self._received, loop, self.tcp_limits)
        host = self.advertise or self.host
        self.layer.local.update({kind: Address(host, self.port, kind) for kind in ("UDP", "TCP")})
        self._udp.start(loop)
        await self._tcp.start()
        log.info("SIP on %s port %d (UDP and TCP)", self.host, self.port)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._armed_for = None
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            await self._tcp.close()
        self._udp = self._tcp = None
        self._loop = None

    def local_address(self, transport: str = "UDP") -> Address:
        """The address we listen on (the bound host, not the advertised one)."""
        if self._loop is None:
            raise RuntimeError("the SIP stack is not started")
        return Address(self.host, self.port, transport)

    @property
    def tcp(self) -> TcpTransport:
        assert self._tcp is not None, "the SIP stack is not started"
        return self._tcp

    @property
    def udp(self) -> UdpTransport:
        assert self._udp is not None, "the SIP stack is not started"
        return self._udp

    # -- the transaction user's verbs -------------------------------------------------------

    def send_request(
        self, request: Request, dest: Address, *, via: str | None = None
    ) -> ClientTransaction:
        """Start a client transaction and send the request.

        Our Via goes on top, with a new branch unless ``via`` is given (a CANCEL reuses its
        INVITE's, RFC 3261 9.1).
        """
        self._check(dest)
        tx, actions = self.layer.send_request(request, dest, _monotonic(), via=via)
        self._carry(actions)
        return tx

    def respond(self, tx: ServerTransaction, response: Response) -> None:
        self._carry(self.layer.respond(tx, response, _monotonic()))

    def send_ack(self, ack: Request, dest: Address) -> None:
        """Send the ACK for a 2xx (it has no transaction)."""
        self._check(dest)
        self._carry(self.layer.send_ack(ack, dest))

    def send_stateless(self, response: Response, dest: Address) -> None:
        """Send a response outside any transaction (for example to a request we will not keep)."""
        self._check(dest)
        self._send(response.to_bytes(), dest)

    def find_invite(self, cancel: Request) -> ServerTransaction | None:
        return self.layer.find_invite(cancel)

    def _check(self, dest: Address) -> None:
        if self._loop is None:
            raise RuntimeError("the SIP stack is not started")
        if dest.transport not in ("UDP", "TCP"):
            raise ValueError(f"unsupported transport {dest.transport!r}")
        ip_of(dest.host)  # resolving names (RFC 3263) is the TU's job

    # -- the adapter ------------------------------------------------------------------------

    def _received(self, data: bytes, source: Address) -> None:
        try:
            self._carry(self.layer.receive(data, source, _monotonic()))
        except Exception:
            self._fault("the transaction layer failed on a message from %s", source)

    def _carry(self, actions: list[LayerAction]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self._send(action.data, action.to)
            elif isinstance(action, Dropped):
                self.dropped += 1
                if self._drops.allow(_monotonic()):
                    log.info("dropped a message from %s: %s", action.source, action.reason)
            else:
                try:
                    self.on_event(action)
                except Exception:
                    self._fault("the transaction user failed on %s", type(action).__name__)
        self._rearm()

    def _send(self, data: bytes, to: Address) -> None:
        if to.transport == "UDP":
            if self._udp is not None:
                self._udp.send(data, to)
        elif to.transport == "TCP":
            if self._tcp is not None:
                self._tcp.send(data, to)
        elif self._drops.allow(_monotonic()):
            log.info("cannot send to %s: no such transport", to)

    def _rearm(self) -> None:
        """Keep the loop timer at most ``TIMER_SLACK`` after the layer's next deadline."""
        deadline = self.layer.next_wake()
        if deadline is None:
            return
        wake = deadline + TIMER_SLACK
        if self._armed_for is not None and self._armed_for <= wake:
            return  # an early wake-up is harmless: _fire re-arms
        deadline = self.layer.next_deadline()  # rarely reached: the timer moves earlier
        if deadline is None:
            return
        wake = deadline + TIMER_SLACK
        if self._armed_for is not None and self._armed_for <= wake:
            return
        if self._loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._armed_for = wake
        self._timer = self._loop.call_later(max(0.0, wake - _monotonic()), self._fire)

    def _fire(self) -> None:
        self._timer = self._armed_for = None
        now = _monotonic()
        try:
            self._carry(self.layer.on_timer(now))
        except Exception:
            self._fault("the transaction layer failed on a timer")
            self._rearm()

    def _fault(self, text: str, *args: object) -> None:
        if self._faults.allow(_monotonic()):
            log.exception(text, *args)
