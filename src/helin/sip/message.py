"""SIP requests and responses: parse from bytes, serialise to bytes (RFC 3261 sections 7, 20).

``parse`` is strict about what helin needs to answer correctly (start line, Via, From, To,
Call-ID, CSeq, Content-Length) and tolerant of the rest. A malformed message raises
``RemoteProtocolError`` carrying the status to answer (400, 505, ...) and, when the framing
was readable, the partly parsed message so a response can still be built from it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from operator import itemgetter

from helin.sip.errors import LocalProtocolError, RemoteProtocolError
from helin.sip.headers import CSeq, Headers, Via, canonical, is_token, split_commas
from helin.sip.uri import NameAddr

SIP_VERSION = "SIP/2.0"
MAGIC_COOKIE = "z9hG4bK"
"""Prefix of every RFC 3261 branch parameter."""
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
_REQUIRED_SET = frozenset(REQUIRED)

REASONS = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
}


def new_branch() -> str:
    return MAGIC_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


_SPACE = re.compile(r"\s")


class _Unusual(Exception):
    """A message for the general path of ``Message.check``."""


_name_of = itemgetter(0)


class Message:
    """What requests and responses share: headers, body, and parsed accessors.

    The parsed accessors (``via``, ``cseq``, ...) parse their header at the first access and
    keep the result (later changes to ``headers`` do not reach them).
    """

    __slots__ = ("_call_id", "_contacts", "_cseq", "_from", "_to", "_via", "body", "headers")

    def __init__(self, headers: Headers, body: bytes = b"") -> None:
        self.headers = headers
        self.body = body
        self._call_id: str | None = None
        self._cseq: CSeq | None = None
        self._via: list[Via] | None = None
        self._from: NameAddr | None = None
        self._to: NameAddr | None = None
        self._contacts: list[NameAddr] | None = None

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if value is None:
            raise RemoteProtocolError(400, f"Missing {name} header", self)
        return value

    @property
    def call_id(self) -> str:
        value = self._call_id
        if value is None:
            value = self._required("Call-ID").strip()
            if not value or _SPACE.search(value):
                raise RemoteProtocolError(400, "Bad Call-ID", self)
            self._call_id = value
        return value

    @property
    def cseq(self) -> CSeq:
        cseq = self._cseq
        if cseq is None:
            cseq = self._cseq = CSeq.parse(self._required("CSeq"))
        return cseq

    @property
    def via(self) -> list[Via]:
        via = self._via
        if via is None:
            values = self.headers.values("Via")
            if not values:
                raise RemoteProtocolError(400, "Missing Via header", self)
            via = self._via = [Via.parse(value) for value in values]
        return via

    def replace_vias(self, vias: list[Via]) -> None:
        """Set what ``via`` returns, after the top Via header was changed to match."""
        self._via = vias

    @property
    def from_(self) -> NameAddr:
        value = self._from
        if value is None:
            value = self._from = NameAddr.parse(self._required("From"), "From")
        return value

    @property
    def to(self) -> NameAddr:
        value = self._to
        if value is None:
            value = self._to = NameAddr.parse(self._required("To"), "To")
        return value

    @property
    def contacts(self) -> list[NameAddr]:
        """Contact values; an empty list for none, and for ``*`` (see ``contact_star``)."""
        contacts = self._contacts
        if contacts is None:
            values = self.headers.values("Contact")
            if values == ["*"]:
                contacts = []
            else:
                contacts = [NameAddr.parse(value, "Contact") for value in values]
            self._contacts = contacts
        return contacts

    @property
    def contact_star(self) -> bool:
        return self.headers.values("Contact") == ["*"]

    def route_set(self, name: str = "Record-Route") -> list[NameAddr]:
        return [NameAddr.parse(value, name) for value in self.headers.values(name)]

    def check(self) -> None:
        """Parse every header helin relies on; raise ``RemoteProtocolError`` if one is bad."""
        fields = self.headers.index()
        try:
            self._check_fast(fields)
            return
        except _Unusual:
            pass  # the general path below reads it
        except RemoteProtocolError as exc:
            raise RemoteProtocolError(exc.status, exc.reason, self) from None
        if not fields.keys() >= _REQUIRED_SET:
            missing = next(name for name in REQUIRED if name not in fields)
            raise RemoteProtocolError(400, f"Missing {missing} header", self)
        try:
            _ = self.call_id, self.cseq, self.via, self.from_, self.to
        except RemoteProtocolError as exc:
            raise RemoteProtocolError(exc.status, exc.reason, self) from None

    def _check_fast(self, fields: Mapping[str, tuple[str, ...]]) -> None:
        """``check`` for one of each required header and a single Via value (most messages):
        the same parses and verdicts in fewer steps. ``_Unusual`` sends the rest the long way."""
        try:
            (call_id,) = fields["Call-ID"]
            (cseq,) = fields["CSeq"]
            (via,) = fields["Via"]
            (from_,) = fields["From"]
            (to,) = fields["To"]
        except (KeyError, ValueError):
            raise _Unusual from None
        if "," in via:
            raise _Unusual
        call_id = call_id.strip()
        if not call_id or _SPACE.search(call_id):
            raise RemoteProtocolError(400, "Bad Call-ID")
        self._call_id = call_id
        self._cseq = CSeq.parse(cseq)
        via = via.strip()
        if not via:
            raise RemoteProtocolError(400, "Missing Via header")
        self._via = [Via.parse(via)]
        self._from = NameAddr.parse(from_, "From")
        self._to = NameAddr.parse(to, "To")

    def start_line(self) -> str:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        fields: Iterable[tuple[str, str]] = self.headers.fields()
        if "Content-Length" in map(_name_of, fields):  # ours replaces it
            fields = [field for field in fields if field[0] != "Content-Length"]
        lines = "\r\n".join(map(": ".join, fields))  # C loops: no bytecode per header field
        length = f"Content-Length: {len(self.body)}\r\n\r\n"
        if lines:
            head = f"{self.start_line()}\r\n{lines}\r\n{length}"
        else:
            head = f"{self.start_line()}\r\n{length}"
        return head.encode("utf-8", "surrogateescape") + self.body


class Request(Message):
    __slots__ = ("method", "uri")

    def __init__(self, method: str, uri: str, headers: Headers, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.method = method
        self.uri = uri

    def start_line(self) -> str:
        return f"{self.method} {self.uri} {SIP_VERSION}"

    def check(self) -> None:
        super().check()
        if self.cseq.method != self.method:
            raise RemoteProtocolError(400, "CSeq method does not match request method", self)
        max_forwards = self.headers.get("Max-Forwards")
        if max_forwards is not None:
            value = max_forwards.strip()
            if not value.isdigit() or int(value) > 255:
                raise RemoteProtocolError(400, "Bad Max-Forwards", self)

    @property
    def max_forwards(self) -> int:
        value = self.headers.get("Max-Forwards")
        return int(value.strip()) if value is not None else 70

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri}>"


class Response(Message):
    __slots__ = ("reason", "status")

    def __init__(self, status: int, reason: str, headers: Headers, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.status = status
        self.reason = reason

    def start_line(self) -> str:
        return f"{SIP_VERSION} {self.status} {self.reason}"

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


def parse(data: bytes, *, stream: bool = False) -> Request | Response:
    """Parse one whole message. ``stream`` (TCP): the body must be exactly Content-Length."""
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        head_bytes, body = data[:end], data[end + 4 :]
        text = head_bytes.decode("utf-8", "surrogateescape")
        lines = text.split("\r\n")
    else:
        end = data.find(b"\n\n")
        if end < 0:
            raise RemoteProtocolError(400, "No blank line after the headers")
        head_bytes, body = data[:end], data[end + 2 :]
        lines = head_bytes.decode("utf-8", "surrogateescape").replace("\r\n", "\n").split("\n")
    while lines and not lines[0]:
        lines.pop(0)  # RFC 3261 7.5: ignore CRLFs before the start line
    if not lines:
        raise RemoteProtocolError(400, "Empty message")
    headers, fault = _headers(lines)
    message = _start(lines[0], headers)
    if fault is not None:  # raised only now, so the error can still be answered (400)
        raise RemoteProtocolError(400, fault, message)
    message.body = _body(message, body, stream)
    message.check()
    return message


def _start(line: str, headers: Headers) -> Request | Response:
    if line.startswith("SIP/"):
        version, _, rest = line.partition(" ")
        code, _, reason = rest.partition(" ")
        if version != SIP_VERSION or len(code) != 3 or not code.isdigit() or code[0] == "0":
            raise RemoteProtocolError(400, "Bad status line")
        return Response(int(code), reason, headers)
    known = _REQUEST_LINES.get(line)
    if known is not None:
        return Request(known[0], known[1], headers)
    parts = line.split(" ")
    if len(parts) != 3 or not is_token(parts[0]) or ":" not in parts[1]:
        raise RemoteProtocolError(400, "Bad request line")
    if "<" in parts[1] or ">" in parts[1]:
        raise RemoteProtocolError(400, "Request-URI must not be enclosed in <>")
    method, uri, version = parts
    request = Request(method, uri, headers)
    if version.upper() != SIP_VERSION:
        raise RemoteProtocolError(505, "Version Not Supported", request)
    if len(_REQUEST_LINES) >= _MAX_REQUEST_LINES:
        _REQUEST_LINES.clear()
    _REQUEST_LINES[line] = (method, uri)
    return request


_REQUEST_LINES: dict[str, tuple[str, str]] = {}
"""Valid request lines seen lately -> (method, URI): a call's in-dialog requests and a trunk's
INVITEs repeat theirs."""
_MAX_REQUEST_LINES = 1024


_WIRE_NAMES: dict[str, str] = {}
"""Header names as they arrived (before the colon, blanks and all) -> canonical; valid ones only."""
_MAX_WIRE_NAMES = 4096
_LINES: dict[str, tuple[str, str]] = {}
"""Header lines read lately (of valid names) -> their field: a call's messages repeat most of
theirs (Max-Forwards, From, To, Call-ID, CSeq, Contact, ...), as do a trunk's calls."""
_MAX_LINES = 4096


