"""A user's personal calls: a call to their own number, a call out, a feature code.

- ``DirectCall``: a call to a user's own number rings all their phones at once (``Fork``),
  unless the engine refuses it (``RejectDirect``: DND, no phone reachable).
- ``OutboundCall``: a user calling a number outside through the trunk, showing the presented
  number in ``From`` and ``P-Asserted-Identity``.
- ``FeatureCall``: a feature code, answered with a short confirmation clip and hung up.

Direct and outbound calls are written down when they end (``CallClosed``); the engine hears of
them (``PersonalCallEnded``) so their user gets no group calls meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from helin.acd import events as ev
from helin.directory import GroupEntry, UserEntry
from helin.media import sdp
from helin.records import CallOpened
from helin.switch.calls.call import Call
from helin.switch.calls.forking import Fork
from helin.switch.legs import IncomingLeg, Leg, LegState, OutgoingLeg

if TYPE_CHECKING:
    from helin.switch.calls.layer import CallLayer

DIRECT_RING_SECONDS = 60.0
"""How long a direct call rings a user's phones before the caller gets 480."""


class DirectCall(Call):
    """A call to a user's own number: all their phones ring (unless the engine refuses)."""

    def __init__(
        self, layer: CallLayer, leg: IncomingLeg, user: UserEntry, caller: str, number: str
    ) -> None:
        super().__init__(layer, leg, user.tenant_id)
        self.user = user
        """The user called."""
        self.caller = caller
        """The caller's number, shown to the user."""
        self.number = number
        """The user's number dialled."""
        self.fork: Fork | None = None
        """The user's phones ringing (once the engine let it ring)."""
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
        """The user calling out."""
        self.number = number
        """The number called."""
        self.presented = presented
        """The number shown to the far end."""
        self.group = group
        """The group whose number is presented (None: the user's own)."""
        self.out: OutgoingLeg | None = None
        """The leg to the far end through the trunk (once started)."""

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
            # a call out is a group's call, so recorded, only when it presents a group's number
            self.connect(
                media, record=self.group is not None and self.group.record, agent_calls=True
            )

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
