"""Digest authentication for SIP (RFC 2617, RFC 7616, RFC 8760): header values, checks, answers.

Theory of operation
-------------------
Challenges (``WWW-Authenticate``/``Proxy-Authenticate``) and credentials
(``Authorization``/``Proxy-Authorization``) are parsed from and formatted to header *values*.
Parsing is tolerant of whitespace, case, empty list elements and quoting where a token was due;
anything else raises ``AuthParseError``. ``UnsupportedAuth`` marks a well-formed value helin
cannot use (another scheme, an unknown algorithm); a client skips such challenges.

``DigestVerifier`` keeps no per-challenge state. A nonce is the unpadded base64url of 32 bytes::

    issued (8, signed big-endian Unix seconds) || salt (8, random) || tag (16)
    tag = HMAC-SHA256(K_nonce, "helin-nonce-v1" || issued || salt || len(realm) || realm
                      [|| len(source) || source])[:16]       K_nonce = HMAC-SHA256(secret, "nonce")

Any node holding the secret verifies any node's nonce. Forging one means forging a 128-bit
HMAC tag; the realm (and, with ``bind_source``, the peer address) is inside the tag, so a nonce
is worthless elsewhere. Age comes from the authenticated ``issued``: older than ``lifetime``
(or further than ``lifetime`` in the future, for skewed clocks) is stale. The salt makes every
nonce unique, so replay tracking keyed by nonce never confuses two clients.

Replays of a still-fresh nonce are caught per node: for each nonce that carried a correct
response, the highest nonce-count and a 64-wide window below it (out-of-order UDP is fine; a
repeat is not). The table is an LRU of ``max_nonces`` entries. Only correct responses enter it,
so peers without a password cannot grow or churn it, nor burn a client's counts. Evicting an
entry raises a floor: an untracked nonce issued at or before the newest evicted one answers
stale, so eviction can cost a client one round trip but never admits a replay. A restart with a
new secret turns every outstanding nonce foreign, which also answers stale: no user is asked.

A correct response on an expired, foreign or replayed nonce answers ``stale`` (the peer proved
it knows the password; RFC 7616 lets it retry without asking its user). Unknown users are checked
against a dummy HA1 derived from the secret, so both paths hash the same and return outcomes
the caller answers identically (a fresh challenge). ``-sess`` algorithms are computed from the
stored HA1 but not offered by default: SIP phones rarely implement them and they add nothing here.
RFC 2069 answers without ``qop`` are refused unless ``legacy_no_qop``; then each nonce is good
for one request, which keeps replay protection at the price of a round trip per request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum


class AuthParseError(ValueError):
    """A challenge or credentials value that is not valid digest syntax or lacks a directive."""


class UnsupportedAuth(AuthParseError):
    """A well-formed value helin does not implement: another scheme, algorithm or qop."""


class Algorithm(StrEnum):
    """Digest hash algorithms (RFC 7616 section 6.1), spelled as on the wire."""

    MD5 = "MD5"
    MD5_SESS = "MD5-sess"
    SHA256 = "SHA-256"
    SHA256_SESS = "SHA-256-sess"
    SHA512_256 = "SHA-512-256"
    SHA512_256_SESS = "SHA-512-256-sess"

    @property
    def session(self) -> bool:
        """Whether HA1 is re-hashed with the nonce and cnonce (the ``-sess`` variants)."""
        return self.value.endswith("-sess")

    @property
    def base(self) -> Algorithm:
        """The algorithm without ``-sess``: the one a stored HA1 belongs to."""
        return Algorithm(self.value.removesuffix("-sess"))

    def hash(self, text: str) -> str:
        """Lowercase hex digest of the UTF-8 bytes of ``text``."""
        return _HASHES[self.base](_utf8(text))


def _utf8(text: str) -> bytes:
    """The bytes ``text`` was decoded from (the message layer decodes with surrogateescape)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


