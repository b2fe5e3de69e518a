"""Clips as helin plays them: G.711 frames of 20 ms, read from 8 kHz mono WAV files.

Every clip file helin keeps (shipped defaults and converted uploads) is a WAV of 8 kHz mono
µ-law (format tag 7) or 16-bit PCM. A ``Clip`` holds it as µ-law and splits it into 160-byte
frames per codec, once, so that playing costs an index per tick.
"""

from __future__ import annotations

import struct

from helin.media import g711
from helin.media.rtp import FRAME_SAMPLES

WAVE_PCM = 1
WAVE_MULAW = 7


class ClipFileError(ValueError):
    """A clip file that is not an 8 kHz mono µ-law or 16-bit WAV."""


class Clip:
    """A named piece of audio, ready to send."""

    __slots__ = ("_frames", "name", "ulaw")

    def __init__(self, name: str, ulaw: bytes) -> None:
        pad = -len(ulaw) % FRAME_SAMPLES
        self.name = name
        """The clip's name (``greeting``, ``n7``, or an uploaded clip's id)."""
        self.ulaw = ulaw + b"\xff" * pad
        """The audio as µ-law, padded with silence to whole frames."""
        self._frames: dict[int, tuple[bytes, ...]] = {}

    @property
    def duration(self) -> float:
        """Seconds."""
        return len(self.ulaw) / 8000

    def frames(self, codec: int) -> tuple[bytes, ...]:
        """The 20 ms payloads in ``g711.PCMU`` or ``g711.PCMA``."""
        cached = self._frames.get(codec)
        if cached is None:
            table = g711.transcode_table(g711.PCMU, codec)
            audio = self.ulaw if table is None else self.ulaw.translate(table)
            cached = tuple(
                audio[i : i + FRAME_SAMPLES] for i in range(0, len(audio), FRAME_SAMPLES)
            )
            self._frames[codec] = cached
        return cached

    def __repr__(self) -> str:
        return f"Clip({self.name!r}, {self.duration:.2f} s)"


def wav_bytes(ulaw: bytes) -> bytes:
    """An 8 kHz mono µ-law WAV file holding ``ulaw``."""
    pad = b"\0" if len(ulaw) % 2 else b""
    fmt = struct.pack("<HHIIHHH", WAVE_MULAW, 1, 8000, 8000, 1, 8, 0)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"fact"
        + struct.pack("<II", 4, len(ulaw))
        + b"data"
        + struct.pack("<I", len(ulaw))
        + ulaw
        + pad
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ulaw_from_wav(data: bytes) -> bytes:
    """The audio of an 8 kHz mono µ-law or 16-bit PCM WAV, as µ-law; raises ``ClipFileError``."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ClipFileError("not a WAV file")
    offset, fmt, audio = 12, None, None
    while offset + 8 <= len(data):
        kind, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        chunk = data[offset + 8 : offset + 8 + size]
        if kind == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", chunk) if len(chunk) >= 16 else None
        elif kind == b"data":
            audio = chunk
        offset += 8 + size + (size & 1)
    if fmt is None or audio is None:
        raise ClipFileError("WAV file without a fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    if channels != 1 or rate != 8000:
        raise ClipFileError(f"clip files must be 8 kHz mono, not {rate} Hz x {channels}")
    if tag == WAVE_MULAW and bits == 8:
        return bytes(audio)
    if tag == WAVE_PCM and bits == 16:
        return g711.encode(bytes(audio[: len(audio) & ~1]), g711.PCMU)
    raise ClipFileError(f"clip files must be µ-law or 16-bit PCM, not format {tag}/{bits} bits")


class ClipLibrary:
    """Clips by name and language, with fallback to the default language.

    Built-in clips exist per language (``greeting`` in ``en`` and ``et``); uploaded clips are
    added without a language and are found in every language.
    """

    def __init__(self, default_language: str = "en") -> None:
        self.default_language = default_language
        """Used when a clip is missing in the language asked for."""
        self._clips: dict[tuple[str | None, str], Clip] = {}

    def add(self, clip: Clip, language: str | None = None) -> None:
        self._clips[(language, clip.name)] = clip

    def remove(self, name: str, language: str | None = None) -> None:
        self._clips.pop((language, name), None)

    def remove_prefix(self, prefix: str) -> None:
        """Drop every language-neutral clip whose name starts with ``prefix`` (a tenant's)."""
        for key in [k for k in self._clips if k[0] is None and k[1].startswith(prefix)]:
            del self._clips[key]

    def __contains__(self, name: str) -> bool:
        return any(key[1] == name for key in self._clips)

    def get(self, name: str, language: str | None = None) -> Clip | None:
        for key in ((None, name), (language, name), (self.default_language, name)):
            clip = self._clips.get(key)
            if clip is not None:
                return clip
        return None

    def languages(self) -> set[str]:
        return {lang for lang, _ in self._clips if lang is not None}
