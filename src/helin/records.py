"""What happened, as data for the store: the one route by which call rows are written.

Two parts of helin know what happens to a call. The ACD engine knows a group call's stay in
each group (``CallRecord``), its offers (``OfferRecord``) and agents' log-ins, DND and wrap-up
(``AgentEventRecord``), and every change of an agent's state (``AgentStateRecord``). The
call layer knows when a call really starts, when a personal (direct or outbound) call ends,
and when a recording is finished: ``CallOpened``, ``CallClosed`` and ``RecordingMade`` below.
Both hand their records to the same writer (``helin.store.calls.records.write``), which alone
turns them into rows.

A call's row is opened at its first moment (``CallOpened``), so a crash leaves an open row
that the next start closes as ``failed``; a group call's row is filled and closed by the
engine's ``CallRecord`` (an overflow to a group opens the next segment's row); a personal
call's by ``CallClosed``; ``RecordingMade`` attaches the finished file to the call's last
segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from helin.acd.commands import AgentEventRecord, AgentStateRecord, CallRecord, OfferRecord
from helin.acd.model import Outcome

Direction = Literal["inbound", "direct", "outbound"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CallOpened:
    call_id: str
    direction: Direction
    """``inbound`` (to a group), ``direct`` (to a user) or ``outbound`` (through the trunk)."""
    tenant_id: str
    group_id: str | None
    """The group called, or whose number an outbound call presents."""
    agent_id: str | None
    """The user called directly, or calling out."""
    caller: str
    number: str
    arrived_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class CallClosed:
    """The end of a direct or outbound call (group calls end with the engine's record)."""

    call_id: str
    ended_at: float
    answered_at: float | None
    outcome: Outcome
    """``answered``, ``unanswered`` or ``failed``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordingMade:
    """A call's recording, finished and on disk."""

    call_id: str
    tenant_id: str
    path: str
    size: int
    """Bytes."""
    sha256: str
    """Hex digest of the file."""
    duration: float
    """Seconds."""
    made_at: float


CallLayerRecord = CallOpened | CallClosed | RecordingMade
Record = CallRecord | OfferRecord | AgentEventRecord | AgentStateRecord | CallLayerRecord
