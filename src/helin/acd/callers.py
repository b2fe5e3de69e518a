"""Callers' events (arrivals, reported clips played, hang-ups) and a queued caller's timers.

The timers: waited too long (``max_wait``), comfort clips, place and wait announcements.

Each function takes the engine first and works on its state with the engine's own steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helin.acd import events as ev
from helin.acd.commands import AnnouncePosition, AnnounceWait, EndCall, PlayClip
from helin.acd.errors import AcdUsageError
from helin.acd.model import OfferResult, Outcome, OverflowReason
from helin.acd.state import Call, Happened, Phase, advance

if TYPE_CHECKING:
    from helin.acd.engine import AcdEngine


def call_arrived(engine: AcdEngine, event: ev.CallArrived) -> None:
    if event.call_id in engine._calls:
        raise AcdUsageError(f"call {event.call_id!r} arrived twice")
    group = engine._group(event.group_id)
    engine._seq += 1
    call = Call(
        id=event.call_id,
        group=group,
        seq=engine._seq,
        caller=event.caller,
        number=event.number,
        arrived_at=engine._now,
    )
    engine._calls[call.id] = call
    engine._arrive(call)


def clip_finished(engine: AcdEngine, event: ev.ClipFinished) -> None:
    call = engine._calls.get(event.call_id)
    if call is None or not call.awaited_clip or event.ref != call.awaited_clip:
        return
    call.awaited_clip = 0
    if call.phase is Phase.GREETING:
        advance(call, Happened.GREETING_PLAYED)
        engine._make_ready_if_due(call)
    elif call.phase is Phase.ENDING:
        engine._emit(EndCall(call_id=call.id))
        engine._finish_ending(call)


def hung_up(engine: AcdEngine, event: ev.CallerHungUp | ev.AgentHungUp | ev.CallFailed) -> None:
    call = engine._calls.get(event.call_id)
    if call is None:
        return
    if call.phase is Phase.BRIDGED:
        engine._emit(EndCall(call_id=call.id))
        engine._end_bridged(call)
    elif call.phase is Phase.CONNECTING:
        if isinstance(event, ev.AgentHungUp):
            whisper_interrupted(engine, call, None)
        else:
            failed = isinstance(event, ev.CallFailed)
            whisper_interrupted(engine, call, Outcome.FAILED if failed else Outcome.ABANDONED)
    elif call.phase is Phase.ENDING:
        engine._finish_ending(call)
    elif isinstance(event, ev.CallerHungUp | ev.CallFailed):
        engine._leave_queue(call, OfferResult.CALLER_GONE)
        failed = isinstance(event, ev.CallFailed)
        engine._finish(call, Outcome.FAILED if failed else Outcome.ABANDONED)


def whisper_interrupted(engine: AcdEngine, call: Call, outcome: Outcome | None) -> None:
    """A side left during the group's whisper. The caller was never connected: when they
    hang up the call ends with ``outcome`` (abandoned; failed when the call failed); when the
    agent hangs up (``outcome`` None) the caller is queued again in the place they had, and
    the agent counts as tried for this round."""
    agent = call.agent
    assert agent is not None
    agent.call, call.agent = None, None
    agent.idle_since = engine._now
    if outcome is None and engine._groups.get(call.group.id) is call.group:
        advance(call, Happened.REQUEUED)
        engine._requeue(call)
    else:
        engine._emit(EndCall(call_id=call.id))
        engine._finish(call, outcome or Outcome.FAILED)  # or its group was removed meanwhile
    engine._refresh(agent)


def max_wait(engine: AcdEngine, call_id: str) -> None:
    """The caller waited ``max_wait`` seconds: out of the queue, to the timeout action."""
    call = engine._calls[call_id]
    engine._leave_queue(call, OfferResult.CALLER_GONE)
    engine._overflow(call, OverflowReason.TIMEOUT)


def comfort(engine: AcdEngine, call_id: str) -> None:
    """Play the comfort clip and set the next one."""
    call = engine._calls[call_id]
    settings = call.group.config.queue
    if settings.comfort_clip is not None and settings.comfort_interval > 0:
        engine._emit(PlayClip(call_id=call_id, clip=settings.comfort_clip))
        engine._timers.set(("comfort", call_id), engine._now + settings.comfort_interval)


def announce(engine: AcdEngine, call_id: str) -> None:
    """Announce the caller's place and estimated wait, and set the next announcement."""
    call = engine._calls[call_id]
    group, settings = call.group, call.group.config.queue
    place = group.queue.index(call.key) + 1
    if settings.announce_position:
        engine._emit(AnnouncePosition(call_id=call_id, position=place))
    if settings.announce_wait and group.seconds_per_place is not None:
        seconds = round(group.seconds_per_place * place)
        engine._emit(AnnounceWait(call_id=call_id, seconds=seconds))
    if settings.announce_interval > 0:
        engine._timers.set(("announce", call_id), engine._now + settings.announce_interval)
