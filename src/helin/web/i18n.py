"""The web app's words: one small JSON catalogue per language (``i18n/<code>.json``).

The language is the ``helin_lang`` cookie's when it names a known one, else the browser's
first known ``Accept-Language``, else English. A key missing from a catalogue falls back to
English, then to the key itself (a test checks every catalogue has every key).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("en", "et")
DEFAULT = "en"
COOKIE = "helin_lang"


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every UI string of ``language`` (one of ``LANGUAGES``)."""
    if language not in LANGUAGES:
        raise KeyError(language)
    text = resources.files("helin.web").joinpath("i18n", f"{language}.json").read_text("utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The language to answer in."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


class Translator:
    """``t("agent.title")`` in templates."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.strings = catalogue(language)
        self._fallback = catalogue(DEFAULT)

    def __call__(self, key: str) -> str:
        return self.strings.get(key) or self._fallback.get(key) or key
