"""The transaction user: every request and response the SIP stack hands up is routed here.

REGISTER goes to the registrar; OPTIONS is answered; a new INVITE is admitted (from a trunk
peer by its source address, from a phone by digest authentication) and handed to the call
handler as an ``IncomingLeg``; requests inside a dialog go to the leg that owns it (481 when
none does); CANCEL finds its INVITE. Responses go to whoever started the transaction. The
user agent also pings registered phones with OPTIONS and expires their bindings.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from helin.sip.dialog import DialogId, dialog_id_of
from helin.sip.errors import RemoteProtocolError
from helin.sip.message import Request, Response, header_list, make_response
from helin.sip.transaction import (
    AckMissing,
    ClientTransaction,
    ResponseReceived,
    ServerTransaction,
    TransactionTimedOut,
)
from helin.sip.transaction_layer import RequestReceived
from helin.sip.wire import Address, ip_of
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg, Leg, OutgoingLeg
from helin.switch.registrar import Binding, Registrar
from helin.switch.sipstack import SipStack, TuEvent

log = logging.getLogger(__name__)

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, NOTIFY"
SUPPORTED: frozenset[str] = frozenset()
"""Option tags helin supports (RFC 3261 8.2.2.3: anything in Require beyond these gets 420)."""


class CallHandler(Protocol):
    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        """A new call: from a trunk (its name) or from an authenticated phone."""


class Trunks:
    """Which source addresses are trunk peers (hosts or networks)."""

    def __init__(self, peers: Iterable[tuple[str, str]] = ()) -> None:
        self._networks = [(name, ipaddress.ip_network(peer, strict=False)) for name, peer in peers]

    def match(self, host: str) -> str | None:
        """The trunk whose host or network ``host`` is in, or None."""
        try:
            address = ip_of(host)
        except ValueError:
            return None
        for name, network in self._networks:
            if address.version == network.version and address in network:
                return name
        return None


class UserAgent:
    def __init__(
        self,
        *,
        registrar: Registrar,
        authenticator: Authenticator,
        trunks: Trunks,
        handler: CallHandler,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registrar = registrar
        self.authenticator = authenticator
        self.trunks = trunks
        self.handler = handler
        self.allow = ALLOW
        self._clock = clock
        self.stack: SipStack | None = None
        self._dialogs: dict[DialogId, Leg] = {}
        self._clients: dict[ClientTransaction, Callable[[Response | None], None]] = {}
        """Client transactions -> who gets their responses (None: timed out)."""
        self._invites: dict[ServerTransaction, IncomingLeg] = {}
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifetime -------------------------------------------------------------------------

    def attach(self, stack: SipStack) -> None:
        self.stack = stack

    def start_upkeep(self) -> None:
        """Start pinging registered phones and expiring bindings (needs a running loop)."""
        self._tasks.append(asyncio.get_running_loop().create_task(self._upkeep()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    async def _upkeep(self) -> None:
        interval = self.registrar.settings.ping_interval
        while True:
            await asyncio.sleep(interval)
            try:
                self.ping_all()
            except Exception:
                log.exception("OPTIONS pings failed")

    def ping_all(self) -> None:
        """Expire bindings, then send one OPTIONS to every registered contact."""
        self.registrar.expire(self._clock())
        for binding, ping in self.registrar.pings(self._stack.layer.local["UDP"]):
            self._send(ping, binding.source, self._ping_result(binding))

    def _ping_result(self, binding: Binding) -> Callable[[Response | None], None]:
        def result(response: Response | None) -> None:
            if response is None:
                self.registrar.ping_timed_out(binding)
            else:
                self.registrar.ping_answered(binding)

        return result

    # -- verbs for legs and the call layer ------------------------------------------------

    @property
    def _stack(self) -> SipStack:
        if self.stack is None:
            raise RuntimeError("the user agent is not attached to a SIP stack")
        return self.stack

    def contact(self, transport: str = "UDP") -> str:
        local = self._stack.layer.local[transport]
        suffix = ";transport=tcp" if transport == "TCP" else ""
        return f"<sip:helin@{local.host_port}{suffix}>"

    def respond(self, tx: ServerTransaction, response: Response) -> None:
        self._stack.respond(tx, response)

    def send_ack(self, ack: Request, dest: Address) -> None:
        self._stack.send_ack(ack, dest)

    def send_in_dialog(
        self, request: Request, dest: Address, on_response: Callable[[Response | None], None]
    ) -> None:
        self._send(request, dest, on_response)

    def start_invite(self, leg: OutgoingLeg) -> ClientTransaction:
        def route(response: Response | None) -> None:
            if response is None:
                leg.timed_out()
            else:
                leg.on_response(response)

        return self._send(leg.invite, leg.dest, route)

    def send_cancel(self, invite_tx: ClientTransaction, reason: str | None) -> None:
        cancel = invite_tx.cancel_request(reason)
        via = cancel.headers.get("Via") or ""
        cancel.headers.remove("Via")  # the layer puts it back on top, branch and all
        tx = self._stack.send_request(cancel, invite_tx.peer, via=via)
        self._clients[tx] = lambda response: None

    def adopt(self, leg: Leg) -> None:
        """Route the requests of the leg's (new) dialog to it."""
        assert leg.dialog is not None
        self._dialogs[leg.dialog.id] = leg

    def forget(self, leg: Leg) -> None:
        if leg.dialog is not None:
            self._dialogs.pop(leg.dialog.id, None)
        if isinstance(leg, IncomingLeg):
            self._invites.pop(leg.tx, None)

    def _send(
        self, request: Request, dest: Address, on_response: Callable[[Response | None], None]
    ) -> ClientTransaction:
        tx = self._stack.send_request(request, dest)
        self._clients[tx] = on_response
        if len(self._clients) > 1024 and len(self._clients) % 1024 == 0:
            self._clients = {t: f for t, f in self._clients.items() if not t.terminated}
        return tx

    # -- from the stack -------------------------------------------------------------------

    def on_event(self, event: TuEvent) -> None:
        if isinstance(event, RequestReceived):
            self._request(event.request, event.source, event.transaction)
        elif isinstance(event, ResponseReceived):
            callback = self._clients.get(event.transaction)
            if callback is not None:
                if event.response.status >= 200 and not event.transaction.invite:
                    del self._clients[event.transaction]
                callback(event.response)
        elif isinstance(event, TransactionTimedOut):
            tx = event.transaction
            if isinstance(tx, ClientTransaction):
                callback = self._clients.pop(tx, None)
                if callback is not None:
                    callback(None)
        elif isinstance(event, AckMissing):
            leg = self._invites.pop(event.transaction, None)
            if leg is not None:
                leg.ack_missing()

    def _request(self, request: Request, source: Address, tx: ServerTransaction | None) -> None:
        now = self._clock()
        if tx is None:  # ACK of a 2xx, or a stray ACK
            leg = self._dialogs.get(dialog_id_of(request, incoming=True))
            if leg is not None:
                leg.on_request(request, None)
            return
        method = request.method
        if not request.uri.lower().startswith(("sip:", "sips:")):
            self.respond(tx, make_response(request, 416))
            return
        unsupported = [
            tag for tag in header_list(request.headers.get("Require")) if tag not in SUPPORTED
        ]
        if unsupported and method not in ("CANCEL",):
            self.respond(
                tx, make_response(request, 420, extra=[("Unsupported", ", ".join(unsupported))])
            )
            return
        if request.to.tag:
            leg = self._dialogs.get(dialog_id_of(request, incoming=True))
            if leg is None:
                self.respond(tx, make_response(request, 481))
            else:
                leg.on_request(request, tx)
            return
        if method == "REGISTER":
            self.respond(tx, self.registrar.register(request, source, now))
        elif method == "OPTIONS":
            extra = [("Allow", self.allow), ("Accept", "application/sdp")]
            self.respond(tx, make_response(request, 200, extra=extra))
        elif method == "INVITE":
            self._invite(request, source, tx, now)
        elif method == "CANCEL":
            invite_tx = self._stack.find_invite(request)
            leg = self._invites.get(invite_tx) if invite_tx is not None else None
            if leg is None:
                self.respond(tx, make_response(request, 481))
            else:
                leg.cancelled(tx)
        elif method == "BYE":
            self.respond(tx, make_response(request, 481))
        else:
            self.respond(tx, make_response(request, 405, extra=[("Allow", self.allow)]))

    def _invite(self, request: Request, source: Address, tx: ServerTransaction, now: float) -> None:
        trunk = self.trunks.match(source.host)
        device: Device | None = None
        if trunk is None:
            result = self.authenticator.check(request, source, now, proxy=True)
            if result.reply is not None:
                self.respond(tx, result.reply)
                return
            device = result.device
        if (
            request.body
            and (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            != "application/sdp"
        ):
            self.respond(tx, make_response(request, 415, extra=[("Accept", "application/sdp")]))
            return
        leg = IncomingLeg(self, tx, source)
        self._invites[tx] = leg
        try:
            self.handler.incoming(leg, trunk=trunk, device=device)
        except RemoteProtocolError as exc:
            leg.reject(exc.status, exc.reason)
        except Exception:
            log.exception("call handler failed on %s", request.call_id)
            leg.reject(500)