def _headers(lines: list[str]) -> tuple[Headers, str | None]:
    """The header fields, and the first fault found (malformed lines are skipped)."""
    items: list[tuple[str, str]] = []
    index: dict[str, tuple[str, ...]] | None = {}
    fault: str | None = None
    names = _WIRE_NAMES
    seen = _LINES
    for line in lines[1:]:
        field = seen.get(line)
        if field is None:
            raw, colon, value = line.partition(":")
            known = names.get(raw) if colon else None  # never a continuation: none starts blank
            if known is not None:
                field = (known, value.strip(" \t"))
                if len(seen) >= _MAX_LINES:
                    seen.clear()
                seen[line] = field
        if field is not None:
            items.append(field)
            if index is not None:  # the index the first lookup would build, built now
                known, value = field
                values = index.get(known)
                index[known] = (value,) if values is None else (*values, value)
            continue
        index = None  # an unusual line: the index is built at the first lookup instead
        if line[:1] in (" ", "\t"):
            if not items:
                fault = fault or "Continuation line before any header"
                continue
            name, value = items[-1]
            items[-1] = (name, f"{value} {line.strip()}".strip())
            continue
        stripped = raw.rstrip(" \t")
        if not colon or not is_token(stripped):
            fault = fault or "Malformed header line"
            continue
        name = canonical(stripped)
        if len(names) < _MAX_WIRE_NAMES:  # bounded: a peer may invent names
            names[raw] = name
        items.append((name, value.strip(" \t")))
    return Headers.trusted(tuple(items), index), fault


