"""G.711 µ-law and A-law (ITU-T G.711), by table.

Decoding uses 256-entry tables; encoding uses 65,536-entry tables indexed by the 16-bit sample
read as unsigned (``sample & 0xFFFF``). The tables follow the reference algorithm of the ITU-T
G.711 software tools (the one CCITT/Sun's ``g711.c`` and Python's ``audioop`` implement):
µ-law from the top 14 bits, A-law from the top 13 bits, both truncating.

Audio elsewhere in helin is 16-bit signed little-endian PCM at 8 kHz (``bytes``).
"""

from __future__ import annotations

import array
import sys
from functools import cache

PCMU = 0
"""Static RTP payload type of µ-law."""
PCMA = 8
"""Static RTP payload type of A-law."""
SILENCE = {PCMU: 0xFF, PCMA: 0xD5}
"""The code of a zero sample, per payload type."""

_ULAW_END = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_ALAW_END = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for index, end in enumerate(ends):
        if value <= end:
            return index
    return len(ends)


def ulaw_from_linear(sample: int) -> int:
    """One 16-bit signed sample to its µ-law code (reference algorithm)."""
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, 8159) + 0x21
    seg = _segment(value, _ULAW_END)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((value >> (seg + 1)) & 0xF)) ^ mask


def alaw_from_linear(sample: int) -> int:
    """One 16-bit signed sample to its A-law code (reference algorithm)."""
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask, value = 0x55, -value - 1
    seg = _segment(value, _ALAW_END)
    if seg >= 8:
        return 0x7F ^ mask
    quant = (value >> 1) & 0xF if seg < 2 else (value >> seg) & 0xF
    return ((seg << 4) | quant) ^ mask


def linear_from_ulaw(code: int) -> int:
    """One µ-law code to its 16-bit signed sample."""
    code = ~code & 0xFF
    t = (((code & 0x0F) << 3) + 0x84) << ((code & 0x70) >> 4)
    return 0x84 - t if code & 0x80 else t - 0x84


def linear_from_alaw(code: int) -> int:
    """One A-law code to its 16-bit signed sample."""
    code ^= 0x55
    t = code & 0x0F
    seg = (code & 0x70) >> 4
    t = (t + t + 1 + 32) << (seg + 2) if seg else (t + t + 1) << 3
    return t if code & 0x80 else -t


ULAW_DECODE: tuple[int, ...] = tuple(linear_from_ulaw(c) for c in range(256))
"""µ-law code → 16-bit sample."""
ALAW_DECODE: tuple[int, ...] = tuple(linear_from_alaw(c) for c in range(256))
"""A-law code → 16-bit sample."""
ULAW_TO_ALAW: bytes = bytes(alaw_from_linear(s) for s in ULAW_DECODE)
"""``bytes.translate`` table transcoding a µ-law payload to A-law."""
ALAW_TO_ULAW: bytes = bytes(ulaw_from_linear(s) for s in ALAW_DECODE)
"""``bytes.translate`` table transcoding an A-law payload to µ-law."""


def _byte_tables(decode: tuple[int, ...]) -> tuple[bytes, bytes]:
    words = [s & 0xFFFF for s in decode]
    return bytes(w & 0xFF for w in words), bytes(w >> 8 for w in words)


_DECODE_BYTES = {PCMU: _byte_tables(ULAW_DECODE), PCMA: _byte_tables(ALAW_DECODE)}


@cache
def encode_table(payload_type: int) -> bytes:
    """The 65,536-entry encode table of ``PCMU`` or ``PCMA``, index ``sample & 0xFFFF``."""
    one = ulaw_from_linear if payload_type == PCMU else alaw_from_linear
    return bytes(one(i - 0x10000 if i & 0x8000 else i) for i in range(0x10000))


def decode(payload: bytes, payload_type: int) -> bytes:
    """G.711 payload to 16-bit little-endian PCM (two table translations, no Python loop)."""
    low, high = _DECODE_BYTES[payload_type]
    out = bytearray(2 * len(payload))
    out[0::2] = payload.translate(low)
    out[1::2] = payload.translate(high)
    return bytes(out)


def encode(pcm: bytes, payload_type: int) -> bytes:
    """16-bit little-endian PCM to a G.711 payload."""
    samples = array.array("H")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    table = encode_table(payload_type)
    return bytes(table[s] for s in samples)


def transcode_table(source: int, target: int) -> bytes | None:
    """The ``bytes.translate`` table from one payload type to the other; None when equal."""
    if source == target:
        return None
    return ULAW_TO_ALAW if source == PCMU else ALAW_TO_ULAW
