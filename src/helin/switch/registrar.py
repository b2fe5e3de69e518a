"""The registrar and location service (RFC 3261 section 10), and each device's terminal status.

A device (one phone) may have several contacts. REGISTER adds, refreshes and removes them
after digest authentication. Bindings survive a restart through the ``on_change`` callback
(the store writes them) and ``restore``. Registered contacts are pinged with OPTIONS; any
answer means *reachable*, a timeout *unreachable*, no binding *unregistered*. The registrar
is driven by ``now`` and returns what to send, so the tests need no sockets or clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from enum import StrEnum

from helin.sip.errors import RemoteProtocolError
from helin.sip.headers import Headers
from helin.sip.message import Request, Response, make_response, new_tag
from helin.sip.uri import SipUri
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device


class TerminalStatus(StrEnum):
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"
    UNREGISTERED = "unregistered"


@dataclass(frozen=True, slots=True)
class Binding:
    device_id: str
    user_id: str
    contact: str
    """The contact URI the phone registered."""
    source: Address
    """Where its REGISTER came from: requests to the phone go here (NAT)."""
    expires_at: float
    call_id: str
    cseq: int
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class RegistrarSettings:
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600
    ping_interval: float = 15.0
    """Seconds between OPTIONS pings to each registered contact."""


class Registrar:
    def __init__(
        self,
        authenticator: Authenticator,
        *,
        settings: RegistrarSettings | None = None,
        on_change: Callable[[list[Binding], list[Binding]], None] = lambda added, removed: None,
        on_status: Callable[[str, str, TerminalStatus], None] = lambda user, device, s: None,
    ) -> None:
        self._auth = authenticator
        self.settings = settings or RegistrarSettings()
        self._on_change = on_change
        """Called with (bindings added or refreshed, bindings removed)."""
        self._on_status = on_status
        """Called with (user id, device id, status) when a device's status changes."""
        self._bindings: dict[str, dict[str, Binding]] = {}
        """device id -> contact URI -> binding."""
        self._status: dict[str, TerminalStatus] = {}
        self._users: dict[str, str] = {}
        """device id -> user id."""
        self._alive: dict[str, set[str]] = {}
        """device id -> contacts that registered or answered their last ping."""

    # -- REGISTER -------------------------------------------------------------------------

    def register(self, request: Request, source: Address, now: float) -> Response:
        result = self._auth.check(request, source, now, proxy=False)
        if result.reply is not None:
            return result.reply
        device = result.device
        assert device is not None
        try:
            aor_user = request.to.sip_uri.user
        except RemoteProtocolError:
            return make_response(request, 400, "Bad To URI")
        if aor_user != device.username:
            return make_response(request, 403, "Forbidden")
        try:
            return self._update(request, device, source, now)
        except RemoteProtocolError as exc:
            return make_response(request, exc.status, exc.reason)

    def _update(self, request: Request, device: Device, source: Address, now: float) -> Response:
        current = self._bindings.setdefault(device.id, {})
        self._users[device.id] = device.user_id
        header_expires = _int_or_none(request.headers.get("Expires"))
        added: list[Binding] = []
        removed: list[Binding] = []
        if request.contact_star:
            if header_expires != 0:
                return make_response(request, 400, "Contact * needs Expires: 0")
            removed = list(current.values())
            current.clear()
        for contact in request.contacts:
            expires = _int_or_none(contact.params.get("expires"))
            if expires is None:
                expires = header_expires
            if expires is None:
                expires = self.settings.default_expires
            old = current.get(contact.uri)
            if old is not None and old.call_id == request.call_id and old.cseq >= request.cseq.seq:
                return make_response(request, 500, "Out-of-order REGISTER")
            if expires == 0:
                if old is not None:
                    removed.append(current.pop(contact.uri))
                continue
            if expires < self.settings.min_expires:
                return make_response(
                    request, 423, extra=[("Min-Expires", str(self.settings.min_expires))]
                )
            expires = min(expires, self.settings.max_expires)
            binding = Binding(
                device_id=device.id,
                user_id=device.user_id,
                contact=contact.uri,
                source=source,
                expires_at=now + expires,
                call_id=request.call_id,
                cseq=request.cseq.seq,
                user_agent=request.headers.get("User-Agent") or "",
            )
            current[contact.uri] = binding
            added.append(binding)
        if added or removed:
            self._on_change(added, removed)
        alive = self._alive.setdefault(device.id, set())
        alive.difference_update(b.contact for b in removed)
        alive.update(b.contact for b in added)
        self._update_status(device.id)
        extra = [
            ("Contact", f"<{b.contact}>;expires={max(0, round(b.expires_at - now))}")
            for b in current.values()
        ]
        extra.append(("Date", formatdate(now, usegmt=True)))
        return make_response(request, 200, to_tag=new_tag(), extra=extra)

    # -- queries and upkeep ---------------------------------------------------------------

    def contacts_of(self, user_id: str) -> list[Binding]:
        """Every live binding of every device of the user (to ring them all)."""
        return [
            b
            for device_id, bindings in self._bindings.items()
            if self._users.get(device_id) == user_id
            for b in bindings.values()
        ]

    def reachable_contacts(self, user_id: str) -> list[Binding]:
        """The user's bindings that registered or answered their last ping: the ones to ring."""
        return [
            b
            for device_id, bindings in self._bindings.items()
            if self._users.get(device_id) == user_id
            for b in bindings.values()
            if b.contact in self._alive.get(device_id, ())
        ]

    def status(self, device_id: str) -> TerminalStatus:
        return self._status.get(device_id, TerminalStatus.UNREGISTERED)

    def reachable_devices(self, user_id: str) -> int:
        return sum(
            1
            for device_id, uid in self._users.items()
            if uid == user_id and self._status.get(device_id) is TerminalStatus.REACHABLE
        )

    def restore(self, bindings: list[Binding], now: float) -> None:
        """Bindings from the store after a restart (expired ones are dropped)."""
        for binding in bindings:
            if binding.expires_at > now:
                self._bindings.setdefault(binding.device_id, {})[binding.contact] = binding
                self._users[binding.device_id] = binding.user_id
                self._alive.setdefault(binding.device_id, set()).add(binding.contact)
                self._update_status(binding.device_id)

    def expire(self, now: float) -> None:
        """Drop bindings whose time is up."""
        for device_id, bindings in list(self._bindings.items()):
            gone = [b for b in bindings.values() if b.expires_at <= now]
            for binding in gone:
                del bindings[binding.contact]
                self._alive.get(device_id, set()).discard(binding.contact)
            if gone:
                self._on_change([], gone)
                self._update_status(device_id)

    def pings(self, local: Address) -> list[tuple[Binding, Request]]:
        """An OPTIONS request for every binding, to send to ``binding.source``."""
        out = []
        for bindings in self._bindings.values():
            for binding in bindings.values():
                out.append((binding, options_ping(binding, local)))
        return out

    def ping_answered(self, binding: Binding) -> None:
        if binding.contact in self._bindings.get(binding.device_id, {}):
            self._alive.setdefault(binding.device_id, set()).add(binding.contact)
            self._update_status(binding.device_id)

    def ping_timed_out(self, binding: Binding) -> None:
        """The ping sent to ``binding`` went unanswered. A phone that registered again after
        the ping left (a new binding for the contact) has shown it is there: no change."""
        if self._bindings.get(binding.device_id, {}).get(binding.contact) != binding:
            return
        self._alive.get(binding.device_id, set()).discard(binding.contact)
        self._update_status(binding.device_id)

    def _update_status(self, device_id: str) -> None:
        if not self._bindings.get(device_id):
            status = TerminalStatus.UNREGISTERED
        elif self._alive.get(device_id):
            status = TerminalStatus.REACHABLE
        else:
            status = TerminalStatus.UNREACHABLE
        self._set_status(device_id, status)

    def _set_status(self, device_id: str, status: TerminalStatus) -> None:
        if self._status.get(device_id) is not status:
            self._status[device_id] = status
            user_id = self._users.get(device_id)
            if user_id is not None:
                self._on_status(user_id, device_id, status)


def options_ping(binding: Binding, local: Address) -> Request:
    """An out-of-dialog OPTIONS to a registered contact."""
    headers = Headers(
        [
            ("Max-Forwards", "70"),
            ("From", f"<sip:helin@{local.host_port}>;tag={new_tag()}"),
            ("To", f"<{binding.contact}>"),
            ("Call-ID", f"{new_tag()}{new_tag()}@helin"),
            ("CSeq", "1 OPTIONS"),
            ("Accept", "application/sdp"),
        ]
    )
    return Request("OPTIONS", binding.contact, headers)


def contact_uri(binding: Binding) -> SipUri:
    return SipUri.parse(binding.contact)


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not text.isdigit() or len(text) > 10:
        raise RemoteProtocolError(400, "Bad Expires")
    return int(text)
