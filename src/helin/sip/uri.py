"""SIP URIs (RFC 3261 section 19.1) and name-addr values (From, To, Contact, Route)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from helin.sip.errors import RemoteProtocolError
from helin.sip.headers import format_params, is_token, parse_params, quote, split_host_port, unquote


@dataclass(frozen=True, slots=True)
class SipUri:
    scheme: str
    host: str
    user: str | None = None
    password: str | None = None
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str = ""
    """The ``?name=value&...`` part, unparsed, without the ``?``."""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        scheme, colon, rest = text.strip().partition(":")
        scheme = scheme.lower()
        if not colon or scheme not in ("sip", "sips"):
            raise RemoteProtocolError(416, "Unsupported URI Scheme")
        user = password = None
        at = rest.find("@")
        if at >= 0:
            userinfo, rest = rest[:at], rest[at + 1 :]
            user, _, pw = userinfo.partition(":")
            password = pw if _ else None
            if not user:
                raise RemoteProtocolError(400, "Bad user part in URI")
        rest, _, headers = rest.partition("?")
        hostport, _, params = rest.partition(";")
        host, port = split_host_port(hostport, "URI")
        return cls(scheme, host.lower(), user, password, port, parse_params(params, "URI"), headers)

    def __str__(self) -> str:
        userinfo = ""
        if self.user is not None:
            userinfo = self.user + (f":{self.password}" if self.password is not None else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{userinfo}{host}{port}{format_params(self.params)}{headers}"

    @property
    def transport(self) -> str:
        value = self.params.get("transport")
        return value.upper() if value else ("TLS" if self.scheme == "sips" else "UDP")

    def with_params(self, **params: str | None) -> SipUri:
        return replace(self, params={**self.params, **params})


def parse_uri(text: str) -> SipUri:
    return SipUri.parse(text)


_TOKEN = r"[-.!%*_+`'~A-Za-z0-9]+"
_SIMPLE_NAME_ADDR = re.compile(
    rf'(?:"([^"\\]*)"[ \t]*|({_TOKEN}(?:[ \t]+{_TOKEN})*)[ \t]*)?<([^<>\s]+)>[ \t]*(;.*)?', re.S
)
"""``"Display" <uri>;params``, ``Display Words <uri>``, ``<uri>``, without escapes or odd blanks:
the common forms, which the general path in ``NameAddr.parse`` reads the same way."""


_NAME_ADDRS: dict[str, NameAddr] = {}
"""Values parsed lately (immutable, so shared): a call's requests repeat its From and To."""
_MAX_CACHED = 1024


@dataclass(frozen=True, slots=True)
class NameAddr:
    """``"Display" <sip:user@host>;tag=x`` (or the bare addr-spec form)."""

    uri: str
    """The URI as written; ``sip_uri`` parses it."""
    display_name: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    @property
    def sip_uri(self) -> SipUri:
        return SipUri.parse(self.uri)

    @classmethod
    def parse(cls, value: str, what: str = "address") -> NameAddr:
        known = _NAME_ADDRS.get(value)
        if known is not None:
            return known
        parsed = cls._parse(value, what)
        if len(_NAME_ADDRS) >= _MAX_CACHED:
            _NAME_ADDRS.clear()
        _NAME_ADDRS[value] = parsed
        return parsed

    @classmethod
    def _parse(cls, value: str, what: str) -> NameAddr:
        text = value.strip()
        display: str | None = None
        simple = _SIMPLE_NAME_ADDR.fullmatch(text)
        if simple is not None:
            quoted, words, uri, rest = simple.groups()
            if ":" not in uri:
                raise RemoteProtocolError(400, f"Bad URI in {what}")
            display = quoted if quoted is not None else " ".join(words.split()) if words else None
            return cls(uri, display, parse_params(rest or "", what))
        if text.startswith('"'):
            display, text = unquote(text)
            text = text.lstrip()
            if not text.startswith("<"):
                raise RemoteProtocolError(400, f"Bad {what}")
        lt = text.find("<")
        if lt >= 0:
            gt = text.find(">", lt)
            if gt < 0:
                raise RemoteProtocolError(400, f"Bad {what}: no closing >")
            if display is None:
                display = " ".join(text[:lt].split()) or None
                if display is not None and not all(is_token(word) for word in display.split()):
                    raise RemoteProtocolError(400, f"Bad display name in {what}")
            uri, rest = text[lt + 1 : gt].strip(), text[gt + 1 :].strip()
        else:
            uri, _, rest = text.partition(";")
            uri, rest = uri.strip(), ";" + rest
            if any(ch in uri for ch in " ,?"):
                raise RemoteProtocolError(400, f"Bad {what}")
        if ":" not in uri:
            raise RemoteProtocolError(400, f"Bad URI in {what}")
        if rest and not rest.startswith(";"):
            raise RemoteProtocolError(400, f"Bad {what}")
        return cls(uri, display, parse_params(rest, what))

    def __str__(self) -> str:
        display = f"{quote(self.display_name)} " if self.display_name else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"

    def with_tag(self, tag: str) -> NameAddr:
        return replace(self, params={**self.params, "tag": tag})