def _body(message: Message, body: bytes, stream: bool) -> bytes:
    lines = message.headers.index().get("Content-Length")
    if lines is not None and len(lines) == 1 and lines[0].isdigit() and len(lines[0]) <= 9:
        length = int(lines[0])  # the one usual value: what the general path below reads
        if length > len(body) or (stream and length != len(body)):
            raise RemoteProtocolError(400, "Content-Length does not match the body", message)
        return body if length == len(body) else body[:length]
    lengths = message.headers.values("Content-Length")
    if not lengths:
        if stream:  # RFC 3261 20.14: mandatory on streams, which cannot be framed without it
            raise RemoteProtocolError(400, "Missing Content-Length", message)
        return body
    if len(set(lengths)) != 1 or not lengths[0].isdigit() or len(lengths[0]) > 9:
        raise RemoteProtocolError(400, "Bad Content-Length", message)
    length = int(lengths[0])
    if length > len(body) or (stream and length != len(body)):
        raise RemoteProtocolError(400, "Content-Length does not match the body", message)
    return body[:length]


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Response:
    """A response to ``request`` per RFC 3261 8.2.6: Via, From, To (+tag), Call-ID, CSeq copied."""
    if not 100 <= status <= 699:
        raise LocalProtocolError(f"status {status} is not a SIP status")
    fields = request.headers.index()
    items: list[tuple[str, str]] = [("Via", v) for v in fields.get("Via", ())]
    to = (fields.get("To") or _EMPTY)[0]
    if to_tag is not None and status > 100 and ";tag=" not in to.replace(" ", "").lower():
        to = f"{to};tag={to_tag}"
    items += [
        ("From", (fields.get("From") or _EMPTY)[0]),
        ("To", to),
        ("Call-ID", (fields.get("Call-ID") or _EMPTY)[0]),
        ("CSeq", (fields.get("CSeq") or _EMPTY)[0]),
    ]
    if 100 < status < 300 and request.method in ("INVITE", "SUBSCRIBE"):
        items += [("Record-Route", v) for v in fields.get("Record-Route", ())]
    if extra:
        items += extra
    return Response(status, reason or REASONS.get(status, "Unknown"), Headers.trusted(items), body)


_EMPTY = ("",)
"""What a missing header is copied as."""


def header_list(value: str | None) -> list[str]:
    """Tokens of a list header such as Require or Supported, lower-cased."""
    return [part.lower() for part in split_commas(value or "")]
