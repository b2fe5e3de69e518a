"""helin's SIP and media side in-process, and a call handler doing what the call layer will do.

``Switch`` runs a ``SipService`` (``SipStack`` + ``UserAgent`` + ``Registrar`` +
``Authenticator``, wired as ``helin serve`` wires them, with two test phones) and a
``MediaServer`` (shipped clips, a random 200-port RTP range in 30000-39999) on the running
asyncio loop, all on 127.0.0.1 and free ports.

``Switch`` is also the call handler, with one ``GroupCall`` per INVITE from the caller (a
trunk peer or an authenticated phone). A ``GroupCall`` allocates a media leg from the caller's
offer and answers with its ``local_sdp``; plays what the test's ``Plan`` asks (a clip, hold
music); rings the registered agent phone (a media leg with no offer: its SDP goes in helin's
INVITE, ``accept_answer`` on the 200) and bridges the two legs with a recording. A BYE from
either side, or the test's ``GroupCall.hang_up``, ends the bridge (awaited: the recording is
finished), releases both media legs and hangs up the other side.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from helin.clips.library import default_library
from helin.media import sdp
from helin.sip.digest import Algorithm, compute_ha1
from helin.switch.authenticator import Device
from helin.switch.legs import IncomingLeg, Leg, OutgoingLeg
from helin.switch.mediaserver import Bridge, MediaServer, MediaSession
from helin.switch.recording import Recording
from helin.switch.service import SipService

log = logging.getLogger(__name__)

REALM = "example.test"
PASSWORDS = {"caller": "caller-secret-1", "agent": "agent-secret-2"}
"""The test phones: SIP username -> password (realm ``REALM``)."""
LOOPBACK_TRUNK = (("carrier", "127.0.0.1"),)
"""INVITEs from 127.0.0.1 come from a trunk (no digest)."""
NO_TRUNKS: tuple[tuple[str, str], ...] = ()
"""Every INVITE must authenticate as a phone (407 challenge)."""


def make_device(username: str, password: str) -> Device:
    ha1s = {a: compute_ha1(a, username, REALM, password) for a in (Algorithm.MD5, Algorithm.SHA256)}
    return Device(
        id=f"dev-{username}", user_id=f"user-{username}", username=username, realm=REALM, ha1s=ha1s
    )


@dataclass
class Plan:
    """What the handler does with the next incoming call."""

    agent: str | None = None
    """Username of the phone to ring and bridge to; None: nobody."""
    clip: str | None = None
    """A clip to play to the caller once answered (reported when finished)."""
    music: bool = False
    """Hold music under/after the clip, until bridged."""
    play_on_media: bool = False
    """Start the clip and music once the caller's first RTP packet arrives (its media path
    is up, so the first frame cannot reach it before it has taken our answer) rather than
    right after the 200 OK."""
    record: bool = True


class GroupCall:
    """One caller, optionally bridged to one agent, recorded; torn down once."""

    def __init__(self, switch: Switch, caller: IncomingLeg, plan: Plan) -> None:
        self.switch = switch
        self.plan = plan
        self.call_id = caller.invite.call_id
        self.caller = caller
        self.caller_media: MediaSession | None = None
        self.agent: OutgoingLeg | None = None
        self.agent_media: MediaSession | None = None
        self.bridge: Bridge | None = None
        self.bridged = asyncio.Event()
        self.clip_finished = asyncio.Event()
        self.record_to = switch.workdir / f"{secrets.token_hex(6)}.wav"
        loop = asyncio.get_running_loop()
        self.done: asyncio.Future[Recording | None] = loop.create_future()
        """Resolves once the call is torn down: to the recording, if there is one."""
        self.why = ""
        """What ended the call (first cause)."""
        self._ending = False

    # -- set-up -----------------------------------------------------------------------------

    def start(self) -> None:
        leg = self.caller
        media = self.switch.media
        if not leg.remote_sdp:
            leg.reject(488, "No SDP offer")  # late offer: not what these tests exercise
            return
        try:
            session = media.allocate(self.call_id, offer=leg.remote_sdp)
        except sdp.NoCommonCodec:
            leg.reject(488)
            return
        except sdp.SdpError:
            leg.reject(400, "Bad SDP")
            return
        self.caller_media = session
        leg.on_ended = lambda _leg: self._end("caller-" + _leg.end_reason)
        leg.on_reinvite = lambda _leg, offer: session.answer_offer(offer)
        leg.answer(session.local_sdp)
        if self.plan.play_on_media:
            task = asyncio.get_running_loop().create_task(self._play_once_media_flows())
            self.switch.tasks.add(task)
        else:
            self._play()
        if self.plan.agent is not None:
            self._ring(self.plan.agent)

    def _play(self) -> None:
        session = self.caller_media
        assert session is not None
        if self.plan.clip is not None:
            session.on_clip_finished = lambda label: self.clip_finished.set()
            session.play_clip(self.plan.clip, report=True)
        if self.plan.music:
            session.start_music()

    async def _play_once_media_flows(self) -> None:
        session = self.caller_media
        assert session is not None
        for _ in range(1000):  # at most ten seconds
            if self._ending or session.released:
                return
            if session.core.latched:
                self._play()
                return
            await asyncio.sleep(0.01)
        log.warning("call %s: no RTP from the caller", self.call_id)

    def _ring(self, username: str) -> None:
        bindings = self.switch.registrar.contacts_of(f"user-{username}")
        if not bindings:
            log.warning("call %s: %s is not registered", self.call_id, username)
            self._end("agent-unregistered")
            return
        binding = bindings[0]
        self.agent_media = self.switch.media.allocate(self.call_id)
        caller_uri = self.caller.invite.from_.uri
        leg = OutgoingLeg.to_contact(
            self.switch.ua,
            binding.contact,
            binding.source,
            from_=f"<{caller_uri}>",
            sdp=self.agent_media.local_sdp,
        )
        self.agent = leg
        leg.on_answered = self._agent_answered
        leg.on_failed = lambda _leg, status: self._end(f"agent-{status}")
        leg.on_ended = lambda _leg: self._end("agent-" + _leg.end_reason)
        leg.start()

    def _agent_answered(self, leg: Leg) -> None:
        assert self.caller_media is not None and self.agent_media is not None
        if self._ending:
            return
        try:
            self.agent_media.accept_answer(leg.remote_sdp)
        except sdp.SdpError:
            log.warning("call %s: unusable answer from the agent", self.call_id)
            self._end("agent-bad-sdp")
            return
        record_to = self.record_to if self.plan.record else None
        self.bridge = self.switch.media.bridge(
            self.caller_media, self.agent_media, record_to=record_to
        )
        self.bridged.set()

    # -- tear-down --------------------------------------------------------------------------

    def hang_up(self) -> None:
        """helin ends the call (BYE to both)."""
        self._end("helin")

    def _end(self, why: str) -> None:
        if self._ending:
            return
        self._ending = True
        self.why = why
        for leg in (self.caller, self.agent):
            if leg is not None and not leg.ended:
                leg.hang_up()
        self.switch.tasks.add(asyncio.get_running_loop().create_task(self._close()))

    async def _close(self) -> None:
        recording: Recording | None = None
        try:
            if self.bridge is not None:
                recording = await self.switch.media.end_bridge(self.bridge)
        finally:
            for session in (self.caller_media, self.agent_media):
                if session is not None:
                    self.switch.media.release(session)
            if not self.done.done():
                self.done.set_result(recording)


class Switch:
    """helin's SIP side and media server on 127.0.0.1, on the running loop."""

    def __init__(self, workdir: Path, *, trunks: tuple[tuple[str, str], ...]) -> None:
        self.workdir = workdir
        devices = [make_device(name, pw) for name, pw in PASSWORDS.items()]
        self.sip = SipService(
            host="127.0.0.1",
            port=0,
            secret=secrets.token_bytes(32),
            devices=devices,
            realms={REALM},
            trunk_peers=trunks,
            handler=self,
        )
        """Wired as ``helin serve`` wires it (its default digest: MD5 only)."""
        self.registrar = self.sip.registrar
        self.ua = self.sip.ua
        low = random.randrange(30000, 39800, 2)
        self.media = MediaServer(
            host="127.0.0.1", ports=(low, low + 199), clips=default_library("en")
        )
        """RTP on a random range of 200 ports; ports another program holds are skipped."""
        self.plan = Plan()
        """What to do with the next call."""
        self.calls: list[GroupCall] = []
        self.admissions: list[tuple[str | None, str | None]] = []
        """(trunk name, device username) of every call handed to the handler."""
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        return self.sip.stack.port

    async def start(self) -> Switch:
        await self.sip.start()
        self.media.start()
        return self

    async def stop(self) -> None:
        for call in self.calls:
            call.hang_up()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
        await self.media.close()
        await self.sip.stop()

    # -- the CallHandler protocol -----------------------------------------------------------

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        self.admissions.append((trunk, device.username if device else None))
        call = GroupCall(self, leg, self.plan)
        self.calls.append(call)
        call.start()
