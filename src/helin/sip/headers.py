"""Header fields: canonical names, the ordered field list, and the structured values helin reads.

Header values are kept as the (unfolded) text that arrived; the structured forms — URIs,
name-addr values, Via, CSeq — are parsed on demand. Parsing is tolerant where RFC 3261 says to
be (whitespace, case, compact names) and raises ``RemoteProtocolError`` where a value is
malformed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from helin.sip.errors import RemoteProtocolError

COMPACT = {
    "a": "Accept-Contact",
    "b": "Referred-By",
    "c": "Content-Type",
    "d": "Request-Disposition",
    "e": "Content-Encoding",
    "f": "From",
    "i": "Call-ID",
    "j": "Reject-Contact",
    "k": "Supported",
    "l": "Content-Length",
    "m": "Contact",
    "n": "Identity-Info",
    "o": "Event",
    "r": "Refer-To",
    "s": "Subject",
    "t": "To",
    "u": "Allow-Events",
    "v": "Via",
    "x": "Session-Expires",
    "y": "Identity",
}
_KNOWN_NAMES = (
    "Accept Accept-Encoding Accept-Language Alert-Info Allow Authentication-Info Authorization "
    "Call-ID Call-Info Contact Content-Disposition Content-Encoding Content-Language "
    "Content-Length Content-Type CSeq Date Error-Info Expires From In-Reply-To Max-Forwards "
    "Min-Expires MIME-Version Organization P-Asserted-Identity P-Preferred-Identity Priority "
    "Proxy-Authenticate Proxy-Authorization Proxy-Require Reason Record-Route Reply-To Require "
    "Retry-After Route RSeq RAck Server Subject Supported Timestamp To Unsupported User-Agent "
    "Via Warning WWW-Authenticate Event Allow-Events Subscription-State Session-Expires Min-SE "
    "Refer-To Referred-By Replaces Path Service-Route Privacy Diversion History-Info"
)
_CANONICAL = {name.lower(): name for name in _KNOWN_NAMES.split()} | COMPACT

_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")


def is_token(text: str) -> bool:
    return bool(text) and all(ch in _TOKEN_CHARS for ch in text)


def canonical(name: str) -> str:
    """``"call-id"`` -> ``"Call-ID"``, ``"v"`` -> ``"Via"``, unknown names title-cased."""
    known = _CANONICAL.get(name.lower())
    if known is not None:
        return known
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class Headers:
    """Header fields in arrival order; lookups by any spelling or compact form of a name."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(canonical(n), v) for n, v in items]

    @classmethod
    def trusted(cls, items: list[tuple[str, str]]) -> Headers:
        """Headers from a list whose names are canonical already (taken, not copied)."""
        headers = cls()
        headers._items = items
        return headers

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get(self, name: str) -> str | None:
        name = canonical(name)
        for n, v in self._items:
            if n == name:
                return v
        return None

    def get_all(self, name: str) -> list[str]:
        """Every field of that name, one entry per header line (commas not split)."""
        name = canonical(name)
        return [v for n, v in self._items if n == name]

    def values(self, name: str) -> list[str]:
        """Every value of a comma-separated header, across all its lines."""
        return [part for line in self.get_all(name) for part in split_commas(line)]

    def add(self, name: str, value: str) -> None:
        self._items.append((canonical(name), value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of that name with one field (kept where the first one was)."""
        name = canonical(name)
        for i, (n, _) in enumerate(self._items):
            if n == name:
                self._items[i] = (name, value)
                self._items[i + 1 :] = [(k, v) for k, v in self._items[i + 1 :] if k != name]
                return
        self._items.append((name, value))

    def prepend(self, name: str, value: str) -> None:
        self._items.insert(0, (canonical(name), value))

    def set_first(self, name: str, value: str) -> None:
        """Replace the first field of that name (only)."""
        name = canonical(name)
        for i, (n, _) in enumerate(self._items):
            if n == name:
                self._items[i] = (name, value)
                return
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        name = canonical(name)
        self._items = [(n, v) for n, v in self._items if n != name]

    def copy(self) -> Headers:
        new = Headers()
        new._items = list(self._items)
        return new


def split_commas(value: str) -> list[str]:
    """Split a header value at commas outside quoted strings and angle brackets."""
    if "," not in value:
        return [value.strip()] if value.strip() else []
    parts: list[str] = []
    start, quoted, angle, i, n = 0, False, False, 0, len(value)
    while i < n:
        ch = value[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            angle = True
        elif ch == ">":
            angle = False
        elif ch == "," and not angle:
            parts.append(value[start:i].strip())
            start = i + 1
        i += 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


def parse_params(text: str, what: str) -> dict[str, str | None]:
    """``;a=1;b;c="x y"`` -> ``{"a": "1", "b": None, "c": "x y"}`` (names lower-cased)."""
    params: dict[str, str | None] = {}
    for raw in _split_semicolons(text):
        if not raw:
            continue
        name, eq, value = raw.partition("=")
        name = name.strip().lower()
        if not is_token(name):
            raise RemoteProtocolError(400, f"Bad parameter in {what}")
        if not eq:
            params[name] = None
            continue
        value = value.strip()
        if value.startswith('"'):
            unquoted, rest = unquote(value)
            if rest.strip():
                raise RemoteProtocolError(400, f"Bad quoted parameter in {what}")
            params[name] = unquoted
        else:
            params[name] = value
    return params


def _split_semicolons(text: str) -> list[str]:
    if '"' not in text:
        return [part.strip() for part in text.split(";")]
    parts, start, quoted, i = [], 0, False, 0
    while i < len(text):
        ch = text[i]
        if quoted and ch == "\\":
            i += 1
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    if quoted:
        raise RemoteProtocolError(400, "Unterminated quoted string")
    parts.append(text[start:].strip())
    return parts


def unquote(text: str) -> tuple[str, str]:
    """Read the quoted string at the start of ``text``: (its content, the rest)."""
    assert text.startswith('"')
    out: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                break
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), text[i + 1 :]
        out.append(ch)
        i += 1
    raise RemoteProtocolError(400, "Unterminated quoted string")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_params(params: dict[str, str | None]) -> str:
    out = []
    for name, value in params.items():
        if value is None:
            out.append(f";{name}")
        elif is_token(value) or _is_host_like(value):
            out.append(f";{name}={value}")
        else:
            out.append(f";{name}={quote(value)}")
    return "".join(out)


def _is_host_like(value: str) -> bool:
    return bool(value) and all(ch in _TOKEN_CHARS or ch in ":[]" for ch in value)


@dataclass(frozen=True, slots=True)
class CSeq:
    seq: int
    method: str

    @classmethod
    def parse(cls, value: str) -> CSeq:
        number, _, method = value.strip().partition(" ")
        method = method.strip()
        if not number.isdigit() or not is_token(method) or len(number) > 10:
            raise RemoteProtocolError(400, "Bad CSeq")
        seq = int(number)
        if seq >= 2**31:
            raise RemoteProtocolError(400, "CSeq number too large")
        return cls(seq, method)

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


@dataclass(frozen=True, slots=True)
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @classmethod
    def parse(cls, value: str) -> Via:
        protocol, sep, rest = _split_protocol(value)
        if not sep:
            raise RemoteProtocolError(400, "Bad Via")
        name, _version, transport = protocol
        if name.upper() != "SIP" or not is_token(transport):
            raise RemoteProtocolError(400, "Bad Via protocol")
        sent_by, _, params = rest.partition(";")
        host, port = split_host_port(sent_by.strip(), "Via")
        return cls(transport.upper(), host, port, parse_params(params, "Via"))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"SIP/2.0/{self.transport} {host}{port}{format_params(self.params)}"


def _split_protocol(value: str) -> tuple[tuple[str, str, str], bool, str]:
    """``SIP / 2.0 / UDP host;...`` -> ((SIP, 2.0, UDP), True, "host;...")."""
    pieces = value.split("/", 2)
    if len(pieces) != 3:
        return ("", "", ""), False, ""
    name, version = pieces[0].strip(), pieces[1].strip()
    tail = pieces[2].lstrip()
    end = 0
    while end < len(tail) and tail[end] in _TOKEN_CHARS:
        end += 1
    transport, rest = tail[:end], tail[end:]
    if not rest[:1].isspace():
        return ("", "", ""), False, ""
    return (name, version, transport), True, rest.strip()


def split_host_port(text: str, what: str) -> tuple[str, int | None]:
    """``host``, ``host:5060``, ``[::1]:5060`` -> (host, port or None)."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise RemoteProtocolError(400, f"Bad IPv6 reference in {what}")
        host, rest = text[1:end], text[end + 1 :].strip()
        if ":" not in host:
            raise RemoteProtocolError(400, f"Bad IPv6 reference in {what}")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise RemoteProtocolError(400, f"Bad host in {what}")
        return host, _port(rest[1:].strip(), what)
    host, sep, port = text.partition(":")
    host = host.strip()
    if not host or not all(ch.isalnum() or ch in "-._" for ch in host):
        raise RemoteProtocolError(400, f"Bad host in {what}")
    return host, (_port(port.strip(), what) if sep else None)


def _port(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise RemoteProtocolError(400, f"Bad port in {what}")
    return int(text)
