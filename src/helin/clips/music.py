"""helin's default hold music: a gentle, deterministic synthesised loop.

Four bars each of C major, A minor, F major and G major, as soft plucked arpeggios (a sine with
a little second harmonic and an exponential decay) over a quiet sustained root, 70 beats a
minute. Every note fades before the loop's end, so the loop joins without a click. The same
code always makes the same samples.
"""

from __future__ import annotations

import numpy as np

RATE = 8000
BPM = 70
CHORDS = (
    (60, 64, 67, 72),
    (57, 60, 64, 69),
    (53, 57, 60, 65),
    (55, 59, 62, 67),
)
"""MIDI notes of the progression C - Am - F - G."""
PATTERN = (0, 1, 2, 3, 2, 1, 0, 2)
"""Arpeggio: indexes into the chord, one per eighth note."""
BARS_PER_CHORD = 1
LEVEL = 0.18
"""Peak amplitude (about -15 dBFS): music under announcements must not be loud."""


def _freq(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _pluck(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(4 * np.pi * freq * t)
    attack = np.minimum(1.0, t / 0.01)
    return np.asarray(tone * attack * np.exp(-t * 3.0), dtype=np.float64)


def hold_music(repeats: int = 1, rate: int = RATE) -> np.ndarray:
    """The loop as float samples in [-1, 1]; ``repeats`` times through the progression."""
    eighth = 60.0 / BPM / 2
    bar = 8 * eighth
    total = repeats * len(CHORDS) * BARS_PER_CHORD * bar
    out = np.zeros(round(total * rate) + 1)
    step = 0
    for _ in range(repeats):
        for chord in CHORDS:
            for _ in range(BARS_PER_CHORD):
                start_bar = step * eighth
                pad = _pluck(_freq(chord[0] - 12), bar, rate) * 0.35
                begin = int(start_bar * rate)
                out[begin : begin + len(pad)] += pad[: len(out) - begin]
                for index in PATTERN:
                    note = _pluck(_freq(chord[index]), min(4 * eighth, total - step * eighth), rate)
                    begin = int(step * eighth * rate)
                    out[begin : begin + len(note)] += note[: len(out) - begin] * 0.5
                    step += 1
    fade = int(0.05 * rate)
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    out[:fade] *= np.linspace(0.0, 1.0, fade)
    return np.asarray(out / np.max(np.abs(out)) * LEVEL, dtype=np.float32)
