"""Regenerate helin's default clips: ``python -m helin.clips.make [--out DIR]``.

Speech comes from espeak-ng (``-v en``, ``-v et``, fixed speed and pitch), runs through the
same conversion as an upload (``convert_upload``), and has its leading and trailing silence
trimmed so that composed announcements flow. The hold music comes from ``music.hold_music``.
The files are 8 kHz mono µ-law WAVs under ``src/helin/clips/default/``; with the same
espeak-ng version the output is byte-for-byte the same.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from helin.clips.convert import encode_ulaw, resample_mono
from helin.clips.library import DEFAULT_DIR
from helin.clips.music import hold_music
from helin.clips.phrases import PHRASES, VOICES, texts
from helin.media.clip import wav_bytes

SPEED = 150
"""espeak-ng words per minute."""
PITCH = 45
KEEP_SILENCE = 0.04
"""Seconds of silence kept before and after speech."""
THRESHOLD = 0.01


def speak(text: str, voice: str) -> tuple[np.ndarray, int]:
    """espeak-ng's rendering of ``text`` as float mono samples and their rate."""
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        command = ["espeak-ng", "-v", voice, "-s", str(SPEED), "-p", str(PITCH), "-w", str(out)]
        subprocess.run([*command, text], check=True, capture_output=True)
        audio, rate = soundfile.read(out, dtype="float32", always_2d=True)
    return audio, int(rate)


def trim(mono: np.ndarray, rate: int) -> np.ndarray:
    """Cut leading and trailing silence, keeping ``KEEP_SILENCE`` seconds."""
    loud = np.flatnonzero(np.abs(mono) > THRESHOLD)
    if not len(loud):
        return mono
    keep = int(KEEP_SILENCE * rate)
    return mono[max(0, loud[0] - keep) : loud[-1] + keep]


def make(out: Path) -> list[Path]:
    """Write every default clip under ``out``; returns the files written."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed (Debian package espeak-ng)")
    written: list[Path] = []
    for language in sorted(PHRASES):
        folder = out / language
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts(language).items():
            audio, rate = speak(text, VOICES[language])
            mono = trim(resample_mono(audio, rate), 8000)
            path = folder / f"{name}.wav"
            path.write_bytes(wav_bytes(encode_ulaw(mono)))
            written.append(path)
    path = out / "hold.wav"
    path.write_bytes(wav_bytes(encode_ulaw(hold_music())))
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="target directory")
    args = parser.parse_args(argv)
    written = make(args.out)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} clips, {size / 1024:.0f} KiB, under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
