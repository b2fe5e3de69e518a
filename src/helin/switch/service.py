"""The SIP side of one helin process: stack, user agent, registrar and authentication, wired.

``app.py`` gives it plain values (phones, trunk peers, realms, the digest secret) and
callbacks; it owns no store and reads no settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from helin.sip.digest import Algorithm, DigestVerifier
from helin.sip.ratelimit import AuthGuard
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg
from helin.switch.registrar import Binding, Registrar, RegistrarSettings, TerminalStatus
from helin.switch.sipstack import SipStack
from helin.switch.useragent import CallHandler, Trunks, UserAgent

log = logging.getLogger(__name__)

DEFAULT_DIGEST = (Algorithm.MD5,)
"""Digest algorithms offered to phones by default.

RFC 8760 prefers SHA-256, but common SIP clients fail on it: sipp 3.6 answers only the first
challenge and knows only MD5, and baresip 1.0 gives up when any challenge is not MD5. So helin
offers MD5 unless the operator asks for more (``HELIN_SIP_DIGEST=SHA-256,MD5``).
"""


class NoCallLayer:
    """Until the call layer is wired, calls are refused politely (480)."""

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        log.info("call %s refused: no call layer yet", leg.invite.call_id)
        leg.reject(480, "Temporarily Unavailable")


def device_of(
    *, id: str, user_id: str, username: str, realm: str, ha1_md5: str, ha1_sha256: str, kind: str
) -> Device:
    ha1s = {Algorithm.MD5: ha1_md5, Algorithm.SHA256: ha1_sha256}
    return Device(id=id, user_id=user_id, username=username, realm=realm, ha1s=ha1s, kind=kind)


class SipService:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        secret: bytes,
        devices: Iterable[Device],
        realms: set[str],
        trunk_peers: Iterable[tuple[str, str]],
        digest: tuple[Algorithm, ...] = DEFAULT_DIGEST,
        handler: CallHandler | None = None,
        registrar_settings: RegistrarSettings | None = None,
        on_bindings: Callable[[list[Binding], list[Binding]], None] = lambda a, r: None,
        on_reachable: Callable[[str, int], None] = lambda user_id, count: None,
    ) -> None:
        self.devices = {d.username: d for d in devices}
        """Phones by SIP user name; replace the contents to change them while running."""
        self.realms = realms
        """The tenants' SIP domains; change the set in place while running."""
        self.authenticator = Authenticator(
            DigestVerifier(secret, algorithms=digest), AuthGuard(), self.devices.get, realms
        )
        self.registrar = Registrar(
            self.authenticator,
            settings=registrar_settings,
            on_change=on_bindings,
            on_status=self._status_changed,
        )
        self._on_reachable = on_reachable
        self.ua = UserAgent(
            registrar=self.registrar,
            authenticator=self.authenticator,
            trunks=Trunks(trunk_peers),
            handler=handler or NoCallLayer(),
        )
        self.stack = SipStack(self.ua.on_event, host=host, port=port)
        self.ua.attach(self.stack)

    def _status_changed(self, user_id: str, device_id: str, status: TerminalStatus) -> None:
        log.info("device %s of user %s is %s", device_id, user_id, status.value)
        self._on_reachable(user_id, self.registrar.reachable_devices(user_id))

    async def start(self) -> None:
        await self.stack.start()
        self.ua.start_upkeep()

    async def stop(self) -> None:
        await self.ua.stop()
        await self.stack.stop()

    def address(self) -> Address:
        return self.stack.local_address("UDP")
