"""Queue settings, overflow, closing, abandonment, greeting and announcements."""

from __future__ import annotations

from dataclasses import replace

from helin.acd import events as ev
from helin.acd.calendar import OpeningCalendar
from helin.acd.commands import (
    AnnouncePosition,
    AnnounceWait,
    AnswerCaller,
    CallRecord,
    CancelOffer,
    DropAgentLeg,
    EndCall,
    ForwardCall,
    OfferCall,
    PlayClip,
    StartMusic,
    StopMusic,
)
from helin.acd.model import (
    GroupConfig,
    NoAgentsAction,
    OfferResult,
    Outcome,
    OverflowAction,
    OverflowKind,
    OverflowReason,
    Policy,
)
from tests.acd.harness import QUIET, Harness, of, offered, records


def test_first_come_first_served() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR)
    h.agents("g", "a")
    h.send(ev.DndChanged(agent_id="a", on=True))
    for n in range(3):
        h.call(f"c{n}")
        h.advance(1)
    assert offered(h.send(ev.DndChanged(agent_id="a", on=False))) == [("c0", "a")]
    h.send(ev.OfferAnswered(call_id="c0", agent_id="a"))
    assert offered(h.send(ev.AgentHungUp(call_id="c0"))) == [("c1", "a")]


def test_an_agent_in_two_groups_takes_the_longest_waiting_caller() -> None:
    h = Harness()
    h.group("sales")
    h.group("support")
    h.agents("sales", "a")
    h.send(ev.MemberAdded(group_id="support", agent_id="a", logged_in=True))
    h.send(ev.DndChanged(agent_id="a", on=True))
    h.call("s1", "support")
    h.advance(5)
    h.call("x1", "sales")
    assert offered(h.send(ev.DndChanged(agent_id="a", on=False))) == [("s1", "a")]


def test_cross_group_order_skips_a_ringing_simultaneous_call() -> None:
    h = Harness()
    h.group("s", Policy.SIMULTANEOUS)
    h.group("r", Policy.REGULAR)
    h.agents("s", "x", "y")
    h.send(ev.MemberAdded(group_id="r", agent_id="x", logged_in=True))
    h.call("d", "s")  # rings x and y
    h.send(ev.DndChanged(agent_id="x", on=True))  # x withdrawn, still tried for d
    h.advance(1)
    h.call("c", "r")
    h.advance(1)
    h.call("e", "s")
    assert offered(h.send(ev.DndChanged(agent_id="x", on=False))) == [("c", "x")]


def test_greeting_in_full_holds_offers_until_it_has_played() -> None:
    h = Harness()
    h.group("g", greeting_clip="welcome", greeting_in_full=True)
    h.agents("g", "a")
    out = h.call("c1")
    assert [(p.clip, p.report, p.interrupt) for p in of(PlayClip, out)] == [
        ("welcome", True, False)
    ]
    assert offered(out) == []
    assert offered(h.clip_done("c1")) == [("c1", "a")]


def test_a_late_report_of_an_earlier_clip_is_not_taken_for_the_last_one() -> None:
    h = Harness()
    h.group("g", greeting_clip="welcome", greeting_in_full=True, max_wait=30)
    greeting = of(PlayClip, h.call("c1"))[0]
    h.advance(30)  # overflow: the "sorry" clip is asked for, cutting the greeting
    assert h.send(ev.ClipFinished(call_id="c1", ref=greeting.ref)) == []
    assert of(EndCall, h.clip_done("c1")) == [EndCall(call_id="c1")]


def test_greeting_not_in_full_rings_at_once() -> None:
    h = Harness()
    h.group("g", greeting_clip="welcome")
    h.agents("g", "a")
    out = h.call("c1")
    assert [type(o) for o in out] == [AnswerCaller, PlayClip, StartMusic, OfferCall]
    assert of(PlayClip, out)[0].report is False


def test_comfort_clip_repeats_while_waiting() -> None:
    h = Harness()
    h.group("g", comfort_clip="comfort", comfort_interval=30)
    h.call("c1")
    out = h.advance(95)
    assert [p.clip for p in of(PlayClip, out)] == ["comfort"] * 3


def test_position_and_estimated_wait_announcements() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, announce_position=True, announce_wait=True, announce_interval=60)
    h.agents("g", "a")
    # Teach the estimate: a call that entered at place 1 and waited 40 s.
    h.send(ev.DndChanged(agent_id="a", on=True))
    h.call("c0")
    h.advance(40)
    h.send(ev.DndChanged(agent_id="a", on=False))
    h.send(ev.OfferAnswered(call_id="c0", agent_id="a"))
    h.call("c1")
    h.call("c2")
    out = h.advance(0)
    assert of(AnnouncePosition, out) == [
        AnnouncePosition(call_id="c1", position=1),
        AnnouncePosition(call_id="c2", position=2),
    ]
    assert of(AnnounceWait, out) == [
        AnnounceWait(call_id="c1", seconds=40),
        AnnounceWait(call_id="c2", seconds=80),
    ]
    h.send(ev.CallerHungUp(call_id="c1"))
    out = h.advance(60)
    assert of(AnnouncePosition, out) == [AnnouncePosition(call_id="c2", position=1)]


