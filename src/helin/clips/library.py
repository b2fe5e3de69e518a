"""Clip files loaded into a ``ClipLibrary`` for the media server: the clips helin ships and
single WAV files (the media package itself reads no files)."""

from __future__ import annotations

from pathlib import Path

from helin.media.clip import Clip, ClipLibrary, ulaw_from_wav

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
"""``<language>/<name>.wav`` speech clips and ``hold.wav`` music, 8 kHz µ-law."""
BUILT_IN = (
    "greeting",
    "comfort",
    "closed",
    "queue_full",
    "no_agents",
    "sorry",
)
"""Clip names the ACD engine uses by default."""
HOLD_MUSIC = "hold"


def default_library(language: str = "en", directory: Path = DEFAULT_DIR) -> ClipLibrary:
    """Every shipped clip; ``language`` is the fallback for clips missing in another one."""
    library = ClipLibrary(language)
    load_directory(library, directory)
    return library


def load_clip(path: Path, name: str | None = None) -> Clip:
    """A clip from a WAV file (named after the file unless ``name`` is given)."""
    return Clip(name or path.stem, ulaw_from_wav(path.read_bytes()))


def load_directory(library: ClipLibrary, root: Path) -> int:
    """Add ``root/<language>/<name>.wav`` (and ``root/<name>.wav`` without language)."""
    count = 0
    for path in sorted(root.rglob("*.wav")):
        language = path.parent.name if path.parent != root else None
        library.add(load_clip(path), language)
        count += 1
    return count
