"""Position and estimated-wait announcements, composed from phrase and number clips.

The ACD engine asks for ``AnnouncePosition(position)`` and ``AnnounceWait(seconds)``; this
module turns them into the names of clips to play in a row, per language. Numbers 1-999 are
spoken from the clips ``n1``..``n19``, ``n20``..``n90`` and ``n100``..``n900``.
"""

from __future__ import annotations

MAX_NUMBER = 999

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "next": ("position_next",),
        "position": ("position_before", "{n}", "position_after"),
        "wait_short": ("wait_before", "wait_under_minute"),
        "wait": ("wait_before", "{n}", "{minutes}"),
    },
    "et": {
        "next": ("position_next",),
        "position": ("position_before", "{n}"),
        "wait_short": ("wait_before", "wait_under_minute"),
        "wait": ("wait_before", "{n}", "{minutes}"),
    },
}
"""Clip sequences per language; ``{n}`` is the number, ``{minutes}`` ``minute``/``minutes``."""


def number_clips(n: int) -> list[str]:
    """The clips that say ``n`` (1-999; larger numbers are said as 999)."""
    n = max(1, min(n, MAX_NUMBER))
    names: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        names.append(f"n{hundreds * 100}")
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        names.append(f"n{tens * 10}")
        if ones:
            names.append(f"n{ones}")
    elif rest:
        names.append(f"n{rest}")
    return names


def _expand(template: tuple[str, ...], n: int, minutes: str = "") -> list[str]:
    names: list[str] = []
    for item in template:
        if item == "{n}":
            names.extend(number_clips(n))
        elif item == "{minutes}":
            names.append(minutes)
        else:
            names.append(item)
    return names


def _phrases(language: str) -> dict[str, tuple[str, ...]]:
    return PHRASES.get(language, PHRASES["en"])


def position(place: int, language: str) -> list[str]:
    """Clips that tell the caller their place in the queue (1: next in line)."""
    phrases = _phrases(language)
    if place <= 1:
        return list(phrases["next"])
    return _expand(phrases["position"], place)


def wait(seconds: int, language: str) -> list[str]:
    """Clips that tell the estimated wait, rounded to whole minutes."""
    phrases = _phrases(language)
    if seconds < 60:
        return list(phrases["wait_short"])
    minutes = round(seconds / 60)
    return _expand(phrases["wait"], minutes, "minute" if minutes == 1 else "minutes")


def all_number_names() -> list[str]:
    """Every number clip name announcements can use."""
    return (
        [f"n{i}" for i in range(1, 20)]
        + [f"n{i}" for i in range(20, 100, 10)]
        + [f"n{i}" for i in range(100, 1000, 100)]
    )
