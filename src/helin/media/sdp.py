"""SDP (RFC 4566) parsing and serialising, and offer/answer (RFC 3264) for one audio stream.

helin speaks PCMU and PCMA at 8 kHz with 20 ms packets and RFC 4733 telephone-events. An
offer is answered with the first of its codecs helin supports (the offerer's preference); an
offer with none gets ``NoCommonCodec``, which the SIP layer answers with 488. Hold is
understood both ways: a peer's ``sendonly``, ``inactive`` or ``c=0.0.0.0`` is mirrored in the
answer, and ``MediaParams`` says whether each side may send.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from enum import StrEnum

from helin.media.g711 import PCMA, PCMU

TELEPHONE_EVENT = "telephone-event"
STATIC = {PCMU: ("PCMU", 8000), PCMA: ("PCMA", 8000)}
"""Static payload types helin understands without an rtpmap."""
NAMES = {"PCMU": PCMU, "PCMA": PCMA}
DEFAULT_DTMF_PT = 101
PTIME = 20


class SdpError(ValueError):
    """A peer's SDP that helin cannot read or use (answer 400, or 488 for ``NoCommonCodec``)."""


class NoCommonCodec(SdpError):
    """The offer has no audio stream in a codec helin speaks (SIP: 488 Not Acceptable Here)."""


class Direction(StrEnum):
    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @property
    def sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)

    @classmethod
    def of(cls, sends: bool, receives: bool) -> Direction:
        if sends:
            return cls.SENDRECV if receives else cls.SENDONLY
        return cls.RECVONLY if receives else cls.INACTIVE

    def mirrored(self) -> Direction:
        """The direction an answer gives to this offered direction."""
        return Direction.of(self.receives, self.sends)


@dataclass(frozen=True, kw_only=True, slots=True)
class Media:
    """One ``m=`` section."""

    kind: str = "audio"
    port: int
    proto: str = "RTP/AVP"
    formats: tuple[str, ...]
    connection: str | None = None
    """The section's ``c=`` address, if it has its own."""
    rtpmap: dict[int, tuple[str, int]] = field(default_factory=dict)
    """Payload type → (encoding name, clock rate)."""
    fmtp: dict[int, str] = field(default_factory=dict)
    direction: Direction | None = None
    """None: not stated here (the session-level direction, else sendrecv, applies)."""
    ptime: int | None = None
    other: tuple[str, ...] = ()
    """Other ``a=`` lines, without the ``a=``, kept in order."""

    def codec(self, payload_type: int) -> tuple[str, int] | None:
        """(name, clock rate) of a payload type of this section."""
        if payload_type in self.rtpmap:
            return self.rtpmap[payload_type]
        return STATIC.get(payload_type)


