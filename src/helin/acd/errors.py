"""Two kinds of ACD error, both bugs in helin: misuse of the engine, and the engine's own."""

from __future__ import annotations


class AcdUsageError(Exception):
    """The engine was driven in a way that cannot happen (a bug in the caller)."""


class PhaseError(Exception):
    """The engine tried a phase change its transition table forbids (a bug in the engine)."""
