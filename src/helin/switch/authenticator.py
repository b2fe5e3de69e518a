"""Digest authentication of phones, with failed attempts limited per address and username.

Every failure, whatever its cause (unknown user, wrong password, garbage credentials), gets the
same fresh challenge, so a peer cannot tell which usernames exist. A source or username that
fails too often is refused with 403 for a while; the block is logged once when it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field

from helin.sip.digest import Algorithm, AuthParseError, Credentials, DigestVerifier
from helin.sip.errors import RemoteProtocolError
from helin.sip.message import Request, Response, make_response
from helin.sip.ratelimit import AuthGuard, BlockStarted
from helin.sip.uri import SipUri
from helin.sip.wire import Address

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Device:
    """What the SIP side knows of one phone."""

    id: str
    user_id: str
    username: str
    """SIP username (digest username and AOR user part)."""
    realm: str
    """The tenant's SIP domain, the digest realm its HA1s were made with."""
    ha1s: Mapping[Algorithm, str] = field(default_factory=dict)
    kind: str = "softphone"


@dataclass(frozen=True, slots=True)
class AuthResult:
    device: Device | None = None
    """The authenticated device; None when ``reply`` must be sent instead."""
    reply: Response | None = None


class Authenticator:
    def __init__(
        self,
        verifier: DigestVerifier,
        guard: AuthGuard,
        lookup: Callable[[str], Device | None],
        realms: Container[str] = (),
    ) -> None:
        self._verifier = verifier
        self._guard = guard
        self._lookup = lookup
        self._realms = realms
        """Known tenant SIP domains."""

    def check(self, request: Request, source: Address, now: float, *, proxy: bool) -> AuthResult:
        """Authenticate ``request``: 401 (``proxy``: 407) challenges, 403 when blocked."""
        name = "Proxy-Authorization" if proxy else "Authorization"
        raw = request.headers.get(name)
        credentials: Credentials | None = None
        username: str | None = None
        if raw is not None:
            try:
                credentials = Credentials.parse(raw)
                username = credentials.username
            except AuthParseError:
                credentials = None
        aor = request.to if request.method == "REGISTER" else request.from_
        claimed = username or _user(aor.uri)
        device = self._lookup(claimed) if claimed else None
        realm = self._realm(aor.uri, device)
        if not self._guard.allowed(address=source.host, username=_key(username, realm), now=now):
            return AuthResult(reply=make_response(request, 403, "Forbidden"))
        if raw is None:
            return AuthResult(reply=self._challenge(request, realm, source, now, proxy))
        stale = False
        if credentials is not None:
            verdict = self._verifier.verify(
                credentials,
                realm=realm,
                method=request.method,
                ha1s=device.ha1s if device is not None and device.realm == realm else None,
                now=now,
                source=source.host,
                uri=credentials.uri,
            )
            if verdict.accepted and device is not None:
                self._guard.succeeded(
                    address=source.host, username=_key(username, realm) or "", now=now
                )
                return AuthResult(device=device)
            stale = verdict.stale
        if not stale:
            self._log_blocks(
                self._guard.failed(address=source.host, username=_key(username, realm), now=now)
            )
        return AuthResult(reply=self._challenge(request, realm, source, now, proxy, stale=stale))

    def _realm(self, aor_uri: str, device: Device | None) -> str:
        host = _host(aor_uri)
        if host in self._realms or device is None:
            return host or "helin"
        return device.realm

    def _challenge(
        self,
        request: Request,
        realm: str,
        source: Address,
        now: float,
        proxy: bool,
        *,
        stale: bool = False,
    ) -> Response:
        header = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        challenges = self._verifier.challenges(
            realm=realm, now=now, source=source.host, stale=stale
        )
        status = 407 if proxy else 401
        return make_response(request, status, extra=[(header, str(c)) for c in challenges])

    @staticmethod
    def _log_blocks(blocks: list[BlockStarted]) -> None:
        for block in blocks:
            log.warning(
                "authentication blocked for %s %s until %.0f after repeated failures",
                block.kind,
                block.key,
                block.until,
            )


def _key(username: str | None, realm: str) -> str | None:
    return f"{username}@{realm}" if username else None


def _is_sip(uri: str) -> bool:
    return uri.lower().startswith(("sip:", "sips:"))


def _parsed(uri: str) -> SipUri | None:
    if not _is_sip(uri):
        return None
    try:
        return SipUri.parse(uri)
    except RemoteProtocolError:
        return None


def _host(uri: str) -> str:
    parsed = _parsed(uri)
    return parsed.host if parsed else ""


def _user(uri: str) -> str | None:
    parsed = _parsed(uri)
    return parsed.user if parsed else None
