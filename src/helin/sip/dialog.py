"""Dialogs (RFC 3261 section 12): the state two user agents share for one call.

A dialog is created from an INVITE and its 2xx (or 1xx with a To tag), on either side. It
builds the requests helin sends inside the call (ACK, BYE, re-INVITE) with the right
Request-URI, Route set and CSeq, and checks the requests the peer sends (CSeq order).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from helin.sip.errors import LocalProtocolError, RemoteProtocolError
from helin.sip.headers import Headers
from helin.sip.message import Request, Response
from helin.sip.uri import NameAddr, SipUri
from helin.sip.wire import Address

_NONE = ("",)
"""What a missing header reads as."""

DialogId = tuple[str, str, str]
"""(Call-ID, local tag, remote tag)."""


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_party: str
    """Our From (UAC) or To (UAS) header value, with our tag."""
    remote_party: str
    """The peer's header value, with its tag."""
    remote_target: str
    """The peer's Contact URI: where in-dialog requests go."""
    route_set: list[str] = field(default_factory=list)
    """Route header values for in-dialog requests, in the order they are sent."""
    local_seq: int = 0
    remote_seq: int | None = None
    local_contact: str = ""
    """Our Contact header value."""

    @property
    def id(self) -> DialogId:
        return (self.call_id, self.local_tag, self.remote_tag)

    @classmethod
    def as_uas(cls, request: Request, local_tag: str, local_contact: str) -> Dialog:
        """The dialog a UAS creates when it answers ``request`` (RFC 3261 12.1.1)."""
        contact = _target(request.contacts)
        fields = request.headers.index()
        to = (fields.get("To") or _NONE)[0]
        return cls(
            call_id=request.call_id,
            local_tag=local_tag,
            remote_tag=request.from_.tag or "",
            local_party=to if request.to.tag else f"{to};tag={local_tag}",
            remote_party=(fields.get("From") or _NONE)[0],
            remote_target=contact,
            route_set=request.headers.values("Record-Route") if "Record-Route" in fields else [],
            local_seq=random.randrange(1, 2**20),
            remote_seq=request.cseq.seq,
            local_contact=local_contact,
        )

    @classmethod
    def as_uac(cls, request: Request, response: Response) -> Dialog:
        """The dialog a UAC creates from a 2xx (or tagged 1xx) to ``request`` (12.1.2)."""
        remote_tag = response.to.tag
        if not remote_tag:
            raise RemoteProtocolError(400, "Dialog-creating response without a To tag")
        return cls(
            call_id=request.call_id,
            local_tag=request.from_.tag or "",
            remote_tag=remote_tag,
            local_party=request.headers.get("From") or "",
            remote_party=response.headers.get("To") or "",
            remote_target=_target(response.contacts),
            route_set=list(reversed(response.headers.values("Record-Route"))),
            local_seq=request.cseq.seq,
            local_contact=request.headers.get("Contact") or "",
        )

    def request(
        self, method: str, *, body: bytes = b"", extra: list[tuple[str, str]] | None = None
    ) -> Request:
        """A new in-dialog request (not ACK or CANCEL) with the next CSeq (12.2.1.1)."""
        if method in ("ACK", "CANCEL"):
            raise LocalProtocolError(f"{method} takes the CSeq of the request it answers")
        self.local_seq += 1
        return self._build(method, self.local_seq, body, extra or [])

    def ack(self, invite_seq: int, *, body: bytes = b"") -> Request:
        """The ACK for a 2xx to the INVITE with CSeq ``invite_seq`` (13.2.2.4)."""
        return self._build("ACK", invite_seq, body, [])

    def _build(self, method: str, seq: int, body: bytes, extra: list[tuple[str, str]]) -> Request:
        uri, routes = self.remote_target, list(self.route_set)
        if routes and not _loose(routes[0]):  # strict routing (RFC 2543 proxies)
            uri = NameAddr.parse(routes[0]).uri
            routes = [*routes[1:], f"<{self.remote_target}>"]
        items = [
            ("Max-Forwards", "70"),
            ("From", self.local_party),
            ("To", self.remote_party),
            ("Call-ID", self.call_id),
            ("CSeq", f"{seq} {method}"),
            *[("Route", r) for r in routes],
        ]
        if method not in ("ACK", "BYE") and self.local_contact:
            items.append(("Contact", self.local_contact))
        items += extra
        return Request(method, uri, Headers(items), body)

    def receive(self, request: Request) -> None:
        """Check an in-dialog request from the peer and take its CSeq and target refresh.

        Raises ``RemoteProtocolError(500)`` for a CSeq lower than the last one (12.2.2).
        """
        if request.method in ("ACK", "CANCEL"):
            return
        seq = request.cseq.seq
        if self.remote_seq is not None and seq <= self.remote_seq:
            raise RemoteProtocolError(500, "CSeq out of order", request)
        self.remote_seq = seq
        if request.method == "INVITE" and request.contacts:
            self.remote_target = request.contacts[0].uri

    def next_hop(self) -> Address:
        """Where the next in-dialog request goes: the first Route, else the remote target."""
        first = NameAddr.parse(self.route_set[0]).uri if self.route_set else self.remote_target
        return address_of(SipUri.parse(first))


def address_of(uri: SipUri) -> Address:
    """The transport address of a SIP URI without DNS (hosts are IPs or resolvable names)."""
    host = uri.params.get("maddr") or uri.host
    return Address(host, uri.port or 5060, uri.transport)


def dialog_id_of(message: Request | Response, *, incoming: bool) -> DialogId:
    """The dialog id a message belongs to, seen from our side."""
    from_tag, to_tag = message.from_.tag or "", message.to.tag or ""
    if isinstance(message, Request) and incoming:
        return (message.call_id, to_tag, from_tag)
    return (message.call_id, from_tag, to_tag)


def _target(contacts: list[NameAddr]) -> str:
    if not contacts:
        raise RemoteProtocolError(400, "Missing Contact header")
    return contacts[0].uri


def _loose(route: str) -> bool:
    return "lr" in SipUri.parse(NameAddr.parse(route).uri).params
