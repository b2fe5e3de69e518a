"""Addresses on the wire, and where a response to a request goes (RFC 3261 18.2.2, RFC 3581)."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from helin.sip.headers import Via, split_commas
from helin.sip.message import Request

ADDRESSES_KEPT = 4096
"""How many hosts ``ip_of`` remembers (hosts are trunks and phones, or a flood of sources)."""


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int
    transport: str = "UDP"
    """UDP or TCP."""

    @property
    def host_port(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.host_port};transport={self.transport.lower()}"


def response_address(via: Via, source: Address) -> Address:
    """Where responses to a request that arrived from ``source`` with top ``via`` go.

    Reliable transports answer on the connection the request came in on. Over UDP the
    response goes to the ``received`` address (the source) and the ``rport`` port when the
    client asked for it, else the port in the Via (5060 if none).
    """
    if source.transport != "UDP":
        return source
    if "rport" in via.params:
        return source
    host = via.params.get("received") or source.host
    return Address(host, via.port or 5060, "UDP")


def annotate_via(value: str, via: Via, source: Address) -> str:
    """The top Via value with ``received`` and a filled-in ``rport`` added (RFC 3581)."""
    rport = "rport" in via.params and not via.params["rport"]
    if rport:
        value = _drop_empty_rport(value)
    if "received" not in via.params and (rport or via.host != source.host):
        value += f";received={source.host}"
    if rport:
        value += f";rport={source.port}"
    return value


def _drop_empty_rport(value: str) -> str:
    parts = value.split(";")
    kept = [p for p in parts if p.strip().lower() != "rport"]
    return ";".join(kept)


def annotate_top_via(request: Request, source: Address) -> None:
    """Add ``received``/``rport`` to the top Via of a request from ``source`` (RFC 3581)."""
    vias = request.via
    params = vias[0].params
    if not ("rport" in params and not params["rport"]) and (
        "received" in params or vias[0].host == source.host
    ):
        return  # annotate_via would add nothing
    line = request.headers.get_all("Via")[0]
    parts = split_commas(line)
    annotated = annotate_via(parts[0], vias[0], source)
    if annotated != parts[0]:
        request.headers.set_first("Via", ", ".join([annotated, *parts[1:]]))
        request.replace_vias([Via.parse(annotated), *vias[1:]])  # the others are unchanged


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """``host`` as an IP address (``ValueError`` if it is not one), remembered: parsing one
    costs more than a call's whole parse of its INVITE."""
    return ipaddress.ip_address(host)
