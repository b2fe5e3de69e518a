"""DTMF received as RFC 4733 telephone-events: each key press reported once.

An event's packets share one RTP timestamp; the last three carry the end bit and repeat. The
first packet of a new timestamp reports the digit; later packets of the same event, and the
retransmitted ends, are ignored. An event whose first packets were lost is reported from
whichever packet arrives first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

EVENTS = "0123456789*#ABCD"
"""Event codes 0-15 as characters (RFC 4733 section 3.2)."""
_EVENT = struct.Struct("!BBH")


@dataclass(frozen=True, kw_only=True, slots=True)
class TelephoneEvent:
    event: int
    end: bool
    volume: int
    """Power level in -dBm0 (0-63)."""
    duration: int
    """Duration so far, in timestamp units."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DtmfDigit:
    """A key the peer pressed."""

    digit: str
    """One of ``0123456789*#ABCD``."""
    timestamp: int
    """RTP timestamp of the event (identifies it)."""


def parse_event(payload: bytes) -> TelephoneEvent | None:
    """The first event of a telephone-event payload; None when it is too short."""
    if len(payload) < 4:
        return None
    event, flags, duration = _EVENT.unpack_from(payload)
    return TelephoneEvent(
        event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration
    )


def build_event(event: int, *, end: bool, duration: int, volume: int = 10) -> bytes:
    """A telephone-event payload (for tests and for sending DTMF)."""
    return _EVENT.pack(event, (0x80 if end else 0) | (volume & 0x3F), duration & 0xFFFF)


class DtmfReceiver:
    """Turns one leg's telephone-event packets into digits, once per key press."""

    __slots__ = ("_reported",)

    def __init__(self) -> None:
        self._reported: list[int] = []
        """Timestamps of the last few events reported (a short memory, newest last)."""

    def feed(self, payload: bytes, timestamp: int) -> DtmfDigit | None:
        """A telephone-event payload arrived with this RTP timestamp."""
        parsed = parse_event(payload)
        if parsed is None or parsed.event >= len(EVENTS):
            return None
        if timestamp in self._reported:
            return None
        self._reported.append(timestamp)
        if len(self._reported) > 8:
            del self._reported[0]
        return DtmfDigit(digit=EVENTS[parsed.event], timestamp=timestamp)
