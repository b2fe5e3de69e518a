"""Call legs: one INVITE dialog each, incoming (helin is the UAS) or outgoing (helin is the UAC).

A leg turns SIP into a few plain verbs and callbacks for the call layer: ``ring``, ``answer``,
``reject``, ``hang_up`` and ``cancel``; ``on_answered``, ``on_ended``, ``on_reinvite``. The
user agent (``useragent.py``) routes every message of the leg's dialog and transactions here.

Rules that matter: CANCEL is sent only after a provisional response (RFC 3261 9.1); a 2xx that
arrives after we cancelled is ACKed and then BYEd; a 2xx we sent is retransmitted until its ACK
(the transaction layer does that) and the call is ended with BYE if no ACK ever comes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from helin.sip.dialog import Dialog, address_of
from helin.sip.errors import RemoteProtocolError
from helin.sip.headers import Headers
from helin.sip.message import Request, Response, make_response, new_tag
from helin.sip.transaction import ClientTransaction, ServerTransaction
from helin.sip.uri import SipUri
from helin.sip.wire import Address

if TYPE_CHECKING:
    from helin.switch.useragent import UserAgent

log = logging.getLogger(__name__)

SDP = "application/sdp"


class LegState(Enum):
    NEW = "new"
    EARLY = "early"
    """Ringing (a provisional response was sent or received)."""
    ANSWERED = "answered"
    ENDED = "ended"


class Leg:
    """What both directions share: the dialog, state and the call layer's callbacks."""

    def __init__(self, ua: UserAgent) -> None:
        self.ua = ua
        self.state = LegState.NEW
        self.dialog: Dialog | None = None
        self.remote_sdp = b""
        self.end_reason = ""
        """Why the leg ended: bye, cancel, status code, timeout, no-ack."""
        self.on_answered: Callable[[Leg], None] = lambda leg: None
        self.on_ended: Callable[[Leg], None] = lambda leg: None
        self.on_reinvite: Callable[[Leg, bytes], bytes | None] = lambda leg, sdp: None
        """Given the new offer; returns the answer SDP (None: answer with the last one)."""
        self.local_sdp = b""

    @property
    def ended(self) -> bool:
        return self.state is LegState.ENDED

    def hang_up(self) -> None:
        """End an answered call with BYE (or whatever ends it in its state)."""
        if self.state is LegState.ANSWERED and self.dialog is not None:
            self.ua.send_in_dialog(self.dialog.request("BYE"), self.peer(), lambda response: None)
            self._end("local-bye")
        elif self.state is not LegState.ENDED:
            self._abandon()

    def reinvite(self, sdp: bytes) -> None:
        """Offer new media in the call (hold, resume); the 2xx is ACKed here."""
        if self.state is not LegState.ANSWERED or self.dialog is None:
            return
        dialog = self.dialog
        request = dialog.request("INVITE", body=sdp, extra=[("Content-Type", SDP)])
        self.local_sdp = sdp

        def answered(response: Response | None) -> None:
            if response is not None and 200 <= response.status < 300:
                self.ua.send_ack(dialog.ack(request.cseq.seq), self.peer())
                self.remote_sdp = response.body or self.remote_sdp

        self.ua.send_in_dialog(request, self.peer(), answered)

    def _abandon(self) -> None:
        raise NotImplementedError

    def peer(self) -> Address:
        """Where in-dialog requests go: the Route set's first hop, else where the peer is.

        Without a Route set the request goes to the address the peer's messages came from
        rather than its Contact, which behind NAT is often unreachable.
        """
        raise NotImplementedError

    def _end(self, reason: str) -> None:
        if self.state is LegState.ENDED:
            return
        self.state = LegState.ENDED
        self.end_reason = reason
        self.ua.forget(self)
        self.on_ended(self)

    # -- in-dialog requests from the peer (routed by the user agent) ------------------------

    def on_request(self, request: Request, tx: ServerTransaction | None) -> None:
        assert self.dialog is not None
        if request.method == "ACK":
            self.on_ack(request)
            return
        assert tx is not None
        try:
            self.dialog.receive(request)
        except RemoteProtocolError as exc:
            self.ua.respond(tx, make_response(request, exc.status, exc.reason))
            return
        if request.method == "BYE":
            self.ua.respond(tx, make_response(request, 200))
            self._end("remote-bye")
        elif request.method == "INVITE":
            try:
                answer = self.on_reinvite(self, request.body) if request.body else None
            except RemoteProtocolError as exc:  # an offer the call layer cannot take (488)
                self.ua.respond(tx, make_response(request, exc.status, exc.reason))
                return
            if request.body:
                self.remote_sdp = request.body
            body = answer if answer is not None else self.local_sdp
            self.local_sdp = body
            extra = [("Contact", self.ua.contact(tx.peer.transport)), ("Content-Type", SDP)]
            self.ua.respond(tx, make_response(request, 200, extra=extra, body=body))
        elif request.method in ("OPTIONS", "INFO", "UPDATE", "NOTIFY"):
            self.ua.respond(tx, make_response(request, 200))
        else:
            self.ua.respond(tx, make_response(request, 405, extra=[("Allow", self.ua.allow)]))

    def on_ack(self, ack: Request) -> None:
        """ACK for a 2xx we sent (incoming legs) — nothing to do for outgoing legs."""


