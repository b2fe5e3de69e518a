"""Group calls end to end: a trunk (sipp) calls a group's number, agents' real phones ring.

What each test checks happened is read where a user would see it: the store's call, offer and
recording rows and the group call log, the phones' own traces (sipp's message log) and the
engine's live state.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from helin.acd.model import OfferResult, Outcome, OverflowReason
from helin.store.calls import calllog
from helin.store.tables import Call, Offer, Recording
from tests.calls.company import OUTSIDE, SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node

MakeNode = Callable[[str], Node]


def calls(node: Node) -> list[Call]:
    return node.query(lambda s: list(s.scalars(select(Call).order_by(Call.id))))


def offers(node: Node) -> list[Offer]:
    return node.query(lambda s: list(s.scalars(select(Offer).order_by(Offer.id))))


def finished(node: Node, count: int = 1) -> list[Call]:
    """Wait until ``count`` call rows are closed; all rows."""
    node.until(lambda: sum(c.outcome is not None for c in calls(node)) >= count, "call records")
    return calls(node)


def support(policy: str = "regular", members: str = "[alice, bob]", **queue: object) -> str:
    settings = ", ".join(f"{k}: {v}" for k, v in {"ring_timeout": 8, "wrap_up": 1, **queue}.items())
    return f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: {policy}
  override: open
  queue: {{{settings}}}
  members: {members}
"""


TWO_AGENTS = agent("alice", "+3725000001", devices=("desk", "mobile")) + agent("bob", "+3725000002")


def test_a_call_rings_every_phone_of_the_agent_the_first_answer_wins_and_is_recorded(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(TWO_AGENTS, support()))
    # alice's mobile (sipp) rings and must be cancelled as answered elsewhere; her desk
    # phone (baresip) logs her in with *40, then answers the group call.
    mobile = peers.sipp_phone(node, "alice-mobile", password("alice-mobile"), "device_cancelled")
    desk = peers.phone(node, "alice-desk", password("alice-desk"), dial="*40")
    node.until(lambda: node.device_count("alice") == 2, "both of alice's phones registered")
    node.until(lambda: node.agent_state("alice") == "available", "alice logged in by *40")

    caller = peers.call(node, SUPPORT, talk_ms=4000)
    assert caller.wait() == 0, caller.report()
    assert mobile.wait() == 0, mobile.report()

    [call] = finished(node)
    assert call.outcome is Outcome.ANSWERED, call
    assert call.agent_id == int(node.user_id("alice"))
    assert call.caller == "+3725550001" and call.number == SUPPORT
    assert call.answered_at is not None and call.ended_at is not None
    assert [o.result for o in offers(node)] == [OfferResult.ANSWERED]

    cancel = next(m for m in mobile.received() if m.startswith("CANCEL"))
    assert 'Reason: SIP;cause=200;text="Call completed elsewhere"' in cancel
    invite = next(m for m in mobile.received() if m.startswith("INVITE"))
    assert '"Support: +3725550001" <sip:+3725550001@' in invite

    node.until(
        lambda: node.query(lambda s: s.scalar(select(Recording.stored_at))), "the recording stored"
    )
    recording = node.query(lambda s: s.scalar(select(Recording)))
    assert recording is not None and recording.call_row_id == call.id
    assert recording.group_id == call.group_id and recording.agent_id == call.agent_id
    assert recording.caller == "+3725550001" and recording.number == SUPPORT
    assert recording.storage == "files" and recording.format == "flac"
    stored = node.data / "recordings" / recording.path
    assert stored.is_file() and stored.stat().st_size == recording.size_bytes > 44
    assert desk.running


THREE = agent("ann", "+3725000011") + agent("ben", "+3725000012") + agent("cid", "+3725000013")
ORDERED = "[{user: ann, order: 1}, {user: ben, order: 2}, {user: cid, order: 3}]"


