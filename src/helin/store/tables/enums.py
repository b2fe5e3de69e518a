"""Value sets the store keeps that the ACD engine does not define.

The engine's own value sets (``Policy``, ``Outcome``, ``OfferResult``, ...) live in
``helin.acd.model`` and are stored as they are.
"""

from __future__ import annotations

from enum import StrEnum


class DeviceKind(StrEnum):
    """The kind of phone a device is; an agent may have any number of each."""

    MOBILE = "mobile"
    SOFTPHONE = "softphone"
    IP_PHONE = "ip_phone"


class Direction(StrEnum):
    INBOUND = "inbound"
    """A caller reached one of a group's numbers."""
    OUTBOUND = "outbound"
    """A user called out through the trunk (presenting a group number or their own)."""
    DIRECT = "direct"
    """A call to a user's own number."""


class OverrideMode(StrEnum):
    """A manager's manual override of a group's calendar."""

    OPEN = "open"
    CLOSED = "closed"


class AgentEventKind(StrEnum):
    """What ``AgentEventRecord.kind`` may say."""

    LOGIN = "login"
    LOGOUT = "logout"
    DND_ON = "dnd_on"
    DND_OFF = "dnd_off"
    PAUSE_ON = "pause_on"
    """Paused, or the pause's reason changed (``AgentEvent.reason``: the reason's id)."""
    PAUSE_OFF = "pause_off"
    WRAP_UP_START = "wrap_up_start"
    WRAP_UP_END = "wrap_up_end"
    BOUNCED = "bounced"
    """Logged out by the engine after too many missed offers in a row."""
    STATE = "state"
    """The agent's state changed (``AgentEvent.state``): what statistics count time from."""


class ClipKind(StrEnum):
    """What an uploaded clip is for; it only guides the pickers in the web app."""

    GREETING = "greeting"
    COMFORT = "comfort"
    ANNOUNCEMENT = "announcement"
    """Played before an overflow action (closed, queue full, ...)."""
    MUSIC = "music"
    """Music on hold."""
    OTHER = "other"


class Transport(StrEnum):
    """The SIP transport a registration arrived on."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"
    WS = "ws"
    WSS = "wss"


BUILTIN_CLIPS: frozenset[str] = frozenset(
    {"greeting", "comfort", "closed", "sorry", "queue_full", "no_agents", "music"}
)
"""Clip names the switch ships with; any other clip reference is the id of a ``clips`` row."""