class IncomingLeg(Leg):
    """An INVITE helin received."""

    def __init__(self, ua: UserAgent, tx: ServerTransaction, source: Address) -> None:
        super().__init__(ua)
        self.tx = tx
        self.invite = tx.request
        self.source = source
        self.remote_sdp = self.invite.body
        self.local_tag = new_tag()
        self.acked = False
        self.on_cancelled: Callable[[IncomingLeg], None] = lambda leg: None

    def ring(self, *, sdp: bytes = b"") -> None:
        """180 Ringing (183 Session Progress with ``sdp`` for early media); nothing once the
        call is answered or over."""
        if self.state not in (LegState.NEW, LegState.EARLY):
            return
        self.state = LegState.EARLY
        status = 183 if sdp else 180
        extra = [("Contact", self.ua.contact(self.source.transport))]
        if sdp:
            extra.append(("Content-Type", SDP))
        self.ua.respond(
            self.tx,
            make_response(self.invite, status, to_tag=self.local_tag, extra=extra, body=sdp),
        )

    def answer(self, sdp: bytes) -> None:
        if self.state not in (LegState.NEW, LegState.EARLY):
            return
        contact = self.ua.contact(self.source.transport)
        extra = [("Contact", contact), ("Content-Type", SDP), ("Allow", self.ua.allow)]
        ok = make_response(self.invite, 200, to_tag=self.local_tag, extra=extra, body=sdp)
        self.local_sdp = sdp
        self.dialog = Dialog.as_uas(self.invite, self.local_tag, contact)
        self.state = LegState.ANSWERED
        self.ua.adopt(self)
        self.ua.respond(self.tx, ok)
        self.on_answered(self)

    def reject(
        self, status: int, reason: str | None = None, *, extra: list[tuple[str, str]] | None = None
    ) -> None:
        if self.state in (LegState.NEW, LegState.EARLY):
            response = make_response(
                self.invite, status, reason, to_tag=self.local_tag, extra=extra
            )
            self.ua.respond(self.tx, response)
            self._end(str(status))

    def _abandon(self) -> None:
        self.reject(480)

    def peer(self) -> Address:
        if self.dialog is not None and self.dialog.route_set:
            return self.dialog.next_hop()
        return self.source

    def cancelled(self, cancel_tx: ServerTransaction) -> None:
        """The caller sent CANCEL: 200 to it, 487 to the INVITE (RFC 3261 9.2)."""
        ok = make_response(cancel_tx.request, 200, to_tag=self.local_tag)  # the 487's To tag
        self.ua.respond(cancel_tx, ok)
        if self.state in (LegState.NEW, LegState.EARLY):
            self.ua.respond(self.tx, make_response(self.invite, 487, to_tag=self.local_tag))
            self._end("cancel")
            self.on_cancelled(self)

    def on_ack(self, ack: Request) -> None:
        self.acked = True
        if ack.body:
            self.remote_sdp = ack.body

    def ack_missing(self) -> None:
        """Our 2xx was never ACKed: end the call with BYE (RFC 3261 13.3.1.4)."""
        log.info("no ACK for call %s; sending BYE", self.invite.call_id)
        self.hang_up()