def test_no_wait_estimate_is_announced_before_any_call_was_answered() -> None:
    h = Harness()
    h.group("g", announce_wait=True)
    h.call("c1")
    assert of(AnnounceWait, h.advance(0)) == []


def test_max_wait_overflows_with_timeout() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, max_wait=120, ring_timeout=100)
    h.agents("g", "a")
    h.call("c1")
    out = h.advance(120)
    assert CancelOffer(call_id="c1", agent_id="a", result=OfferResult.CALLER_GONE) in out
    assert [(p.clip, p.report, p.interrupt) for p in of(PlayClip, out)] == [("sorry", True, True)]
    assert records(h.log) == {}  # no record while the caller still hears the clip
    out = h.clip_done("c1")
    assert of(EndCall, out) == [EndCall(call_id="c1")]
    rec = records(out)["c1"]
    assert (rec.outcome, rec.overflow_reason) == (Outcome.OVERFLOWED, OverflowReason.TIMEOUT)
    assert rec.ended_at - rec.arrived_at == 120


def test_full_queue_overflows_the_next_caller() -> None:
    h = Harness()
    h.group("g", max_queue_length=2)
    h.call("c1")
    h.call("c2")
    out = h.call("c3")
    assert [(p.clip, p.report) for p in of(PlayClip, out)] == [("queue_full", True)]
    h.send(ev.CallerHungUp(call_id="c3"))  # hangs up during the clip
    rec = records(h.log)["c3"]
    assert (rec.outcome, rec.overflow_reason, rec.queued_at) == (
        Outcome.OVERFLOWED,
        OverflowReason.FULL,
        None,
    )


def test_no_agents_overflow_on_arrival_and_when_the_last_agent_leaves() -> None:
    h = Harness()
    forward = OverflowAction(kind=OverflowKind.FORWARD_NUMBER, target="+3726000000")
    config = GroupConfig(
        id="g", queue=replace(QUIET, no_agents=NoAgentsAction.OVERFLOW), on_no_agents=forward
    )
    h.send(ev.GroupConfigured(group=config))
    out = h.call("c1")
    assert of(ForwardCall, out) == [ForwardCall(call_id="c1", number="+3726000000")]
    assert of(AnswerCaller, out) == []
    h.agents("g", "a")
    h.send(ev.DndChanged(agent_id="a", on=True))  # DND: logged in but not serving
    assert of(ForwardCall, h.call("c2"))
    h.send(ev.DndChanged(agent_id="a", on=False))
    h.send(ev.OfferFailed(call_id="c3", agent_id="a"))  # stale: ignored
    h.call("c3")
    out = h.send(ev.AgentLoggedOut(agent_id="a"))
    assert CancelOffer(call_id="c3", agent_id="a", result=OfferResult.WITHDRAWN) in out
    assert of(ForwardCall, out) == [ForwardCall(call_id="c3", number="+3726000000")]
    assert {r.overflow_reason for r in records(h.log).values()} == {OverflowReason.NO_AGENTS}


def test_queue_when_no_agents_waits_for_an_agent() -> None:
    h = Harness()
    h.group("g", no_agents=NoAgentsAction.QUEUE)
    h.call("c1")
    assert records(h.log) == {}
    h.agents("g", "a")
    assert ("c1", "a") in offered(h.log)


def test_switching_to_no_agents_overflow_moves_callers_already_waiting() -> None:
    h = Harness()
    h.group("g")
    h.call("c1")
    h.group("g", no_agents=NoAgentsAction.OVERFLOW)
    assert "c1" not in records(h.log)  # no record while the caller hears the clip
    assert [p.clip for p in of(PlayClip, h.log)] == ["no_agents"]


def test_overflow_to_another_group_starts_a_new_segment() -> None:
    h = Harness()
    h.group("backup")
    h.agents("backup", "b")
    move = OverflowAction(kind=OverflowKind.FORWARD_GROUP, target="backup")
    h.send(
        ev.GroupConfigured(
            group=GroupConfig(id="g", queue=replace(QUIET, max_wait=60), on_timeout=move)
        )
    )
    h.call("c1")
    out = h.advance(60)
    assert offered(out) == [("c1", "b")]
    first = of(CallRecord, out)[0]
    assert (first.segment, first.group_id, first.overflow_group) == (0, "g", "backup")
    assert first.forwarded_to is None
    h.send(ev.OfferAnswered(call_id="c1", agent_id="b"))
    h.send(ev.CallerHungUp(call_id="c1"))
    second = of(CallRecord, h.log)[-1]
    assert (second.segment, second.group_id, second.outcome) == (1, "backup", Outcome.ANSWERED)
    assert of(AnswerCaller, h.log) == [AnswerCaller(call_id="c1")]  # answered once


