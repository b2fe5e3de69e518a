"""Feature codes and dial prefixes: what a user can dial from any of their phones.

=============  ==============================================================
``*40``        log in to every group I am an agent of
``*40<g>``     log in to group ``<g>`` (the group's id, shown in the web app)
``*41``        log out of every group
``*41<g>``     log out of group ``<g>``
``*42<r>``     pause for the company's pause reason with code ``<r>`` (1 to 99)
``*43``        end the pause
``*6<c>``      give my current or last group call the disposition code ``<c>`` (1 to 99)
``*78``        Do-Not-Disturb on (no calls reach me, group or direct)
``*79``        Do-Not-Disturb off
``*8<g>*<n>``  call ``<n>`` showing group ``<g>``'s number (this call only)
=============  ==============================================================

helin answers a feature code with a short confirmation and hangs up. ``parse`` is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Feature(StrEnum):
    LOG_IN = "log_in"
    LOG_OUT = "log_out"
    DND_ON = "dnd_on"
    DND_OFF = "dnd_off"
    PAUSE_ON = "pause_on"
    PAUSE_OFF = "pause_off"
    DISPOSITION = "disposition"


@dataclass(frozen=True, slots=True)
class FeatureCode:
    feature: Feature
    group_id: str | None = None
    """For log in/out: one group (None: all of the user's groups)."""
    reason_code: int | None = None
    """For a pause: the pause reason's code; for a disposition: the disposition code."""


@dataclass(frozen=True, slots=True)
class PresentGroup:
    """The one-call prefix: call ``number`` showing ``group_id``'s number."""

    group_id: str
    number: str


_CODES = {
    "40": Feature.LOG_IN,
    "41": Feature.LOG_OUT,
    "42": Feature.PAUSE_ON,
    "43": Feature.PAUSE_OFF,
    "78": Feature.DND_ON,
    "79": Feature.DND_OFF,
}
_FEATURE = re.compile(r"\*(4[0-3]|78|79)(\d*)")
_REASON = re.compile(r"[1-9]\d?")
"""A pause reason's code: 1 to 99, no leading zero."""
_PRESENT = re.compile(r"\*8(\d+)\*(\+?\d+)")
_DISPOSITION = re.compile(r"\*6([1-9]\d?)")


class UnknownCode(ValueError):
    """Dialled something starting with ``*`` that is not a feature code."""


def parse(dialled: str) -> FeatureCode | PresentGroup | None:
    """What ``dialled`` asks for: a feature code, the present-a-group prefix, or None for an
    ordinary number. Raises ``UnknownCode`` for any other ``*`` code."""
    if not dialled.startswith("*"):
        return None
    present = _PRESENT.fullmatch(dialled)
    if present is not None:
        return PresentGroup(group_id=present[1], number=present[2])
    disposition = _DISPOSITION.fullmatch(dialled)
    if disposition is not None:
        return FeatureCode(feature=Feature.DISPOSITION, reason_code=int(disposition[1]))
    match = _FEATURE.fullmatch(dialled)
    if match is None:
        raise UnknownCode(dialled)
    feature, argument = _CODES[match[1]], match[2] or None
    if feature is Feature.PAUSE_ON:
        if argument is None or _REASON.fullmatch(argument) is None:
            raise UnknownCode(dialled)
        return FeatureCode(feature=feature, reason_code=int(argument))
    if argument is not None and feature not in (Feature.LOG_IN, Feature.LOG_OUT):
        raise UnknownCode(dialled)
    return FeatureCode(feature=feature, group_id=argument)
