"""Test audio: tones as PCM or G.711, and the dominant frequency of a signal by FFT."""

from __future__ import annotations

import numpy as np

from helin.media import g711

RATE = 8000


def tone(freq: float, seconds: float, *, rate: int = RATE, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * level).astype(np.float32)


def pcm16(samples: np.ndarray) -> bytes:
    return bytes(np.clip(np.rint(samples * 32767), -32768, 32767).astype("<i2").tobytes())


def g711_tone(freq: float, seconds: float, law: int) -> bytes:
    return g711.encode(pcm16(tone(freq, seconds)), law)


def samples_of(payload: bytes, law: int) -> np.ndarray:
    return np.frombuffer(g711.decode(payload, law), dtype="<i2").astype(np.float64)


def dominant(samples: np.ndarray, rate: int = RATE) -> float:
    """The frequency with the most energy (Hann window)."""
    window = np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * window))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])
