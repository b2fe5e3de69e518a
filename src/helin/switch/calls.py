"""The call layer: carries out the ACD engine's commands with SIP legs and media, and tells
the engine what really happened.

Every INVITE helin admits (``UserAgent`` checked the trunk peer or the phone's digest) comes
here as an ``IncomingLeg``. The dialled number decides what it is (``Directory``):

- a group's number: a **group call** (``GroupCall``); the engine decides what the caller
  hears and which agent rings (``AnswerCaller``, ``PlayClip``, ``StartMusic``, ``OfferCall``,
  ``Bridge``, ...), the call layer reports ``CallArrived``, ``OfferAnswered``,
  ``OfferFailed``, ``ClipFinished``, ``CallerHungUp``, ``AgentHungUp``;
- a user's own number: a **direct call** (``DirectCall``), rung on all their phones unless the
  engine says no (DND, no phone reachable);
- from a phone, a feature code (``features.py``) or a number outside: a **call out** through
  the trunk (``OutboundCall``), showing the user's presented number.

The call layer does not wait for the engine to clean up: a leg that ends takes its call down
with it, and the engine's later commands for a call that is gone are ignored. Events go to the
engine through ``post`` (the next loop iteration), never from inside a command, so the engine
sees them in order and is never re-entered.

Records (``helin.records``): every call's row is opened when it starts (``CallOpened``), so a
crash leaves an open row that the next start closes as ``failed``; group calls are closed by
the engine's ``CallRecord``, direct and outbound calls by ``CallClosed``; a recording is
reported when its WAV is finished (``RecordingMade``). They go to ``record``, the same writer
as the engine's records.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

from helin.acd import commands as cmd
from helin.acd import events as ev
from helin.acd.model import OfferResult, Outcome
from helin.media import sdp
from helin.media.ports import PortsExhausted
from helin.media.recorder import Recording
from helin.records import CallClosed, CallLayerRecord, CallOpened, RecordingMade
from helin.sip.dialog import address_of
from helin.sip.errors import RemoteProtocolError
from helin.sip.uri import NameAddr, SipUri
from helin.switch import features
from helin.switch.authn import Device
from helin.switch.directory import Directory, GroupEntry, UserEntry, normalise
from helin.switch.forking import ANSWERED_ELSEWHERE, Fork
from helin.switch.legs import IncomingLeg, Leg, LegState, OutgoingLeg
from helin.switch.mediaserver import Bridge, MediaServer, MediaSession
from helin.switch.registrar import Registrar
from helin.switch.useragent import UserAgent

log = logging.getLogger(__name__)

DIRECT_RING_SECONDS = 60.0
"""How long a direct call rings a user's phones before the caller gets 480."""


class Call:
    """What every kind of call shares: the leg that came in, its media, an optional bridge."""

    def __init__(self, layer: CallLayer, leg: IncomingLeg, tenant_id: str) -> None:
        self.layer = layer
        self.id = secrets.token_hex(8)
        self.leg = leg
        self.tenant_id = tenant_id
        self.media: MediaSession | None = None
        """helin's media towards the caller (once answered)."""
        self.sessions: list[MediaSession] = []
        """Every media session of the call, released at the end."""
        self.bridge: Bridge | None = None
        self.ending = False
        self.failed = False
        """helin could not carry the call on (its record says ``failed``)."""
        self.answered_at: float | None = None
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

    def connect(self, other: MediaSession, *, record: bool) -> None:
        """Relay the caller's media with ``other`` (stopping queue audio), maybe recording."""
        assert self.media is not None
        path = None
        if record:
            try:
                path = self.layer.recording_path(self)
            except OSError:
                log.exception("call %s: cannot record (the call goes on unrecorded)", self.id)
        self.bridge = self.layer.media.bridge(self.media, other, record_to=path)

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


