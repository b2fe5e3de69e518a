"""Group calls end to end: a trunk (sipp) calls a group's number, agents' real phones ring.

What each test checks happened is read where a user would see it: the store's call, offer and
recording rows, the phones' own traces (sipp's message log) and the engine's live state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from helin.acd.model import OfferResult, Outcome
from helin.store.tables import Call, Offer, Recording
from tests.calls.conftest import Peers
from tests.calls.node import Node

SUPPORT = "+3726000100"
CONFIG = """\
version: 1
trunks:
  - name: carrier
    peers: ["127.0.0.2"]
    outbound: "{trunk}"
tenants:
  - name: Test OÜ
    sip_domain: test.helin
    call_center: true
    recording: true
    users:
      - username: alice
        password: "alice-pass-1"
        rights: [agent]
        numbers: ["+3725000001"]
        presented_number: "+3726000100"
        devices:
          - {kind: softphone, sip_username: alice-desk, password: "alice-sip-1"}
          - {kind: mobile, sip_username: alice-mobile, password: "alice-sip-2"}
      - username: bob
        password: "bob-pass-12"
        rights: [agent]
        numbers: ["+3725000002"]
        devices:
          - {kind: softphone, sip_username: bob-desk, password: "bob-sip-1"}
    groups:
      - name: Support
        numbers: ["+3726000100"]
        policy: regular
        override: open
        queue: {ring_timeout: 8, wrap_up: 1}
        members:
          - {user: alice, order: 1}
          - {user: bob, order: 2}
"""


def calls(node: Node) -> list[Call]:
    return node.query(lambda s: list(s.scalars(select(Call).order_by(Call.id))))


def offers(node: Node) -> list[Offer]:
    return node.query(lambda s: list(s.scalars(select(Offer).order_by(Offer.id))))


def test_a_call_rings_every_phone_of_the_agent_the_first_answer_wins_and_is_recorded(
    make_node: Callable[[str], Node], peers: Peers
) -> None:
    node = make_node(CONFIG)
    # alice's mobile (sipp) rings and must be cancelled as answered elsewhere; her desk
    # phone (baresip) logs her in with *40, then answers the group call.
    mobile = peers.sipp_phone(node, "alice-mobile", "alice-sip-2", "device_cancelled")
    desk = peers.phone(node, "alice-desk", "alice-sip-1", dial="*40")
    node.until(lambda: node.device_count("alice") == 2, "both of alice's phones registered")
    node.until(lambda: node.agent_state("alice") == "available", "alice logged in by *40")

    caller = peers.call(node, SUPPORT, talk_ms=4000)
    assert caller.wait() == 0, caller.report()
    assert mobile.wait() == 0, mobile.report()
    node.until(lambda: any(c.outcome for c in calls(node)), "the call's record")

    [call] = calls(node)
    assert call.outcome is Outcome.ANSWERED, call
    assert call.agent_id == int(node.user_id("alice"))
    assert call.caller == "+3725550001" and call.number == SUPPORT
    assert call.answered_at is not None and call.ended_at is not None
    assert [o.result for o in offers(node)] == [OfferResult.ANSWERED]

    cancel = next(m for m in mobile.received() if m.startswith("CANCEL"))
    assert 'Reason: SIP;cause=200;text="Call completed elsewhere"' in cancel
    invite = next(m for m in mobile.received() if m.startswith("INVITE"))
    assert '"Support: +3725550001" <sip:+3725550001@' in invite

    node.until(lambda: node.query(lambda s: s.scalar(select(Recording))), "the recording")
    recording = node.query(lambda s: s.scalar(select(Recording)))
    assert recording is not None and recording.call_row_id == call.id
    assert Path(recording.path).is_file() and recording.size_bytes > 44
    assert desk.running
