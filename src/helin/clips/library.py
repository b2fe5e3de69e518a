"""The clips helin ships, loaded into a ``ClipLibrary`` for the media server."""

from __future__ import annotations

from pathlib import Path

from helin.media.clip import ClipLibrary

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
    library.load_directory(directory)
    return library
