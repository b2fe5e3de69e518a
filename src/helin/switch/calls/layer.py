"""The call layer: carries out the ACD engine's commands with SIP legs and media, and tells
the engine what really happened.

Theory of operation
-------------------
Every INVITE helin admits (``UserAgent`` checked the trunk peer or the phone's digest) comes
here as an ``IncomingLeg``. What it is, ``route`` decides (``route.py``, pure) from the
directory snapshot (``numbers.py``), who is calling (a trunk, or a phone and its user) and the
dialled number; ``incoming`` carries that decision out:

- a group's number: a **group call** (``GroupCall``); the engine decides what the caller
  hears and which agent rings (``AnswerCaller``, ``PlayClip``, ``StartMusic``, ``OfferCall``,
  ``Bridge``, ...), the call layer reports ``CallArrived``, ``OfferAnswered``,
  ``OfferFailed``, ``ClipFinished``, ``CallerHungUp``, ``AgentHungUp``;
- a user's own number: a **direct call** (``DirectCall``), rung on all their phones unless the
  engine says no (DND, no phone reachable);
- from a phone, a feature code (``features.py``): a **feature call** (``FeatureCall``), which
  tells the engine (log in, log out, DND) and confirms with a clip;
- from a phone, any other number: a **call out** through the trunk (``OutboundCall``),
  showing the user's presented number;
- anything else is refused with a SIP status.

Each kind of call is a ``Call`` (``call.py``): ``GroupCall`` in ``group.py``, the personal
calls in ``personal.py``.

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
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

from helin.acd import commands as cmd
from helin.acd import events as ev
from helin.records import CallLayerRecord
from helin.sip.dialog import address_of
from helin.sip.errors import RemoteProtocolError
from helin.sip.uri import NameAddr, SipUri
from helin.switch.authenticator import Device
from helin.switch.calls.call import Call
from helin.switch.calls.group import GroupCall
from helin.switch.calls.numbers import Directory, normalise
from helin.switch.calls.personal import DirectCall, FeatureCall, OutboundCall
from helin.switch.calls.route import (
    CallOut,
    Feature,
    FromPhone,
    FromTrunk,
    Refuse,
    ToGroup,
    ToUser,
    route,
)
from helin.switch.legs import IncomingLeg, OutgoingLeg
from helin.switch.mediaserver import MediaServer
from helin.switch.registrar import Registrar
from helin.switch.useragent import UserAgent

log = logging.getLogger(__name__)


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
        """The SIP user agent: new legs go out through it."""
        self.registrar = registrar
        """Where the phones an offer or a direct call rings are found."""
        self.media = media
        """RTP for every leg, the bridges and the recordings."""
        self.directory = directory
        """Who owns which number (replaced whole when the store changes)."""
        self.record = record
        """Where the call layer's records go (the store's one writer, in ``app.py``)."""
        self.recordings = recordings
        """The directory recordings go under (``<tenant>/<UTC day>/<call id>.wav``)."""
        self.clock = clock
        """Wall-clock time for records and recordings' days."""
        self.calls: dict[str, Call] = {}
        """Calls by id, from their first moment until their media is released."""
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

    # -- new calls (CallHandler) ----------------------------------------------------------

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        """A new call: ``route`` decides what it is; the call layer carries that out."""
        if device is None:
            source: FromTrunk | FromPhone = FromTrunk(caller=_caller_of(leg))
        else:
            source = FromPhone(user_id=device.user_id)
        decision = route(self.directory, source, _user_of(leg.invite.uri))
        match decision:
            case Refuse():
                leg.reject(decision.status, decision.reason)
            case ToGroup():
                group = GroupCall(self, leg, decision.group, decision.caller, decision.number)
                self.calls[group.id] = group
                group.start()
            case ToUser():
                direct = DirectCall(self, leg, decision.user, decision.caller, decision.number)
                self.calls[direct.id] = direct
                direct.start()
            case CallOut():
                out = OutboundCall(
                    self,
                    leg,
                    decision.user,
                    decision.number,
                    presented=decision.presented,
                    group=decision.group,
                )
                self.calls[out.id] = out
                out.start(decision.trunk)
            case Feature():
                if decision.event is not None:
                    self.post(decision.event)
                feature = FeatureCall(self, leg, decision.user.tenant_id)
                self.calls[feature.id] = feature
                feature.start(decision.clip)

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
            case cmd.WhisperToAgent():
                call.whisper(command.agent_id, command.clip)
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