_HASHES: dict[Algorithm, Callable[[bytes], str]] = {
    Algorithm.MD5: lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    Algorithm.SHA256: lambda data: hashlib.sha256(data).hexdigest(),
    Algorithm.SHA512_256: lambda data: hashlib.new("sha512_256", data).hexdigest(),
}
_BY_NAME = {a.value.lower(): a for a in Algorithm}
_STRENGTH = {Algorithm.MD5: 0, Algorithm.SHA256: 1, Algorithm.SHA512_256: 2}

_LWS = r"[ \t\r\n]*"
_TCHAR = r"[A-Za-z0-9!#$%&'*+.^_`|~-]"
_SCHEME = re.compile(_LWS + f"({_TCHAR}+)(?:[ \\t\\r\\n]+|\\Z)")
_PARAM = re.compile(
    f"({_TCHAR}+){_LWS}={_LWS}"
    r'(?:"((?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*)"'
    r"|([\x21\x23-\x2b\x2d-\x7e]+))"
    f"{_LWS}(?:,|\\Z)"
)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOKEN = re.compile(f"{_TCHAR}+")
_NC = re.compile(r"[0-9A-Fa-f]{8}")


def _parse(value: str, what: str) -> dict[str, str]:
    """The directives of a ``Digest`` header value, names lowercased, values unquoted."""
    match = _SCHEME.match(value)
    if match is None:
        raise AuthParseError(f"{what}: no authentication scheme")
    if match.group(1).lower() != "digest":
        raise UnsupportedAuth(f"{what}: scheme {match.group(1)!r} is not Digest")
    params: dict[str, str] = {}
    pos, end = match.end(), len(value)
    while True:
        while pos < end and value[pos] in " \t\r\n,":
            pos += 1
        if pos >= end:
            return params
        param = _PARAM.match(value, pos)
        if param is None:
            raise AuthParseError(f"{what}: malformed parameter at offset {pos}")
        name, quoted, token = param.groups()
        name = name.lower()
        if name in params:
            raise AuthParseError(f"{what}: {name} given twice")
        if quoted is None:
            params[name] = token
        else:
            params[name] = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = param.end()


def _require(params: Mapping[str, str], name: str, what: str) -> str:
    value = params.get(name)
    if value is None:
        raise AuthParseError(f"{what}: {name} is missing")
    return value


def _algorithm(params: Mapping[str, str], what: str) -> Algorithm:
    name = params.get("algorithm", "MD5")
    algorithm = _BY_NAME.get(name.lower())
    if algorithm is None:
        raise UnsupportedAuth(f"{what}: algorithm {name!r} is not supported")
    return algorithm


