"""Header fields: canonical names, the ordered field list, and the structured values helin reads.

Header values are kept as the (unfolded) text that arrived; the structured forms — URIs,
name-addr values, Via, CSeq — are parsed on demand. Parsing is tolerant where RFC 3261 says to
be (whitespace, case, compact names) and raises ``RemoteProtocolError`` where a value is
malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
_TOKEN = re.compile(r"[-.!%*_+`'~A-Za-z0-9]+")
"""One or more ``_TOKEN_CHARS`` (a regex: a generator over the characters costs ten times more)."""
_HOST_LIKE = re.compile(r"[-.!%*_+`'~A-Za-z0-9:\[\]]+")
_HOST = re.compile(r"[\w.-]+")
"""A host name or IPv4 address: what ``str.isalnum`` or ``-._`` accepts (``\\w`` is isalnum + _)."""

_SPELLINGS: dict[str, str] = {}
"""Every spelling of a header name seen so far -> its canonical form (bounded, see canonical)."""
_MAX_SPELLINGS = 4096


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


def canonical(name: str) -> str:
    """``"call-id"`` -> ``"Call-ID"``, ``"v"`` -> ``"Via"``, unknown names title-cased."""
    known = _SPELLINGS.get(name)
    if known is not None:
        return known
    known = _CANONICAL.get(name.lower())
    if known is None:
        known = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
    if len(_SPELLINGS) < _MAX_SPELLINGS:  # a peer inventing names cannot grow it further
        _SPELLINGS[name] = known
    return known


class Headers:
    """Header fields in arrival order; lookups by any spelling or compact form of a name.

    Lookups go through an index (canonical name -> values) built at the first lookup and
    dropped by every change, so a message's dozen lookups cost one pass over its fields. Its
    values are tuples: the garbage collector stops tracking tuples of strings, and a lingering
    transaction's request would otherwise keep a tracked list per header field. For the same
    reason parsed headers keep their fields in a tuple, turned into a list at the first change.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] | tuple[tuple[str, str], ...] = [
            (canonical(n), v) for n, v in items
        ]
        self._index: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def trusted(
        cls,
        items: list[tuple[str, str]] | tuple[tuple[str, str], ...],
        index: dict[str, tuple[str, ...]] | None = None,
    ) -> Headers:
        """Headers from fields whose names are canonical already (taken, not copied), with
        their index when the caller built it on the way."""
        headers = cls()
        headers._items = items
        headers._index = index
        return headers

    def _changing(self) -> list[tuple[str, str]]:
        """The fields as a list to change in place; the index is dropped."""
        self._index = None
        items = self._items
        if isinstance(items, tuple):
            items = self._items = list(items)
        return items

    def _lookup(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, tuple[str, ...]] = {}
        for name, value in self._items:
            values = index.get(name)
            index[name] = (value,) if values is None else (*values, value)
        self._index = index
        return index

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def fields(self) -> Sequence[tuple[str, str]]:
        """The (name, value) fields in order (a view: do not change it)."""
        return self._items

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def get(self, name: str) -> str | None:
        values = (self._index or self._lookup()).get(_SPELLINGS.get(name) or canonical(name))
        return None if values is None else values[0]

    def get_all(self, name: str) -> list[str]:
        """Every field of that name, one entry per header line (commas not split)."""
        values = (self._index or self._lookup()).get(_SPELLINGS.get(name) or canonical(name))
        return [] if values is None else list(values)

    def index(self) -> Mapping[str, tuple[str, ...]]:
        """Canonical name -> every value of that name, in order (a view: do not change it)."""
        return self._index or self._lookup()

    def values(self, name: str) -> list[str]:
        """Every value of a comma-separated header, across all its lines."""
        lines = (self._index or self._lookup()).get(_SPELLINGS.get(name) or canonical(name))
        if lines is None:
            return []
        if len(lines) == 1:
            return split_commas(lines[0])
        return [part for line in lines for part in split_commas(line)]

    def add(self, name: str, value: str) -> None:
        self._changing().append((canonical(name), value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of that name with one field (kept where the first one was)."""
        name = canonical(name)
        items = self._changing()
        for i, (n, _) in enumerate(items):
            if n == name:
                items[i] = (name, value)
                items[i + 1 :] = [(k, v) for k, v in items[i + 1 :] if k != name]
                return
        items.append((name, value))

    def prepend(self, name: str, value: str) -> None:
        self._changing().insert(0, (canonical(name), value))

    def set_first(self, name: str, value: str) -> None:
        """Replace the first field of that name (only)."""
        name = canonical(name)
        items = self._changing()
        for i, (n, _) in enumerate(items):
            if n == name:
                items[i] = (name, value)
                return
        items.append((name, value))

    def remove(self, name: str) -> None:
        name = canonical(name)
        self._items = [(n, v) for n, v in self._items if n != name]
        self._index = None

    def copy(self) -> Headers:
        return Headers.trusted(list(self._items))


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


_PARAM = r"[-.!%*_+`'~A-Za-z0-9]+(?:=[^;\"\s]*)?"
_SIMPLE_PARAMS = re.compile(f";?{_PARAM}(?:;{_PARAM})*")
"""``a=1;b``, perhaps after a ``;``: no quotes, blanks or empty parameters (most of them)."""


def parse_params(text: str, what: str) -> dict[str, str | None]:
    """``;a=1;b;c="x y"`` -> ``{"a": "1", "b": None, "c": "x y"}`` (names lower-cased)."""
    params: dict[str, str | None] = {}
    if not text:
        return params
    if _SIMPLE_PARAMS.fullmatch(text) is not None:  # the loop below would read it the same way
        for raw in text.split(";"):
            if raw:
                name, eq, value = raw.partition("=")
                params[name.lower()] = value if eq else None
        return params
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
    return _HOST_LIKE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class CSeq:
    seq: int
    method: str

    @classmethod
    def parse(cls, value: str) -> CSeq:
        known = _CSEQS.get(value)
        if known is not None:
            return known
        number, _, method = value.strip().partition(" ")
        method = method.strip()
        if not number.isdigit() or not is_token(method) or len(number) > 10:
            raise RemoteProtocolError(400, "Bad CSeq")
        seq = int(number)
        if seq >= 2**31:
            raise RemoteProtocolError(400, "CSeq number too large")
        cseq = cls(seq, method)
        if len(_CSEQS) >= _MAX_CACHED:
            _CSEQS.clear()
        _CSEQS[value] = cseq
        return cseq

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


_CSEQS: dict[str, CSeq] = {}
"""CSeq values parsed lately (immutable, so shared): a call's requests repeat a few of them."""
_MAX_CACHED = 1024


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
        simple = _SIMPLE_VIA.fullmatch(value)
        if simple is not None:  # the usual spelling, read in one step; the same result
            transport, host, port, params = simple.groups()
            if port is None or int(port) <= 65535:
                number = int(port) if port is not None else None
                return cls(transport.upper(), host, number, parse_params(params or "", "Via"))
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


_SIMPLE_VIA = re.compile(
    r"SIP/2\.0/([-.!%*_+`'~A-Za-z0-9]+) ([\w.-]+)(?::([0-9]{1,5}))?(?:;(.*))?", re.S
)
"""``SIP/2.0/UDP host[:port][;params]``: what the general path below reads the same way."""


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
    if _HOST.fullmatch(host) is None:
        raise RemoteProtocolError(400, f"Bad host in {what}")
    return host, (_port(port.strip(), what) if sep else None)


def _port(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise RemoteProtocolError(400, f"Bad port in {what}")
    return int(text)