class GroupCall(Call):
    """A caller in a group's queue; the engine decides, this object carries it out."""

    def __init__(
        self, layer: CallLayer, leg: IncomingLeg, group: GroupEntry, caller: str, number: str
    ) -> None:
        super().__init__(layer, leg, group.tenant_id)
        self.group = group
        self.caller = caller
        self.number = number
        self.forks: dict[str, Fork] = {}
        """Agent id -> their phones ringing (or answered, until the engine bridges)."""
        self.agent: Fork | None = None
        """The bridged agent's fork (its winner is the agent's leg)."""
        self.reports: list[tuple[str, int]] = []
        """(clip, ref) of clips the engine waits for, in the order they play."""
        self.forward: OutgoingLeg | None = None

    def start(self) -> None:
        layer = self.layer
        layer.record(
            CallOpened(
                call_id=self.id,
                direction="inbound",
                tenant_id=self.tenant_id,
                group_id=self.group.id,
                agent_id=None,
                caller=self.caller,
                number=self.number,
                arrived_at=layer.clock(),
            )
        )
        layer.post(
            ev.CallArrived(
                call_id=self.id, group_id=self.group.id, caller=self.caller, number=self.number
            )
        )

    # -- commands -------------------------------------------------------------------------

    def play(self, command: cmd.PlayClip) -> None:
        session = self.media
        if session is None:
            if command.report:  # nothing can play: the engine must not wait for it
                self.layer.post(ev.ClipFinished(call_id=self.id, ref=command.ref))
            return
        if command.interrupt:
            session.audio.clear()
            self.reports.clear()
        clip = self.layer.clip_name(self.tenant_id, command.clip)
        if command.report:
            self.reports.append((clip, command.ref))
            session.on_clip_finished = self._clip_finished
        session.play_clip(clip, report=command.report)

    def _clip_finished(self, label: str) -> None:
        for index, (clip, ref) in enumerate(self.reports):
            if clip == label:
                del self.reports[index]
                self.layer.post(ev.ClipFinished(call_id=self.id, ref=ref))
                return

    def offer(self, command: cmd.OfferCall) -> None:
        layer = self.layer
        bindings = layer.registrar.reachable_contacts(command.agent_id)
        if not bindings:
            layer.post(ev.OfferFailed(call_id=self.id, agent_id=command.agent_id, declined=False))
            return
        try:
            media = self.allocate()
        except OSError:
            log.error("call %s: no RTP port free to ring agent %s", self.id, command.agent_id)
            layer.post(ev.OfferFailed(call_id=self.id, agent_id=command.agent_id, declined=False))
            return
        agent_id = command.agent_id
        display = f"{self.group.name}: {self.caller}" if self.caller else self.group.name
        fork = Fork(
            layer.ua,
            media,
            bindings,
            from_=layer.name_addr(display, self.caller or "anonymous"),
            on_answered=lambda f: layer.post(ev.OfferAnswered(call_id=self.id, agent_id=agent_id)),
            on_failed=lambda f, declined: self._offer_failed(agent_id, declined),
        )
        self.forks[agent_id] = fork
        fork.start()

    def _offer_failed(self, agent_id: str, declined: bool) -> None:
        fork = self.forks.pop(agent_id, None)
        if fork is not None:
            self.release(fork.media)
        if not self.ending:
            self.layer.post(ev.OfferFailed(call_id=self.id, agent_id=agent_id, declined=declined))

    def cancel_offer(self, agent_id: str, result: OfferResult) -> None:
        fork = self.forks.pop(agent_id, None)
        if fork is None:
            return
        fork.cancel(ANSWERED_ELSEWHERE if result is OfferResult.ANSWERED_ELSEWHERE else None)
        if fork.winner is not None:
            fork.winner.hang_up()
        self.release(fork.media)

    def bridge_agent(self, agent_id: str) -> None:
        fork = self.forks.pop(agent_id, None)
        winner = fork.winner if fork is not None else None
        if fork is None or winner is None or self.media is None:
            log.warning("call %s: nothing to bridge agent %s with", self.id, agent_id)
            self.layer.post(ev.AgentHungUp(call_id=self.id))
            return
        self.agent = fork
        winner.on_ended = self._agent_ended
        winner.on_reinvite = self._agent_reinvite
        self.answered_at = self.layer.clock()
        self.connect(fork.media, record=self.group.record)
        if winner.ended:
            self._agent_ended(winner)

    def _agent_ended(self, leg: Leg) -> None:
        if not self.ending:
            self.layer.post(ev.AgentHungUp(call_id=self.id))
            self.end(f"agent {leg.end_reason}")

    def _agent_reinvite(self, leg: Leg, offer: bytes) -> bytes | None:
        """Hold and resume from the agent's phone: answer it on the agent's media leg; while
        the phone holds (it will not take media: ``sendonly``, ``inactive`` or ``c=0.0.0.0``)
        the caller hears the hold music."""
        assert self.agent is not None
        media = self.agent.media
        try:
            answer = media.answer_offer(offer)
        except sdp.SdpError as exc:
            raise RemoteProtocolError(488, "Not Acceptable Here") from exc
        held = media.params is not None and (
            not media.params.send or media.params.remote_address is None
        )
        if self.media is not None:
            self.layer.media.hold(self.media, held)
        return answer

    def drop_agent(self, agent_id: str) -> None:
        fork = self.forks.pop(agent_id, None)
        if fork is not None:
            fork.cancel()
            if fork.winner is not None:
                fork.winner.hang_up()
            self.release(fork.media)

    def forward_to(self, number: str) -> None:
        """Hand the caller to ``number`` through the trunk (the engine is done with it)."""
        layer = self.layer
        trunk = layer.directory.outbound_uri
        if trunk is None:
            log.warning("call %s: cannot forward to %s: no trunk for calls out", self.id, number)
            self.end("forward impossible")
            return
        try:
            media = self.allocate()
        except OSError:
            log.error("call %s: no RTP port free to forward to %s", self.id, number)
            self.end("forward impossible")
            return
        identity = layer.name_addr("", self.caller or "anonymous")
        leg = layer.trunk_leg(trunk, number, identity, media.local_sdp)
        self.forward = leg
        if self.media is not None:
            self.media.stop_music()

        def answered(_leg: Leg) -> None:
            try:
                media.accept_answer(leg.remote_sdp)
            except sdp.SdpError:
                self.end("forward target sent bad SDP")
                return
            leg.on_ended = lambda _leg: self.end(f"forward target {_leg.end_reason}")
            if self.answer():
                self.connect(media, record=False)

        leg.on_answered = answered
        leg.on_ringing = lambda _leg: self.leg.ring()  # a caller not answered yet hears it
        leg.on_failed = lambda _leg, status: self._forward_failed(status)
        leg.start()

    def _forward_failed(self, status: int) -> None:
        if self.leg.state in (LegState.NEW, LegState.EARLY):
            self.leg.reject(status if 400 <= status < 700 else 480)
        self.end(f"forward failed with {status}")

    # -- the end --------------------------------------------------------------------------

    def hang_up_others(self) -> None:
        for agent_id in list(self.forks):
            self.drop_agent(agent_id)
        for leg in (self.agent.winner if self.agent else None, self.forward):
            if leg is not None and not leg.ended:
                leg.hang_up()

    def ended(self) -> None:
        if self.failed:
            self.layer.post(ev.CallFailed(call_id=self.id))
        else:
            self.layer.post(ev.CallerHungUp(call_id=self.id))