def _quote(text: str) -> str:
    if _FORBIDDEN.search(text):
        raise ValueError(f"control character in digest parameter {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _token(text: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise ValueError(f"digest parameter {text!r} is not a token")
    return text


@dataclass(frozen=True, kw_only=True, slots=True)
class Challenge:
    """One ``WWW-Authenticate``/``Proxy-Authenticate`` value of the Digest scheme."""

    realm: str
    """Protection space; part of HA1, so in SIP it is the domain the user belongs to."""
    nonce: str
    """Server-chosen value the client must hash into its response."""
    algorithm: Algorithm = Algorithm.MD5
    """Hash to use; RFC 2617 says MD5 when the directive is absent."""
    qop: tuple[str, ...] = ()
    """Offered qualities of protection, lowercased (``("auth",)``); empty for RFC 2069."""
    opaque: str | None = None
    """Value the client returns unchanged."""
    stale: bool = False
    """The previous request's nonce was stale: retry with this one without asking the user."""
    domain: str | None = None
    """Space-separated URIs of the protection space (rare in SIP)."""

    @classmethod
    def parse(cls, value: str) -> Challenge:
        """Parse a challenge header value; raises ``AuthParseError``."""
        params = _parse(value, "challenge")
        qop = params.get("qop")
        return cls(
            realm=_require(params, "realm", "challenge"),
            nonce=_require(params, "nonce", "challenge"),
            algorithm=_algorithm(params, "challenge"),
            qop=tuple(q.strip().lower() for q in qop.split(",") if q.strip()) if qop else (),
            opaque=params.get("opaque"),
            stale=params.get("stale", "false").lower() == "true",
            domain=params.get("domain"),
        )

    def __str__(self) -> str:
        parts = [f"realm={_quote(self.realm)}"]
        if self.domain is not None:
            parts.append(f"domain={_quote(self.domain)}")
        parts.append(f"nonce={_quote(self.nonce)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.stale:
            parts.append("stale=true")
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f'qop="{",".join(_token(q) for q in self.qop)}"')
        return "Digest " + ", ".join(parts)


@dataclass(frozen=True, kw_only=True, slots=True)
class Credentials:
    """One ``Authorization``/``Proxy-Authorization`` value of the Digest scheme."""

    username: str
    """The user the client claims to be."""
    realm: str
    """Realm of the challenge answered."""
    nonce: str
    """Nonce of the challenge answered."""
    uri: str
    """The request URI as the client saw it (``digest-uri``), hashed into HA2."""
    response: str
    """Hex digest proving knowledge of the password."""
    algorithm: Algorithm = Algorithm.MD5
    """Hash used; MD5 when absent."""
    cnonce: str | None = None
    """Client nonce; present whenever ``qop`` is."""
    opaque: str | None = None
    """The challenge's opaque value, echoed."""
    qop: str | None = None
    """Quality of protection applied, lowercased (``"auth"``); None for RFC 2069 answers."""
    nc: str | None = None
    """Nonce count as sent: exactly 8 hex digits (hashed as is); present whenever ``qop`` is."""

    @property
    def nonce_count(self) -> int | None:
        """``nc`` as a number."""
        return None if self.nc is None else int(self.nc, 16)

    @classmethod
    def parse(cls, value: str) -> Credentials:
        """Parse a credentials header value; raises ``AuthParseError``."""
        what = "credentials"
        params = _parse(value, what)
        qop = params.get("qop")
        nc = params.get("nc")
        if nc is not None and not _NC.fullmatch(nc):
            raise AuthParseError(f"{what}: nc must be 8 hex digits")
        if qop is not None and (nc is None or "cnonce" not in params):
            raise AuthParseError(f"{what}: qop needs cnonce and nc")
        return cls(
            username=_require(params, "username", what),
            realm=_require(params, "realm", what),
            nonce=_require(params, "nonce", what),
            uri=_require(params, "uri", what),
            response=_require(params, "response", what),
            algorithm=_algorithm(params, what),
            cnonce=params.get("cnonce"),
            opaque=params.get("opaque"),
            qop=None if qop is None else qop.lower(),
            nc=nc,
        )

    def __str__(self) -> str:
        parts = [
            f"username={_quote(self.username)}",
            f"realm={_quote(self.realm)}",
            f"nonce={_quote(self.nonce)}",
            f"uri={_quote(self.uri)}",
            f"response={_quote(self.response)}",
            f"algorithm={self.algorithm}",
        ]
        if self.cnonce is not None:
            parts.append(f"cnonce={_quote(self.cnonce)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.qop is not None:
            parts.append(f"qop={_token(self.qop)}")
        if self.nc is not None:
            if not _NC.fullmatch(self.nc):
                raise ValueError(f"nc {self.nc!r} is not 8 hex digits")
            parts.append(f"nc={self.nc}")
        return "Digest " + ", ".join(parts)


def compute_ha1(algorithm: Algorithm, username: str, realm: str, password: str) -> str:
    """``H(username:realm:password)`` with the base hash of ``algorithm`` (what helin stores)."""
    return algorithm.hash(f"{username}:{realm}:{password}")


def compute_response(
    *,
    algorithm: Algorithm,
    ha1: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: str | None,
    cnonce: str | None,
) -> str:
    """The ``response`` directive (RFC 7616 section 3.4.1) from a stored HA1."""
    if algorithm.session:
        ha1 = algorithm.hash(f"{ha1}:{nonce}:{cnonce or ''}")
    ha2 = algorithm.hash(f"{method}:{uri}")
    if qop is None:
        return algorithm.hash(f"{ha1}:{nonce}:{ha2}")
    return algorithm.hash(f"{ha1}:{nonce}:{nc or ''}:{cnonce or ''}:{qop}:{ha2}")


def choose_challenge(values: Iterable[str]) -> Challenge:
    """The strongest challenge helin can answer among header values (RFC 8760 section 2.4).

    Values helin cannot use are skipped; raises ``AuthParseError`` when none is usable.
    """
    best: Challenge | None = None
    error: AuthParseError = UnsupportedAuth("no Digest challenge")
    for value in values:
        try:
            challenge = Challenge.parse(value)
        except AuthParseError as exc:
            error = exc
            continue
        if challenge.qop and "auth" not in challenge.qop:
            error = UnsupportedAuth(f"qop {','.join(challenge.qop)!r} is not supported")
            continue
        strength = _STRENGTH[challenge.algorithm.base]
        if best is None or strength > _STRENGTH[best.algorithm.base]:
            best = challenge
    if best is None:
        raise error
    return best


def answer_challenge(
    challenge: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str | None = None,
    ha1: str | None = None,
    nc: int = 1,
    cnonce: str | None = None,
) -> Credentials:
    """Credentials answering ``challenge`` for a request (the client side).

    Give ``password`` or an ``ha1`` made with ``challenge.algorithm``'s base hash. ``nc``
    counts requests made with this nonce, starting at 1; ``cnonce`` defaults to a random one.
    """
    if (password is None) == (ha1 is None):
        raise ValueError("give exactly one of password and ha1")
    if not 0 < nc < 2**32:
        raise ValueError(f"nonce count {nc} out of range")
    algorithm = challenge.algorithm
    if ha1 is None:
        assert password is not None
        ha1 = compute_ha1(algorithm, username, challenge.realm, password)
    qop: str | None = None
    if challenge.qop:
        if "auth" not in challenge.qop:
            raise UnsupportedAuth(f"qop {','.join(challenge.qop)!r} is not supported")
        qop = "auth"
    if qop is not None or algorithm.session:
        cnonce = cnonce if cnonce is not None else secrets.token_hex(16)
    else:
        cnonce = None
    count = f"{nc:08x}" if qop is not None else None
    response = compute_response(
        algorithm=algorithm,
        ha1=ha1,
        nonce=challenge.nonce,
        method=method,
        uri=uri,
        qop=qop,
        nc=count,
        cnonce=cnonce,
    )
    return Credentials(
        username=username,
        realm=challenge.realm,
        nonce=challenge.nonce,
        uri=uri,
        response=response,
        algorithm=algorithm,
        cnonce=cnonce,
        opaque=challenge.opaque,
        qop=qop,
        nc=count,
    )


class DigestOutcome(Enum):
    """What checking credentials found."""

    OK = "ok"
    """The response is right and the nonce fresh and unused at this count."""
    STALE = "stale"
    """The response is right but the nonce expired, is foreign, or was used at this count."""
    WRONG = "wrong"
    """The user exists and the response is wrong."""
    UNKNOWN_USER = "unknown user"
    """No such user (or no HA1 for the algorithm); checked against a dummy HA1 all the same."""
    MALFORMED = "malformed"
    """Realm, algorithm, qop, nc, cnonce or uri do not fit what was offered or requested."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """The result of ``DigestVerifier.verify``.

    Answer ``OK`` by serving the request, ``stale`` with a fresh challenge carrying
    ``stale=true``, and every other outcome alike with a fresh challenge (401/407), so a peer
    cannot tell an unknown user from a wrong password.
    """

    outcome: DigestOutcome
    """The finding."""
    detail: str
    """Why, for logs only (never sent to the peer)."""

    @property
    def accepted(self) -> bool:
        """The credentials are good: serve the request."""
        return self.outcome is DigestOutcome.OK

    @property
    def stale(self) -> bool:
        """The peer knows the password but the nonce is used up: re-challenge with stale=true."""
        return self.outcome is DigestOutcome.STALE

    @property
    def failed(self) -> bool:
        """A failed attempt that counts against rate limits (``ratelimit.AuthGuard.failed``)."""
        return self.outcome in (
            DigestOutcome.WRONG,
            DigestOutcome.UNKNOWN_USER,
            DigestOutcome.MALFORMED,
        )


_NONCE_LABEL = b"helin-nonce-v1"
_NONCE_BYTES = 32
_TAG_BYTES = 16
_WINDOW = 64
_WINDOW_MASK = (1 << _WINDOW) - 1


def _field(text: str) -> bytes:
    data = _utf8(text)
    return struct.pack(">I", len(data)) + data


class DigestVerifier:
    """The server side: issues stateless nonces and checks credentials against stored HA1s."""

    def __init__(
        self,
        secret: bytes,
        *,
        lifetime: float = 300.0,
        algorithms: Sequence[Algorithm] = (Algorithm.SHA256, Algorithm.MD5),
        bind_source: bool = False,
        legacy_no_qop: bool = False,
        max_nonces: int = 100_000,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        if lifetime <= 0 or max_nonces < 1 or not algorithms:
            raise ValueError("lifetime, max_nonces and algorithms must be positive and non-empty")
        self._nonce_key = hmac.digest(secret, b"nonce", "sha256")
        self._dummy_key = hmac.digest(secret, b"dummy-ha1", "sha256")
        self._lifetime = lifetime
        self._algorithms = tuple(algorithms)
        self._bind_source = bind_source
        self._legacy = legacy_no_qop
        self._max_nonces = max_nonces
        self._random = random_bytes
        self._seen: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
        """Nonce -> (highest nc, window bitmask, issued) for nonces that carried a good answer."""
        self._floor: int | None = None
        """Newest issue time of an evicted nonce: untracked nonces at or before it are used up."""

    @property
    def tracked_nonces(self) -> int:
        """How many nonces the replay table holds (at most ``max_nonces``)."""
        return len(self._seen)

    def _tag(self, issued_salt: bytes, realm: str, source: str) -> bytes:
        message = _NONCE_LABEL + issued_salt + _field(realm)
        if self._bind_source:
            message += _field(source)
        return hmac.digest(self._nonce_key, message, "sha256")[:_TAG_BYTES]

    def nonce(self, *, realm: str, now: float, source: str = "") -> str:
        """A fresh nonce for ``realm`` (bound to ``source`` when ``bind_source``)."""
        issued_salt = struct.pack(">q", int(now)) + self._random(8)
        raw = issued_salt + self._tag(issued_salt, realm, source)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def challenges(
        self, *, realm: str, now: float, source: str = "", stale: bool = False
    ) -> list[Challenge]:
        """One challenge per configured algorithm, most preferred first, sharing one nonce."""
        nonce = self.nonce(realm=realm, now=now, source=source)
        return [
            Challenge(realm=realm, nonce=nonce, algorithm=a, qop=("auth",), stale=stale)
            for a in self._algorithms
        ]

    def _issued(self, nonce: str, realm: str, source: str) -> int | None:
        """When ``nonce`` was issued, or None when it is not one of ours for this realm."""
        if len(nonce) != 43:
            return None
        try:
            raw = base64.b64decode(nonce + "=", altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) != _NONCE_BYTES:
            return None
        tag = self._tag(raw[:16], realm, source)
        if not hmac.compare_digest(tag, raw[16:]):
            return None
        issued: int = struct.unpack(">q", raw[:8])[0]
        return issued

    def verify(
        self,
        credentials: Credentials,
        *,
        realm: str,
        method: str,
        ha1s: Mapping[Algorithm, str] | None,
        now: float,
        source: str = "",
        uri: str | None = None,
    ) -> Verdict:
        """Check credentials for a request to ``realm``.

        ``ha1s`` are the user's stored HA1s keyed by base algorithm, or None when no such user
        exists. ``uri``, when given, must equal the credentials' ``uri`` (RFC 2617 3.2.2.5).
        """
        if credentials.realm != realm:
            return Verdict(outcome=DigestOutcome.MALFORMED, detail="realm mismatch")
        algorithm = credentials.algorithm
        if algorithm not in self._algorithms:
            return Verdict(
                outcome=DigestOutcome.MALFORMED, detail=f"algorithm {algorithm} not offered"
            )
        qop = credentials.qop
        if qop is None and not self._legacy:
            return Verdict(outcome=DigestOutcome.MALFORMED, detail="qop missing (RFC 2069 answer)")
        if qop not in (None, "auth"):
            return Verdict(outcome=DigestOutcome.MALFORMED, detail=f"qop {qop} not offered")
        nc = credentials.nc
        if qop is not None and (nc is None or credentials.cnonce is None or not _NC.fullmatch(nc)):
            return Verdict(
                outcome=DigestOutcome.MALFORMED, detail="qop without a valid cnonce and nc"
            )
        if uri is not None and credentials.uri != uri:
            return Verdict(outcome=DigestOutcome.MALFORMED, detail="uri differs from the request")
        issued = self._issued(credentials.nonce, realm, source)
        ha1 = ha1s.get(algorithm.base) if ha1s is not None else None
        known = ha1 is not None
        if ha1 is None:
            ha1 = algorithm.hash(
                hmac.digest(
                    self._dummy_key, _field(credentials.username) + _field(realm), "sha256"
                ).hex()
            )
        expected = compute_response(
            algorithm=algorithm,
            ha1=ha1,
            nonce=credentials.nonce,
            method=method,
            uri=credentials.uri,
            qop=qop,
            nc=nc if qop else None,
            cnonce=credentials.cnonce,
        )
        given = _utf8(credentials.response.lower())
        correct = hmac.compare_digest(expected.encode(), given)
        if not known:
            return Verdict(outcome=DigestOutcome.UNKNOWN_USER, detail="no such user")
        if not correct:
            return Verdict(outcome=DigestOutcome.WRONG, detail="wrong response")
        if issued is None:
            return Verdict(outcome=DigestOutcome.STALE, detail="nonce not issued here")
        if abs(now - issued) > self._lifetime:
            return Verdict(outcome=DigestOutcome.STALE, detail="nonce expired")
        count = int(nc, 16) if qop and nc else 0
        refusal = self._count(credentials.nonce, count, issued)
        if refusal is not None:
            return Verdict(outcome=DigestOutcome.STALE, detail=refusal)
        return Verdict(outcome=DigestOutcome.OK, detail="ok")

    def _count(self, nonce: str, nc: int, issued: int) -> str | None:
        """Record a use of ``nonce`` with count ``nc``; why not, when it may be a replay."""
        entry = self._seen.get(nonce)
        if entry is None:
            if self._floor is not None and issued <= self._floor:
                return "nonce older than the replay table"
            highest, mask = nc, 1
        else:
            highest, mask, _ = entry
            if nc > highest:
                shift = nc - highest
                mask = ((mask << shift) | 1) & _WINDOW_MASK if shift < _WINDOW else 1
                highest = nc
            else:
                age = highest - nc
                if age >= _WINDOW or (mask >> age) & 1:
                    return "nonce count replayed"
                mask |= 1 << age
            self._seen.move_to_end(nonce)
        self._seen[nonce] = (highest, mask, issued)
        while len(self._seen) > self._max_nonces:
            _, (_, _, evicted) = self._seen.popitem(last=False)
            self._floor = evicted if self._floor is None else max(self._floor, evicted)
        return None