@pytest.mark.parametrize(
    ("policy", "members", "phones", "answered_by", "results"),
    [
        # one agent at a time from the top: a decline and an unreachable phone move it on
        (
            "regular",
            ORDERED,
            {"ann": "device_declines", "ben": "device_fails", "cid": "device_answers"},
            "cid",
            [OfferResult.DECLINED, OfferResult.UNREACHABLE, OfferResult.ANSWERED],
        ),
        # round robin starting at the top for a group's first call
        (
            "circular",
            ORDERED,
            {"ann": "device_answers", "ben": "device_answers", "cid": "device_answers"},
            "ann",
            [OfferResult.ANSWERED],
        ),
        # longest idle first: nobody has had a call, so the engine's tie-break (order)
        (
            "uniform",
            ORDERED,
            {"ann": "device_declines", "ben": "device_answers", "cid": "device_answers"},
            None,
            None,
        ),
        # weight 0 is never picked: only cid can ring
        (
            "weighted",
            "[{user: ann, weight: 0}, {user: ben, weight: 0}, {user: cid, weight: 5}]",
            {"ann": "device_answers", "ben": "device_answers", "cid": "device_answers"},
            "cid",
            [OfferResult.ANSWERED],
        ),
        # everybody at once: the first answer wins, the others are cancelled as elsewhere
        (
            "simultaneous",
            ORDERED,
            {"ann": "device_cancelled", "ben": "device_answers", "cid": "device_cancelled"},
            "ben",
            None,
        ),
    ],
)
def test_each_policy_offers_the_call_to_its_agents_in_its_own_way(
    make_node: MakeNode,
    peers: Peers,
    policy: str,
    members: str,
    phones: dict[str, str],
    answered_by: str | None,
    results: list[OfferResult] | None,
) -> None:
    node = make_node(company(THREE, support(policy, members)))
    runs = {
        name: peers.sipp_phone(node, f"{name}-desk", password(f"{name}-desk"), scenario)
        for name, scenario in phones.items()
    }
    for name in phones:
        node.until(lambda n=name: node.device_count(n) == 1, f"{name}'s phone registered")
    node.log_in(*phones)

    caller = peers.call(node, SUPPORT, talk_ms=2000)
    assert caller.wait() == 0, caller.report()
    [call] = finished(node)
    assert call.outcome is Outcome.ANSWERED, call
    agent_name = next(n for n in phones if node.user_id(n) == str(call.agent_id))
    if answered_by is not None:
        assert agent_name == answered_by
    assert phones[agent_name] == "device_answers"
    assert runs[agent_name].wait() == 0, runs[agent_name].report()
    made = offers(node)
    if results is not None:
        assert [o.result for o in made] == results
    if policy == "simultaneous":
        assert sorted(o.result for o in made) == sorted(
            [OfferResult.ANSWERED, OfferResult.ANSWERED_ELSEWHERE, OfferResult.ANSWERED_ELSEWHERE]
        )
        for other in ("ann", "cid"):
            assert runs[other].wait() == 0, runs[other].report()
            cancel = next(m for m in runs[other].received() if m.startswith("CANCEL"))
            assert "Call completed elsewhere" in cancel
    if policy == "uniform":
        assert made[-1].result is OfferResult.ANSWERED


def test_a_closed_group_plays_the_closed_clip_then_hangs_up(
    make_node: MakeNode, peers: Peers
) -> None:
    group = support().replace("override: open", "override: closed")
    node = make_node(company(TWO_AGENTS, group))
    caller = peers.call(node, SUPPORT, scenario="caller_until_bye")
    assert caller.wait() == 0, caller.report()
    [call] = finished(node)
    assert call.outcome is Outcome.CLOSED and call.queued_at is None
    log = node.query(lambda s: calllog.group_call_log(s, int(node.group_id("Support"))))
    assert [(e.caller, e.missed) for e in log] == [("+3725550001", True)]


def test_a_caller_who_hangs_up_while_queued_is_abandoned_and_missed(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(TWO_AGENTS, support()))  # nobody logged in: callers wait
    caller = peers.call(node, SUPPORT, talk_ms=1500)
    assert caller.wait() == 0, caller.report()
    [call] = finished(node)
    assert call.outcome is Outcome.ABANDONED and call.queued_at is not None
    assert call.answered_at is None
    log = node.query(lambda s: calllog.group_call_log(s, int(node.group_id("Support"))))
    assert [e.missed for e in log] == [True]


def test_a_full_queue_overflows_with_its_clip(make_node: MakeNode, peers: Peers) -> None:
    node = make_node(company(TWO_AGENTS, support(max_queue_length=0)))
    caller = peers.call(node, SUPPORT, scenario="caller_until_bye")
    assert caller.wait() == 0, caller.report()
    [call] = finished(node)
    assert call.outcome is Outcome.OVERFLOWED and call.overflow_reason is OverflowReason.FULL


def test_waiting_too_long_forwards_the_caller_to_a_number_through_the_trunk(
    make_node: MakeNode, peers: Peers
) -> None:
    group = (
        support(max_wait=1)
        + f"  overflow:\n    timeout: {{action: forward_number, target: '{OUTSIDE}'}}\n"
    )
    node = make_node(company(TWO_AGENTS, group))
    trunk = peers.trunk()
    caller = peers.call(node, SUPPORT, talk_ms=4000)
    assert caller.wait() == 0, caller.report()
    assert trunk.wait() == 0, trunk.report()
    [call] = finished(node)
    assert call.outcome is Outcome.OVERFLOWED and call.overflow_reason is OverflowReason.TIMEOUT
    assert call.forwarded_to == OUTSIDE
    invite = next(m for m in trunk.received() if m.startswith("INVITE"))
    assert invite.startswith(f"INVITE sip:{OUTSIDE}@127.0.0.2:")
    log = node.query(lambda s: calllog.group_call_log(s, int(node.group_id("Support"))))
    assert [e.missed for e in log] == [False]  # handed on, not missed
