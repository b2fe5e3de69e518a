"""A group call: a caller in a group's queue; the engine decides, ``GroupCall`` carries it out.

The engine's commands arrive through the call layer: answer, clips and music, offers (each
ringing every phone of one agent, ``forking.py``), the group's whisper to the agent who
answered, the bridge to them, forwarding through the trunk, the end. ``GroupCall`` reports
back what really happened (``OfferAnswered``, ``OfferFailed``, ``ClipFinished``,
``WhisperPlayed``, ``CallerHungUp``, ``AgentHungUp``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from helin.acd import commands as cmd
from helin.acd import events as ev
from helin.acd.model import OfferResult
from helin.directory import GroupEntry
from helin.media import sdp
from helin.records import CallOpened
from helin.sip.errors import RemoteProtocolError
from helin.switch.calls.call import Call
from helin.switch.calls.forking import ANSWERED_ELSEWHERE, Fork
from helin.switch.legs import IncomingLeg, Leg, LegState, OutgoingLeg

if TYPE_CHECKING:
    from helin.switch.calls.layer import CallLayer

log = logging.getLogger(__name__)


class GroupCall(Call):
    """A caller in a group's queue; the engine decides, this object carries it out."""

    def __init__(
        self, layer: CallLayer, leg: IncomingLeg, group: GroupEntry, caller: str, number: str
    ) -> None:
        super().__init__(layer, leg, group.tenant_id)
        self.group = group
        """The group called."""
        self.caller = caller
        """The caller's number, shown to the agents."""
        self.number = number
        """The group number dialled."""
        self.forks: dict[str, Fork] = {}
        """Agent id -> their phones ringing (or answered, until the engine bridges)."""
        self.agent: Fork | None = None
        """The bridged agent's fork (its winner is the agent's leg)."""
        self.reports: list[tuple[str, int]] = []
        """(clip, ref) of clips the engine waits for, in the order they play."""
        self.forward: OutgoingLeg | None = None
        """The leg to the number the engine forwarded the call to."""

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

    def whisper(self, agent_id: str, clip: str) -> None:
        """Play the group's whisper to the agent who answered, on their own media leg (the
        caller's queue audio goes on); ``WhisperPlayed`` when it has played, ``AgentHungUp``
        (the caller goes back to the queue) if the agent hangs up first."""
        fork = self.forks.get(agent_id)
        winner = fork.winner if fork is not None else None
        if fork is None or winner is None or winner.ended:
            self._whisper_cut(agent_id)
            return
        winner.on_ended = lambda _leg: self._whisper_cut(agent_id)
        fork.media.on_clip_finished = lambda _label: self.layer.post(
            ev.WhisperPlayed(call_id=self.id)
        )
        fork.media.play_clip(self.layer.clip_name(self.tenant_id, clip), report=True)

    def _whisper_cut(self, agent_id: str) -> None:
        fork = self.forks.pop(agent_id, None)
        if fork is not None:
            fork.media.on_clip_finished = None
            self.release(fork.media)
        if not self.ending:
            self.layer.post(ev.AgentHungUp(call_id=self.id))

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