def test_overflow_loops_between_groups_stop() -> None:
    h = Harness()
    for here, there in (("a", "b"), ("b", "a")):
        move = OverflowAction(kind=OverflowKind.FORWARD_GROUP, target=there)
        config = GroupConfig(id=here, queue=replace(QUIET, max_wait=10), on_timeout=move)
        h.send(ev.GroupConfigured(group=config))
    h.call("c1", "a")
    h.advance(100)
    segments = [r.segment for r in of(CallRecord, h.log)]
    assert segments == [0, 1, 2, 3, 4]
    assert EndCall(call_id="c1") in h.log


def test_closed_group_plays_the_closed_clip_then_ends() -> None:
    h = Harness()
    calendar = OpeningCalendar(timezone="UTC", weekly={})  # never open
    h.send(ev.GroupConfigured(group=GroupConfig(id="g", queue=QUIET, calendar=calendar)))
    h.agents("g", "a")
    out = h.call("c1")
    assert [type(o) for o in out] == [AnswerCaller, PlayClip]
    out = h.clip_done("c1")
    assert of(EndCall, out) == [EndCall(call_id="c1")]
    assert records(out)["c1"].outcome is Outcome.CLOSED


def test_manual_override_closes_and_opens() -> None:
    h = Harness()
    h.group("g")
    h.send(ev.GroupOverrideSet(group_id="g", mode="closed"))
    h.call("c1")
    assert h.engine.group_status("g", h.now).open is False
    h.send(ev.CallerHungUp(call_id="c1"))
    assert records(h.log)["c1"].outcome is Outcome.CLOSED
    h.send(ev.GroupOverrideSet(group_id="g", mode=None))
    h.call("c2")
    assert "c2" not in records(h.log)


def test_abandoned_while_ringing_cancels_offers() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a", "b")
    h.call("c1")
    out = h.send(ev.CallerHungUp(call_id="c1"))
    assert {c.result for c in of(CancelOffer, out)} == {OfferResult.CALLER_GONE}
    assert records(out)["c1"].outcome is Outcome.ABANDONED


def test_a_call_the_switch_cannot_carry_fails_and_frees_its_offers() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a", "b")
    h.call("c1")
    out = h.send(ev.CallFailed(call_id="c1"))
    assert {c.result for c in of(CancelOffer, out)} == {OfferResult.CALLER_GONE}
    assert records(out)["c1"].outcome is Outcome.FAILED
    assert h.send(ev.CallFailed(call_id="c1")) == []  # once is enough


def test_answer_after_the_offer_ended_is_dropped() -> None:
    h = Harness()
    h.group("g", Policy.REGULAR, ring_timeout=5)
    h.agents("g", "a", "b")
    h.call("c1")
    h.advance(5)  # a timed out, b rings
    out = h.send(ev.OfferAnswered(call_id="c1", agent_id="a"))
    assert out == [DropAgentLeg(call_id="c1", agent_id="a")]


def test_every_output_is_music_aware() -> None:
    h = Harness()
    h.group("g")
    h.agents("g", "a")
    h.send(ev.DndChanged(agent_id="a", on=True))
    h.call("c1")
    h.send(ev.GroupConfigured(group=GroupConfig(id="g", queue=replace(QUIET, max_wait=5))))
    h.call("c2")
    out = h.advance(10)
    assert StopMusic(call_id="c2") in out


def test_unstaffed_groups_overflow_oldest_caller_first() -> None:
    h = Harness()
    to_k = OverflowAction(kind=OverflowKind.FORWARD_GROUP, target="k")
    for group_id in ("h", "g"):
        config = GroupConfig(
            id=group_id,
            queue=replace(QUIET, no_agents=NoAgentsAction.OVERFLOW),
            on_no_agents=to_k,
        )
        h.send(ev.GroupConfigured(group=config))
        h.send(ev.MemberAdded(group_id=group_id, agent_id="x", logged_in=True))
    h.send(ev.GroupConfigured(group=GroupConfig(id="k", queue=QUIET)))
    h.send(ev.DevicesReachable(agent_id="x", count=1))
    h.send(ev.OutboundCallPlaced(call_id="p", agent_id="x"))
    h.call("first", "h")
    h.call("second", "g")
    out = h.send(ev.AgentLoggedOut(agent_id="x"))
    assert [r.call_id for r in of(CallRecord, out)] == ["first", "second"]