class OutgoingLeg(Leg):
    """An INVITE helin sends (to an agent's phone, or out to the trunk)."""

    def __init__(
        self,
        ua: UserAgent,
        *,
        target: str,
        dest: Address,
        from_: str,
        to: str,
        sdp: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(ua)
        self.dest = dest
        self.local_sdp = sdp
        self.cancel_wanted: str | None = None
        """The Reason to CANCEL with, once a provisional response makes CANCEL possible."""
        self.cancelling = False
        """We asked to stop this call: an answer that comes anyway is hung up."""
        self.status = 0
        """The final status received (0 while none)."""
        self.failure: Response | None = None
        """The final non-2xx response (a 401 or 407 carries the challenge to retry with)."""
        self.on_ringing: Callable[[OutgoingLeg], None] = lambda leg: None
        self.on_failed: Callable[[OutgoingLeg, int], None] = lambda leg, status: None
        local_tag = new_tag()
        headers = Headers(
            [
                ("Max-Forwards", "70"),
                ("From", f"{from_};tag={local_tag}"),
                ("To", to),
                ("Call-ID", f"{new_tag()}{new_tag()}@helin"),
                ("CSeq", "1 INVITE"),
                ("Contact", ua.contact(dest.transport)),
                ("Allow", ua.allow),
                ("Content-Type", SDP),
                *(extra or []),
            ]
        )
        self.invite = Request("INVITE", target, headers, sdp)
        self.tx: ClientTransaction | None = None

    @classmethod
    def to_contact(
        cls, ua: UserAgent, contact: str, source: Address, **kwargs: object
    ) -> OutgoingLeg:
        """A leg to a registered contact, sent to where its REGISTER came from (NAT)."""
        return cls(ua, target=contact, dest=source, to=f"<{contact}>", **kwargs)  # type: ignore[arg-type]

    def start(self) -> None:
        self.tx = self.ua.start_invite(self)

    def cancel(self, reason: str | None = None) -> None:
        """Stop ringing: CANCEL now if a provisional came, else as soon as one does."""
        self.cancelling = True
        if self.state is LegState.EARLY and self.tx is not None:
            self.ua.send_cancel(self.tx, reason)
            self.cancel_wanted = None
        elif self.state is LegState.NEW:
            self.cancel_wanted = reason or ""

    def _abandon(self) -> None:
        self.cancel()

    def peer(self) -> Address:
        if self.dialog is not None and self.dialog.route_set:
            return self.dialog.next_hop()
        return self.dest

    def on_response(self, response: Response) -> None:
        status = response.status
        if status < 200:
            if status > 100 and self.state is LegState.NEW:
                self.state = LegState.EARLY
                if self.cancel_wanted is not None and self.tx is not None:
                    self.ua.send_cancel(self.tx, self.cancel_wanted or None)
                    self.cancel_wanted = None
                    return
                self.on_ringing(self)
            elif status == 100 and self.cancel_wanted is not None and self.tx is not None:
                self.ua.send_cancel(self.tx, self.cancel_wanted or None)
                self.cancel_wanted = None
            return
        if status < 300:
            self._answered(response)
            return
        self.status = status
        self.failure = response
        if self.state is not LegState.ENDED:
            self._end(str(status))
            self.on_failed(self, status)

    def _answered(self, response: Response) -> None:
        try:
            dialog = Dialog.as_uac(self.invite, response)
        except RemoteProtocolError as exc:
            log.info("unusable 2xx for %s: %s", self.invite.call_id, exc.reason)
            return
        self.dialog = dialog
        self.ua.send_ack(dialog.ack(self.invite.cseq.seq), self.peer())
        if self.state is LegState.ANSWERED:
            return  # a retransmitted 2xx: ACKed again above
        self.status = response.status
        self.remote_sdp = response.body
        if self.cancelling or self.state is LegState.ENDED:
            # answered although we cancelled: hang up at once, and report nothing
            self.ua.send_in_dialog(dialog.request("BYE"), self.peer(), lambda response: None)
            if self.state is not LegState.ENDED:
                self.state = LegState.ENDED
                self.end_reason = "answered-after-cancel"
                self.ua.forget(self)
            return
        self.state = LegState.ANSWERED
        self.ua.adopt(self)
        self.on_answered(self)

    def timed_out(self) -> None:
        if self.state in (LegState.NEW, LegState.EARLY):
            self.status = 408
            self._end("timeout")
            self.on_failed(self, 408)


def target_address(uri: str, default: Address) -> Address:
    """Where a request to ``uri`` goes when no source address is known."""
    try:
        return address_of(SipUri.parse(uri))
    except RemoteProtocolError:
        return default
