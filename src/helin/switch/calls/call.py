"""What every call shares: the leg that came in, its media, an optional bridge, its end.

``GroupCall`` (``group.py``) and the personal calls (``personal.py``) build on ``Call``; the
call layer (``layer.py``) keeps them by id and hands them the engine's commands.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from helin.acd.model import Outcome
from helin.media import sdp
from helin.media.ports import PortsExhausted
from helin.records import CallClosed, RecordingMade
from helin.sip.errors import RemoteProtocolError
from helin.switch.legs import IncomingLeg, Leg, LegState
from helin.switch.mediaserver import Bridge, MediaSession
from helin.switch.recording import Recording, wav_path

if TYPE_CHECKING:
    from helin.switch.calls.layer import CallLayer

log = logging.getLogger(__name__)


class Call:
    """What every kind of call shares: the leg that came in, its media, an optional bridge."""

    def __init__(self, layer: CallLayer, leg: IncomingLeg, tenant_id: str) -> None:
        self.layer = layer
        """The call layer this call belongs to (media, engine, records)."""
        self.id = secrets.token_hex(8)
        """The call's id: the engine's ``call_id`` and its record's."""
        self.leg = leg
        """The caller's leg: the INVITE that came in."""
        self.tenant_id = tenant_id
        """The company whose call it is."""
        self.media: MediaSession | None = None
        """helin's media towards the caller (once answered)."""
        self.sessions: list[MediaSession] = []
        """Every media session of the call, released at the end."""
        self.bridge: Bridge | None = None
        """The caller relayed with an agent, a user or a far end (once connected)."""
        self.ending = False
        """``end`` has begun: later commands and events for the call are ignored."""
        self.failed = False
        """helin could not carry the call on (its record says ``failed``)."""
        self.answered_at: float | None = None
        """When someone (agent, user, far end) answered; None: nobody yet."""
        leg.on_ended = self._leg_ended
        leg.on_reinvite = self._caller_reinvite

    # -- media ----------------------------------------------------------------------------

    def allocate(self, offer: bytes | None = None) -> MediaSession:
        """A media leg for this call; ``OSError`` when no RTP port can be had (all in use or
        resting after their last call), ``sdp.SdpError`` for an offer we cannot answer."""
        try:
            session = self.layer.media.allocate(self.id, offer=offer)
        except PortsExhausted as exc:
            raise OSError(f"no RTP port free: {exc}") from exc
        self.sessions.append(session)
        return session

    def release(self, session: MediaSession) -> None:
        """Give a media leg back before the call ends (an offer that is over)."""
        if session in self.sessions:
            self.sessions.remove(session)
            self.layer.media.release(session)

    def answer(self) -> bool:
        """Answer the caller with helin's media (False, and the caller refused, if its offer
        cannot be answered)."""
        if self.media is not None:
            return True
        if self.leg.state not in (LegState.NEW, LegState.EARLY):
            return False
        if not self.leg.remote_sdp:
            return self._refuse(488, "SDP offer required")
        try:
            self.media = self.allocate(self.leg.remote_sdp)
        except sdp.NoCommonCodec:
            return self._refuse(488, "No common codec (PCMU or PCMA)")
        except sdp.SdpError as exc:
            return self._refuse(400, f"Bad SDP: {exc}"[:100])
        except OSError:
            log.error("call %s: no RTP port free", self.id)
            return self._refuse(503, "No media port free")
        self.leg.answer(self.media.local_sdp)
        return True

    def _refuse(self, status: int, reason: str) -> bool:
        self.failed = True
        self.leg.reject(status, reason)  # ends the call through the leg's callback
        return False

    def connect(self, other: MediaSession, *, record: bool, agent_calls: bool = False) -> None:
        """Relay the caller's media with ``other`` (stopping queue audio), maybe recording:
        the customer on the left channel, the agent on the right, so ``agent_calls`` (a call
        out, where the agent is the caller) puts ``other`` on the left."""
        assert self.media is not None
        path = None
        if record:
            try:
                path = wav_path(self.layer.recordings, self.tenant_id, self.id, self.layer.clock())
            except OSError:
                log.exception("call %s: cannot record (the call goes on unrecorded)", self.id)
        left, right = (other, self.media) if agent_calls else (self.media, other)
        self.bridge = self.layer.media.bridge(left, right, record_to=path)

    def _caller_reinvite(self, leg: Leg, offer: bytes) -> bytes | None:
        if self.media is None:
            return None
        try:
            return self.media.answer_offer(offer)
        except sdp.SdpError as exc:
            raise RemoteProtocolError(488, "Not Acceptable Here") from exc

    # -- the end --------------------------------------------------------------------------

    def _leg_ended(self, leg: Leg) -> None:
        """The caller hung up (or their leg failed): the call ends."""
        self.end(f"caller {leg.end_reason}")

    def end(self, why: str) -> None:
        """Hang up every leg still up, then release media and finish the recording."""
        if self.ending:
            return
        self.ending = True
        log.info("call %s ends: %s", self.id, why)
        self.hang_up_others()
        if not self.leg.ended:
            self.leg.hang_up()
        self.ended()
        self.layer.spawn(self._release())

    def outcome(self) -> Outcome:
        """A personal call's outcome: ``answered``, ``failed`` or ``unanswered``."""
        if self.answered_at is not None:
            return Outcome.ANSWERED
        return Outcome.FAILED if self.failed else Outcome.UNANSWERED

    def closed(self) -> CallClosed:
        """The record of a personal call's end, now."""
        return CallClosed(
            call_id=self.id,
            ended_at=self.layer.clock(),
            answered_at=self.answered_at,
            outcome=self.outcome(),
        )

    def hang_up_others(self) -> None:
        """Subclasses: stop ringing and hang up the legs they started."""

    def ended(self) -> None:
        """Subclasses: tell the engine and the call log."""

    async def _release(self) -> None:
        try:
            if self.bridge is not None:
                recording = await self.layer.media.end_bridge(self.bridge)
                if recording is not None:
                    self.layer.record(
                        recording_made(self.id, self.tenant_id, recording, self.layer.clock())
                    )
        except Exception:
            log.exception("call %s: finishing the recording failed", self.id)
        finally:
            for session in self.sessions:
                self.layer.media.release(session)
            self.layer.calls.pop(self.id, None)


def recording_made(call_id: str, tenant_id: str, recording: Recording, at: float) -> RecordingMade:
    """The record of a call's finished recording."""
    return RecordingMade(
        call_id=call_id,
        tenant_id=tenant_id,
        path=str(recording.path),
        size=recording.size,
        sha256=recording.sha256,
        duration=recording.duration,
        made_at=at,
    )