@dataclass(frozen=True, kw_only=True, slots=True)
class SessionDescription:
    origin_user: str = "-"
    session_id: int
    version: int
    origin_address: str
    name: str = "-"
    connection: str | None = None
    """Session-level ``c=`` address."""
    direction: Direction | None = None
    """Session-level direction attribute."""
    media: tuple[Media, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class MediaParams:
    """What an offer/answer exchange settled for helin's side of one audio stream."""

    remote_address: str | None
    """Where to send RTP (None on old-style hold with ``c=0.0.0.0``)."""
    remote_port: int
    codec: int
    """PCMU (0) or PCMA (8): the G.711 law."""
    payload_type: int
    """Payload type of the audio on the wire (the codec's static type, unless remapped)."""
    dtmf_payload_type: int | None
    """Telephone-event payload type, when both sides have it."""
    send: bool
    """helin may send media."""
    receive: bool
    """The peer will send media."""


def _addr_type(address: str) -> str:
    return "IP6" if ipaddress.ip_address(address).version == 6 else "IP4"


def _parse_connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"bad c= line {value!r}")
    address = parts[2].split("/")[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise SdpError(f"bad connection address {address!r}") from None
    return address


def parse(data: bytes | str) -> SessionDescription:
    """A session description from the body of a SIP message; raises ``SdpError``."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    session: dict[str, object] = {}
    media: list[dict[str, object]] = []
    origin: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"bad SDP line {line[:40]!r}")
        key, value = line[0], line[2:]
        target = media[-1] if media else session
        if key == "v" and value != "0":
            raise SdpError("SDP version must be 0")
        if key == "o":
            origin = value.split()
            if len(origin) != 6 or not origin[1].isdigit() or not origin[2].isdigit():
                raise SdpError(f"bad o= line {value!r}")
        elif key == "s":
            session["name"] = value
        elif key == "c":
            target["connection"] = _parse_connection(value)
        elif key == "m":
            media.append(_parse_m(value))
        elif key == "a":
            _parse_attribute(target, value)
    if origin is None:
        raise SdpError("SDP without an o= line")
    for m in media:
        m["other"] = tuple(m["other"])  # type: ignore[arg-type]
    sections = tuple(Media(**m) for m in media)  # type: ignore[arg-type]
    return SessionDescription(
        origin_user=origin[0],
        session_id=int(origin[1]),
        version=int(origin[2]),
        origin_address=origin[5],
        name=str(session.get("name", "-")),
        connection=session.get("connection"),  # type: ignore[arg-type]
        direction=session.get("direction"),  # type: ignore[arg-type]
        media=sections,
    )


def _parse_m(value: str) -> dict[str, object]:
    parts = value.split()
    if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
        raise SdpError(f"bad m= line {value!r}")
    return {
        "kind": parts[0],
        "port": int(parts[1].split("/")[0]),
        "proto": parts[2],
        "formats": tuple(parts[3:]),
        "rtpmap": {},
        "fmtp": {},
        "other": [],
    }


def _parse_attribute(target: dict[str, object], value: str) -> None:
    name, _, rest = value.partition(":")
    if name in Direction.__members__.values():
        target["direction"] = Direction(name)
    elif name == "rtpmap" and "formats" in target:
        pt, _, encoding = rest.partition(" ")
        parts = encoding.split("/")
        if not pt.isdigit() or len(parts) < 2 or not parts[1].isdigit():
            raise SdpError(f"bad rtpmap {rest!r}")
        target["rtpmap"][int(pt)] = (parts[0], int(parts[1]))  # type: ignore[index]
    elif name == "fmtp" and "formats" in target:
        pt, _, params = rest.partition(" ")
        if pt.isdigit():
            target["fmtp"][int(pt)] = params  # type: ignore[index]
    elif name == "ptime" and "formats" in target and rest.isdigit():
        target["ptime"] = int(rest)
    elif "formats" in target:
        target["other"].append(value)  # type: ignore[attr-defined]


def serialise(sd: SessionDescription) -> bytes:
    """The SDP text, CRLF line ends, as a SIP body."""
    address = sd.origin_address
    lines = [
        "v=0",
        f"o={sd.origin_user} {sd.session_id} {sd.version} IN {_addr_type(address)} {address}",
        f"s={sd.name}",
    ]
    if sd.connection:
        lines.append(f"c=IN {_addr_type(sd.connection)} {sd.connection}")
    lines.append("t=0 0")
    if sd.direction:
        lines.append(f"a={sd.direction}")
    for m in sd.media:
        lines.append(f"m={m.kind} {m.port} {m.proto} {' '.join(m.formats)}")
        if m.connection:
            lines.append(f"c=IN {_addr_type(m.connection)} {m.connection}")
        for pt, (name, rate) in m.rtpmap.items():
            lines.append(f"a=rtpmap:{pt} {name}/{rate}")
        lines.extend(f"a=fmtp:{pt} {params}" for pt, params in m.fmtp.items())
        if m.ptime:
            lines.append(f"a=ptime:{m.ptime}")
        lines.extend(f"a={line}" for line in m.other)
        if m.direction:
            lines.append(f"a={m.direction}")
    return ("\r\n".join(lines) + "\r\n").encode()


def _audio_section(
    port: int, codecs: tuple[int, ...], dtmf: int | None, direction: Direction
) -> Media:
    rtpmap = {pt: STATIC[pt] for pt in codecs}
    formats = [str(pt) for pt in codecs]
    fmtp: dict[int, str] = {}
    if dtmf is not None:
        rtpmap[dtmf] = (TELEPHONE_EVENT, 8000)
        fmtp[dtmf] = "0-16"
        formats.append(str(dtmf))
    return Media(
        port=port,
        formats=tuple(formats),
        rtpmap=rtpmap,
        fmtp=fmtp,
        ptime=PTIME,
        direction=direction,
    )


def make_offer(
    address: str,
    port: int,
    *,
    session_id: int,
    version: int,
    codecs: tuple[int, ...] = (PCMU, PCMA),
    direction: Direction = Direction.SENDRECV,
) -> SessionDescription:
    """An offer of one audio stream on ``address``:``port``."""
    return SessionDescription(
        session_id=session_id,
        version=version,
        origin_address=address,
        connection=address,
        media=(_audio_section(port, codecs, DEFAULT_DTMF_PT, direction),),
    )


def _effective(sd: SessionDescription, m: Media) -> tuple[str | None, Direction]:
    """Where the peer receives (None: nowhere) and the direction it stated."""
    address = m.connection or sd.connection
    if address is None:
        raise SdpError("audio stream without a connection address")
    direction = m.direction or sd.direction or Direction.SENDRECV
    if ipaddress.ip_address(address).is_unspecified:
        return None, Direction.of(direction.sends, False)
    return address, direction


def _dtmf_of(m: Media) -> int | None:
    for fmt in m.formats:
        if fmt.isdigit():
            codec = m.codec(int(fmt))
            if codec and codec[0].lower() == TELEPHONE_EVENT and codec[1] == 8000:
                return int(fmt)
    return None


def _first_codec(m: Media, supported: tuple[int, ...]) -> int | None:
    for fmt in m.formats:
        if not fmt.isdigit():
            continue
        codec = m.codec(int(fmt))
        if codec and codec[1] == 8000 and NAMES.get(codec[0].upper()) in supported:
            return int(fmt)
    return None


def answer(
    offer: SessionDescription,
    address: str,
    port: int,
    *,
    session_id: int,
    version: int,
    supported: tuple[int, ...] = (PCMU, PCMA),
    local: Direction = Direction.SENDRECV,
) -> tuple[SessionDescription, MediaParams]:
    """The answer to a peer's offer, and what it settles; ``local`` narrows the direction
    (helin holding the peer). Raises ``NoCommonCodec`` or ``SdpError``."""
    sections: list[Media] = []
    params: MediaParams | None = None
    for m in offer.media:
        pt = None
        if params is None and m.kind == "audio" and m.port and m.proto == "RTP/AVP":
            pt = _first_codec(m, supported)
        if pt is None:
            sections.append(Media(kind=m.kind, port=0, proto=m.proto, formats=m.formats[:1]))
            continue
        remote, offered = _effective(offer, m)
        codec = m.codec(pt)
        assert codec is not None
        dtmf = _dtmf_of(m)
        ours = Direction.of(offered.receives and local.sends, offered.sends and local.receives)
        section = _audio_section(port, (), None, ours)
        rtpmap = {pt: (codec[0], 8000)}
        formats = [str(pt)]
        fmtp: dict[int, str] = {}
        if dtmf is not None:
            rtpmap[dtmf] = (TELEPHONE_EVENT, 8000)
            formats.append(str(dtmf))
            fmtp[dtmf] = m.fmtp.get(dtmf, "0-16")
        sections.append(replace(section, formats=tuple(formats), rtpmap=rtpmap, fmtp=fmtp))
        params = MediaParams(
            remote_address=remote,
            remote_port=m.port,
            codec=NAMES[codec[0].upper()],
            payload_type=pt,
            dtmf_payload_type=dtmf,
            send=ours.sends and remote is not None,
            receive=ours.receives,
        )
    if params is None:
        raise NoCommonCodec("no audio stream in PCMU or PCMA at 8000 Hz over RTP/AVP")
    sd = SessionDescription(
        session_id=session_id,
        version=version,
        origin_address=address,
        connection=address,
        media=tuple(sections),
    )
    return sd, params


def accept_answer(offer: SessionDescription, reply: SessionDescription) -> MediaParams:
    """What the peer's answer to helin's ``offer`` settles; raises ``SdpError``."""
    if not offer.media or len(reply.media) != len(offer.media):
        raise SdpError("the answer does not have one m= line per offered m= line")
    m = reply.media[0]
    offered = tuple(int(f) for f in offer.media[0].formats if f.isdigit())
    supported = tuple(NAMES[STATIC[pt][0]] for pt in offered if pt in STATIC)
    pt = _first_codec(m, supported) if m.port else None
    if pt is None:
        raise NoCommonCodec("the answer accepted none of the offered codecs")
    codec = m.codec(pt)
    assert codec is not None
    remote, theirs = _effective(reply, m)
    ours = offer.media[0].direction or Direction.SENDRECV
    return MediaParams(
        remote_address=remote,
        remote_port=m.port,
        codec=NAMES[codec[0].upper()],
        payload_type=pt,
        dtmf_payload_type=_dtmf_of(m),
        send=theirs.receives and ours.sends and remote is not None,
        receive=theirs.sends and ours.receives,
    )
