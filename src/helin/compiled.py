"""Which build of helin's hot path runs: the modules below compiled to C extensions with mypyc
(``make compile``, done by ``make run`` and ``make test`` where a C compiler is present), or
the same modules as plain Python, which behave identically and are the fallback.

The compiled extensions sit beside their sources. ``select``, called when ``helin`` is
imported, decides once for the whole process, because compiled modules call each other
directly and cannot be mixed with interpreted copies of one another:

- ``HELIN_BUILD=pure``: the sources, even where extensions exist;
- ``HELIN_BUILD=compiled``: the extensions, and an ``ImportError`` if any is missing or older
  than its source (the test run uses it, so that "compiled" cannot quietly mean "pure");
- unset or ``auto``: the extensions if every one is present and newer than its source, else
  the sources (an edited module is never shadowed by a stale extension).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

ENV = "HELIN_BUILD"
GROUP = "helin_native"
"""The shared library mypyc puts the compiled code of all the modules in (beside ``helin``)."""

MODULES = (
    # SIP: the parser, the transaction layer, dialogs and digest
    "helin.sip.errors",
    "helin.sip.wire",
    "helin.sip.uri",
    "helin.sip.headers",
    "helin.sip.message",
    "helin.sip.digest",
    "helin.sip.ratelimit",
    "helin.sip.transaction",
    "helin.sip.transaction_layer",
    "helin.sip.dialog",
    # the transaction user: the stack's adapter, user agent, legs, registrar, authentication
    "helin.switch.sipstack",
    "helin.switch.useragent",
    "helin.switch.legs",
    "helin.switch.registrar",
    "helin.switch.authenticator",
    # media: the relay's per-packet path, its statistics, DTMF and the recording spool
    "helin.media.g711",
    "helin.media.rtp",
    "helin.media.rtcp",
    "helin.media.dtmf",
    "helin.media.sdp",
    "helin.media.negotiation",
    "helin.media.recorder",
    "helin.media.relay",
    "helin.switch.recording",
)

SRC = Path(__file__).resolve().parent.parent
"""The directory holding the ``helin`` package (``src`` in a checkout)."""
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def source_of(module: str, root: Path = SRC) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def extension_of(module: str, root: Path = SRC) -> Path:
    return root.joinpath(*module.split(".")).with_name(module.rpartition(".")[2] + SUFFIX)


def group_library(root: Path = SRC) -> Path:
    return root / (GROUP + "__mypyc" + SUFFIX)


def stale(root: Path = SRC, modules: Sequence[str] = MODULES) -> list[str]:
    """What keeps the compiled build from running: each missing or outdated extension."""
    problems = []
    group = group_library(root)
    if not group.is_file():
        problems.append(f"{group.name} missing")
    newest_source = 0.0
    for module in modules:
        source, extension = source_of(module, root), extension_of(module, root)
        newest_source = max(newest_source, source.stat().st_mtime)
        if not extension.is_file():
            problems.append(f"{module} not compiled")
        elif extension.stat().st_mtime < source.stat().st_mtime:
            problems.append(f"{module} changed since it was compiled")
    if group.is_file() and group.stat().st_mtime < newest_source:
        problems.append(f"{group.name} older than the sources")
    return problems


class _Sources(importlib.abc.MetaPathFinder):
    """Imports the listed modules from their ``.py`` files, ahead of the extensions."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source_of(fullname))


BUILD = "not selected"
"""The build this process runs, in words (``helin serve`` logs it at start)."""


def select() -> str:
    """Choose the build for this process (once; later calls return the choice)."""
    global BUILD
    if BUILD != "not selected":
        return BUILD
    wanted = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if wanted not in ("auto", "compiled", "pure"):
        raise ImportError(f"{ENV}={wanted!r}: use auto, compiled or pure")
    problems = [] if wanted == "pure" else stale()
    if wanted == "compiled" and problems:
        raise ImportError(f"{ENV}=compiled but " + "; ".join(problems[:3]) + " (make compile)")
    if wanted == "pure" or problems:
        sys.meta_path.insert(0, _Sources())
        if wanted == "pure":
            BUILD = f"pure Python ({ENV}=pure)"
        elif len(problems) == len(MODULES) + 1:
            BUILD = "pure Python (not compiled: make compile)"
        else:
            BUILD = f"pure Python ({problems[0]}: make compile)"
    else:
        BUILD = f"compiled with mypyc ({len(MODULES)} modules)"
    return BUILD


def is_compiled() -> bool:
    """Whether the compiled build runs (the extensions are what got imported)."""
    import helin.sip.message

    return not (helin.sip.message.__file__ or "").endswith(".py")
