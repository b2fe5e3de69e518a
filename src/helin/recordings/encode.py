"""A finished stereo WAV (caller left, agent right) converted to the stored format through
libsndfile (``soundfile``), a block at a time so memory stays bounded however long the call."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import soundfile

from helin.recordings.policy import FORMATS

BLOCK = 8000 * 10
"""Frames converted at a time (10 s at 8 kHz)."""


@dataclass(frozen=True, slots=True)
class Encoded:
    path: Path
    size: int
    sha256: str


def encode(wav: Path, out: Path, fmt: str) -> Encoded:
    """Write ``wav`` to ``out`` in ``fmt`` (``policy.FORMATS``), synced; its size and digest.
    For ``wav`` the file is copied as it is."""
    target = FORMATS[fmt]
    if fmt == "wav":
        data = wav.read_bytes()
        out.write_bytes(data)
    else:
        with (
            soundfile.SoundFile(wav) as src,
            soundfile.SoundFile(
                out,
                "w",
                samplerate=src.samplerate,
                channels=src.channels,
                format=target.container,
                subtype=target.subtype,
            ) as dst,
        ):
            for block in src.blocks(BLOCK, dtype="int16"):
                dst.write(block)
    digest = hashlib.sha256()
    with out.open("rb") as written:
        while chunk := written.read(1 << 20):
            digest.update(chunk)
        os.fsync(written.fileno())
    return Encoded(out, out.stat().st_size, digest.hexdigest())
