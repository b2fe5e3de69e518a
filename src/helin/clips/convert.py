"""Uploaded audio → helin's clip format (8 kHz mono µ-law WAV), once, at upload.

Decoding is libsndfile's (through ``soundfile``: WAV of any common sample format, and MP3),
resampling is libsoxr's (``soxr``, high quality); helin itself only mixes channels to mono and
encodes G.711 by table. A file helin cannot use is refused with ``ClipRejected``, whose
message is written for the manager who uploaded it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile
import soxr

from helin.media import g711
from helin.media.clip import wav_bytes

MAX_BYTES = 20 * 1024 * 1024
"""Largest upload accepted (20 MiB: a 10-minute MP3 at 256 kbit/s fits)."""
MAX_SECONDS = 600.0
"""Longest clip accepted (10 minutes, enough for a hold-music loop)."""
MIN_SECONDS = 0.1
FORMATS = {"WAV", "WAVEX", "MP3", "RF64"}
"""Container formats accepted (libsndfile's names)."""
SUBTYPES = {"PCM_U8", "PCM_S8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW"}
MIN_RATE, MAX_RATE = 8000, 192000
RATE = 8000


class ClipRejected(ValueError):
    """An upload helin cannot use; ``str(error)`` tells the manager why."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ConvertedClip:
    ulaw: bytes
    """The audio, 8 kHz mono µ-law."""
    duration: float
    """Seconds."""
    source_format: str
    """What was uploaded, e.g. ``WAV PCM_24 44100 Hz stereo``."""

    @property
    def wav(self) -> bytes:
        """The clip file to store."""
        return wav_bytes(self.ulaw)


def _describe(info: soundfile._SoundFileInfo) -> str:
    layout = {1: "mono", 2: "stereo"}.get(info.channels, f"{info.channels} channels")
    return f"{info.format} {info.subtype} {info.samplerate} Hz {layout}"


def convert_upload(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_seconds: float = MAX_SECONDS
) -> ConvertedClip:
    """Convert a WAV or MP3 file's bytes; raises ``ClipRejected`` with the reason."""
    if len(data) > max_bytes:
        limit = max_bytes / (1024 * 1024)
        raise ClipRejected(f"The file is larger than {limit:g} MB.")
    if not data:
        raise ClipRejected("The file is empty.")
    try:
        info = soundfile.info(io.BytesIO(data))
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        raise ClipRejected("This is not a WAV or MP3 file helin can read.") from None
    if info.format not in FORMATS:
        raise ClipRejected(f"Only WAV and MP3 files are accepted, not {info.format_info}.")
    if info.subtype not in SUBTYPES and info.format != "MP3":
        raise ClipRejected(f"WAV files must be 8, 16 or 24-bit PCM, not {info.subtype_info}.")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise ClipRejected(f"The sample rate {info.samplerate} Hz is not supported.")
    if info.channels > 2:
        raise ClipRejected("Only mono and stereo files are accepted.")
    if info.frames > max_seconds * info.samplerate:
        raise ClipRejected(f"The clip is longer than {max_seconds / 60:g} minutes.")
    try:
        audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError):
        raise ClipRejected("The file is damaged: its audio could not be decoded.") from None
    seconds = len(audio) / rate
    if seconds < MIN_SECONDS:
        raise ClipRejected("The file contains no audio.")
    if seconds > max_seconds:
        raise ClipRejected(f"The clip is longer than {max_seconds / 60:g} minutes.")
    if not np.any(np.abs(audio) > 1e-4):
        raise ClipRejected("The clip is silent.")
    ulaw = encode_ulaw(resample_mono(audio, rate))
    return ConvertedClip(ulaw=ulaw, duration=len(ulaw) / RATE, source_format=_describe(info))


def resample_mono(audio: np.ndarray, rate: int) -> np.ndarray:
    """Float audio of shape (frames, channels) → 8 kHz mono float32."""
    mono = audio.mean(axis=1, dtype=np.float32) if audio.ndim == 2 else audio
    if rate == RATE:
        return np.ascontiguousarray(mono, dtype=np.float32)
    return np.asarray(soxr.resample(mono, rate, RATE, quality="HQ"), dtype=np.float32)


def pcm16(mono: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] → int16, rounded and clipped."""
    return np.clip(np.rint(mono * 32767.0), -32768, 32767).astype(np.int16)


def encode_ulaw(mono: np.ndarray) -> bytes:
    """8 kHz mono float audio → µ-law bytes, by helin's G.711 table."""
    table = np.frombuffer(g711.encode_table(g711.PCMU), dtype=np.uint8)
    return bytes(table[pcm16(mono).view(np.uint16)].tobytes())
