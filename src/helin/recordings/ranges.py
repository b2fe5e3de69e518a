"""HTTP byte ranges (RFC 9110 section 14) for streaming a recording: pure.

One range per request is served (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``), which is what
audio elements send when they seek; a list of ranges is answered with the whole file, which
RFC 9110 allows (a server may ignore Range).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``start`` to ``end`` inclusive of a file of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class Unsatisfiable(ValueError):
    """The range lies beyond the file (HTTP 416, ``Content-Range: bytes */size``)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range ``header`` asks of a ``size``-byte file; None to send the whole file
    (no header, another unit, several ranges, or one that does not parse)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        low = int(first) if first else None
        high = int(last) if last else None
    except ValueError:
        return None
    if low is None:
        if high is None or high <= 0:
            raise Unsatisfiable(header)
        start, end = max(0, size - high), size - 1
    else:
        start, end = low, size - 1 if high is None else high
    if start < 0 or (low is not None and high is not None and high < low):
        return None
    if start >= size:
        raise Unsatisfiable(header)
    return ByteRange(start, min(end, size - 1), size)