class DirectCall(Call):
    """A call to a user's own number: all their phones ring (unless the engine refuses)."""

    def __init__(
        self, layer: CallLayer, leg: IncomingLeg, user: UserEntry, caller: str, number: str
    ) -> None:
        super().__init__(layer, leg, user.tenant_id)
        self.user = user
        self.caller = caller
        self.number = number
        self.fork: Fork | None = None
        self.started = False
        """The engine let it ring (it is one of the user's personal calls)."""
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        layer = self.layer
        layer.record(
            CallOpened(
                call_id=self.id,
                direction="direct",
                tenant_id=self.tenant_id,
                group_id=None,
                agent_id=self.user.id,
                caller=self.caller,
                number=self.number,
                arrived_at=layer.clock(),
            )
        )
        layer.post(ev.DirectCallArrived(call_id=self.id, agent_id=self.user.id))

    def ring(self) -> None:
        layer = self.layer
        self.started = True
        bindings = layer.registrar.reachable_contacts(self.user.id)
        try:
            media = self.allocate()
        except OSError:
            self.reject(503, "No media port free")
            return
        self.fork = Fork(
            layer.ua,
            media,
            bindings,
            from_=layer.name_addr("", self.caller or "anonymous"),
            on_answered=self._answered,
            on_failed=lambda f, declined: self.reject(486 if declined else 480),
        )
        self.leg.ring()
        self.fork.start()
        self._timer = asyncio.get_running_loop().call_later(
            DIRECT_RING_SECONDS, self.reject, 480, "No answer"
        )

    def _answered(self, fork: Fork) -> None:
        winner = fork.winner
        assert winner is not None
        if self._timer is not None:
            self._timer.cancel()
        winner.on_ended = lambda leg: self.end(f"user {leg.end_reason}")
        if self.answer():
            self.answered_at = self.layer.clock()
            self.connect(fork.media, record=False)
        else:
            self.end("caller's media refused")

    def reject(self, status: int, reason: str | None = None) -> None:
        if self.leg.state in (LegState.NEW, LegState.EARLY):
            self.leg.reject(status, reason)  # ends the call through the leg's callback
        else:
            self.end(f"rejected {status}")

    def hang_up_others(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        fork = self.fork
        if fork is not None:
            fork.cancel()
            if fork.winner is not None and not fork.winner.ended:
                fork.winner.hang_up()

    def ended(self) -> None:
        layer = self.layer
        if self.started:
            layer.post(ev.PersonalCallEnded(call_id=self.id))
        layer.record(self.closed())


class OutboundCall(Call):
    """A user calling a number outside through the trunk, showing the presented number."""

    def __init__(
        self,
        layer: CallLayer,
        leg: IncomingLeg,
        user: UserEntry,
        number: str,
        *,
        presented: str,
        group: GroupEntry | None,
    ) -> None:
        super().__init__(layer, leg, user.tenant_id)
        self.user = user
        self.number = number
        self.presented = presented
        self.group = group
        self.out: OutgoingLeg | None = None

    def start(self, trunk: str) -> None:
        layer = self.layer
        if not self.leg.remote_sdp:
            self.leg.reject(488, "SDP offer required")
            return
        try:
            self.media = self.allocate(self.leg.remote_sdp)
            media = self.allocate()
        except sdp.NoCommonCodec:
            self.leg.reject(488, "No common codec (PCMU or PCMA)")
            return
        except sdp.SdpError as exc:
            self.leg.reject(400, f"Bad SDP: {exc}"[:100])
            return
        except OSError:
            self.leg.reject(503, "No media port free")
            return
        layer.record(
            CallOpened(
                call_id=self.id,
                direction="outbound",
                tenant_id=self.tenant_id,
                group_id=self.group.id if self.group else None,
                agent_id=self.user.id,
                caller=self.presented,
                number=self.number,
                arrived_at=layer.clock(),
            )
        )
        layer.post(ev.OutboundCallPlaced(call_id=self.id, agent_id=self.user.id))
        identity = layer.name_addr(self.group.name if self.group else "", self.presented)
        out = self.out = layer.trunk_leg(trunk, self.number, identity, media.local_sdp)
        out.on_ringing = lambda _leg: self.leg.ring()
        out.on_failed = lambda _leg, status: self.leg.reject(status if 400 <= status < 700 else 480)

        def answered(_leg: Leg) -> None:
            assert self.media is not None
            out.on_ended = lambda _leg: self.end(f"far end {_leg.end_reason}")
            try:
                media.accept_answer(out.remote_sdp)
            except sdp.SdpError:
                self.end("far end sent bad SDP")
                return
            self.answered_at = layer.clock()
            self.leg.answer(self.media.local_sdp)
            self.connect(media, record=self.user.record)

        out.on_answered = answered
        out.start()

    def hang_up_others(self) -> None:
        if self.out is not None and not self.out.ended:
            self.out.hang_up()

    def ended(self) -> None:
        layer = self.layer
        if self.out is None:
            return  # refused before anything started
        layer.post(ev.PersonalCallEnded(call_id=self.id))
        layer.record(self.closed())


class FeatureCall(Call):
    """A feature code: answered, confirmed with a short clip, hung up."""

    def start(self, clip: str) -> None:
        if not self.answer():
            return
        assert self.media is not None
        self.media.on_clip_finished = lambda label: self.end("confirmed")
        self.media.play_clip(clip, report=True)


class CallLayer:
    """Implements ``CallHandler`` for the user agent and carries out the engine's commands."""

    def __init__(
        self,
        *,
        ua: UserAgent,
        registrar: Registrar,
        media: MediaServer,
        directory: Directory,
        feed: Callable[[ev.Event], None],
        record: Callable[[CallLayerRecord], None],
        recordings: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ua = ua
        self.registrar = registrar
        self.media = media
        self.directory = directory
        self.record = record
        """Where the call layer's records go (the store's one writer, in ``app.py``)."""
        self.recordings = recordings
        self.clock = clock
        self.calls: dict[str, Call] = {}
        self._feed = feed
        self._tasks: set[asyncio.Task[None]] = set()

    # -- plumbing -------------------------------------------------------------------------

    def post(self, event: ev.Event) -> None:
        """Give ``event`` to the engine on the next loop iteration (never re-entrantly)."""
        asyncio.get_running_loop().call_soon(self._deliver, event)

    def _deliver(self, event: ev.Event) -> None:
        try:
            self._feed(event)
        except Exception:
            log.exception("the engine failed on %s", event)

    def spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """End every call (BYE / CANCEL / 480) and wait for recordings to be finished."""
        for call in list(self.calls.values()):
            call.failed = True  # unless answered already: then the engine records answered
            call.end("helin stopping")
        await asyncio.sleep(0)  # the engine hears of every ending and writes its records
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)

    def name_addr(self, display: str, user: str) -> str:
        local = self.ua.contact().strip("<>").partition("@")[2].split(";")[0]
        quoted = display.replace("\\", "\\\\").replace('"', '\\"')
        name = f'"{quoted}" ' if display else ""
        return f"{name}<sip:{user}@{local}>"

    def trunk_leg(self, trunk: str, number: str, identity: str, offer: bytes) -> OutgoingLeg:
        """An INVITE to ``number`` through the trunk, ``From`` and ``P-Asserted-Identity``
        carrying ``identity`` (RFC 3325: the trunk is a trusted peer)."""
        uri = SipUri.parse(trunk)
        target = str(SipUri(uri.scheme, uri.host, number, None, uri.port, dict(uri.params)))
        return OutgoingLeg(
            self.ua,
            target=target,
            dest=address_of(uri),
            from_=identity,
            to=f"<{target}>",
            sdp=offer,
            extra=[("P-Asserted-Identity", identity)],
        )

    def clip_name(self, tenant_id: str, name: str) -> str:
        """The library name of a group's clip: the tenant's upload (groups name uploads by
        clip id; the library holds them as ``<tenant id>/<clip id>``), else the built-in clip
        of that name."""
        uploaded = f"{tenant_id}/{name}"
        return uploaded if uploaded in self.media.clips else name

    def recording_path(self, call: Call) -> Path:
        day = time.strftime("%Y-%m-%d", time.gmtime(self.clock()))
        directory = self.recordings / call.tenant_id / day
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"{call.id}.wav"

    # -- new calls (CallHandler) ----------------------------------------------------------

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        dialled = normalise(_user_of(leg.invite.uri))
        if device is None:
            self._from_trunk(leg, dialled)
            return
        user = self.directory.users.get(device.user_id)
        if user is None:
            leg.reject(403, "No calls from this phone")
            return
        try:
            asked = features.parse(dialled)
        except features.UnknownCode:
            self._feature(leg, user, "feature_unknown")
            return
        if isinstance(asked, features.FeatureCode):
            self._feature_code(leg, user, asked)
        elif isinstance(asked, features.PresentGroup):
            self._call_out(leg, user, normalise(asked.number), group_id=asked.group_id)
        else:
            self._from_phone(leg, user, dialled)

    def _from_trunk(self, leg: IncomingLeg, dialled: str) -> None:
        owner = self.directory.owner(dialled)
        caller = _caller_of(leg)
        if isinstance(owner, GroupEntry):
            self._start(GroupCall(self, leg, owner, caller, dialled))
        elif isinstance(owner, UserEntry):
            self._start(DirectCall(self, leg, owner, caller, dialled))
        else:
            leg.reject(404, "No such number")

    def _from_phone(self, leg: IncomingLeg, user: UserEntry, dialled: str) -> None:
        owner = self.directory.owner(dialled)
        own = user.numbers[0] if user.numbers else ""
        if isinstance(owner, GroupEntry) and owner.tenant_id == user.tenant_id:
            self._start(GroupCall(self, leg, owner, own, dialled))
        elif isinstance(owner, UserEntry) and owner.tenant_id == user.tenant_id:
            self._start(DirectCall(self, leg, owner, own, dialled))
        else:
            self._call_out(leg, user, dialled)

    def _call_out(
        self, leg: IncomingLeg, user: UserEntry, number: str, *, group_id: str | None = None
    ) -> None:
        trunk = self.directory.outbound_uri
        if trunk is None:
            leg.reject(403, "No trunk for calls out")
            return
        if not number.lstrip("+").isdigit():
            leg.reject(484, "Address Incomplete")
            return
        presented, group = self.directory.presented(user, group_id)
        call = OutboundCall(self, leg, user, number, presented=presented, group=group)
        self.calls[call.id] = call
        call.start(trunk)

    def _feature_code(self, leg: IncomingLeg, user: UserEntry, code: features.FeatureCode) -> None:
        group = code.group_id
        if group is not None and group not in user.groups:
            self._feature(leg, user, "feature_unknown")
            return
        if code.feature is features.Feature.LOG_IN:
            event: ev.Event = ev.AgentLoggedIn(agent_id=user.id, group_id=group)
        elif code.feature is features.Feature.LOG_OUT:
            event = ev.AgentLoggedOut(agent_id=user.id, group_id=group)
        else:
            event = ev.DndChanged(agent_id=user.id, on=code.feature is features.Feature.DND_ON)
        if isinstance(event, ev.AgentLoggedIn | ev.AgentLoggedOut) and not user.groups:
            self._feature(leg, user, "feature_unknown")
            return
        self.post(event)
        self._feature(leg, user, f"feature_{code.feature.value}")

    def _feature(self, leg: IncomingLeg, user: UserEntry, clip: str) -> None:
        call = FeatureCall(self, leg, user.tenant_id)
        self.calls[call.id] = call
        call.start(clip)

    def _start(self, call: GroupCall | DirectCall) -> None:
        self.calls[call.id] = call
        call.start()

    # -- the engine's commands ------------------------------------------------------------

    def carry_out(self, commands: list[cmd.Command]) -> None:
        for command in commands:
            try:
                self._carry_out(command)
            except Exception:
                log.exception("carrying out %s failed; ending the call", command)
                call = self.calls.get(command.call_id)
                if call is not None:
                    call.failed = True
                    call.end("internal error")

    def _carry_out(self, command: cmd.Command) -> None:
        call = self.calls.get(command.call_id)
        if call is None or call.ending:
            return  # the call is gone already; the engine learns it from the event posted
        if isinstance(call, DirectCall):
            if isinstance(command, cmd.RingDirect):
                call.ring()
            elif isinstance(command, cmd.RejectDirect):
                call.reject(486 if command.reason == "dnd" else 480)
            return
        if not isinstance(call, GroupCall):
            return
        match command:
            case cmd.AnswerCaller():
                call.answer()
            case cmd.PlayClip():
                call.play(command)
            case cmd.AnnouncePosition() | cmd.AnnounceWait() | cmd.StartMusic() | cmd.StopMusic():
                if call.media is not None:
                    call.media.apply(command)
            case cmd.OfferCall():
                call.offer(command)
            case cmd.CancelOffer():
                call.cancel_offer(command.agent_id, command.result)
            case cmd.DropAgentLeg():
                call.drop_agent(command.agent_id)
            case cmd.Bridge():
                call.bridge_agent(command.agent_id)
            case cmd.ForwardCall():
                call.forward_to(command.number)
            case cmd.EndCall():
                call.end("ended by the call center")
            case _:
                log.warning("call %s: unexpected %s", call.id, command)


def _user_of(uri: str) -> str:
    try:
        return SipUri.parse(uri).user or ""
    except RemoteProtocolError:
        return ""


def _caller_of(leg: IncomingLeg) -> str:
    """The caller's number: P-Asserted-Identity from a trunk, else the From user."""
    asserted = leg.invite.headers.get("P-Asserted-Identity")
    if asserted:
        try:
            return normalise(_user_of(NameAddr.parse(asserted.split(",")[0]).uri))
        except RemoteProtocolError:
            pass
    return normalise(_user_of(leg.invite.from_.uri))


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
