"""Things going wrong mid-call end cleanly, with correct records."""

from __future__ import annotations

import socket
from collections.abc import Callable

from sqlalchemy import select

from helin.acd.model import OfferResult, Outcome
from helin.store.tables import Call, Offer
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import TRUNK_IP, Peers
from tests.calls.node import Node

MakeNode = Callable[..., Node]

USERS = agent("ann", "+3725000011") + agent("ben", "+3725000012")
GROUP = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: regular
  override: open
  queue: {{ring_timeout: 3, wrap_up: 0}}
  members: [{{user: ann, order: 1}}, {{user: ben, order: 2}}]
"""


def calls(node: Node) -> list[Call]:
    return node.query(lambda s: list(s.scalars(select(Call).order_by(Call.id))))


def offers(node: Node) -> list[Offer]:
    return node.query(lambda s: list(s.scalars(select(Offer).order_by(Offer.id))))


def finished(node: Node) -> Call:
    node.until(lambda: any(c.outcome for c in calls(node)), "the call's record")
    [call] = calls(node)
    return call


def test_the_agent_hanging_up_ends_the_call_for_the_caller(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    phone = peers.sipp_phone(node, "ann-desk", password("ann-desk"), "device_hangs_up")
    node.until(lambda: node.device_count("ann") == 1, "ann's phone registered")
    node.log_in("ann")
    caller = peers.call(node, SUPPORT, scenario="caller_until_bye")
    assert phone.wait() == 0, phone.report()
    assert caller.wait() == 0, caller.report()
    call = finished(node)
    assert call.outcome is Outcome.ANSWERED and call.agent_id == int(node.user_id("ann"))


def test_a_phone_vanishing_mid_ring_moves_the_call_to_the_next_agent(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    ann = peers.sipp_phone(node, "ann-desk", password("ann-desk"), "device_rings_then_vanishes")
    ben = peers.sipp_phone(node, "ben-desk", password("ben-desk"), "device_answers")
    for name in ("ann", "ben"):
        node.until(lambda n=name: node.device_count(n) == 1, f"{name}'s phone registered")
    node.log_in("ann", "ben")
    caller = peers.call(node, SUPPORT, talk_ms=6000)
    node.until(lambda: "INVITE sip:" in ann.messages(), "ann's phone ringing")
    ann.kill()  # gone: no CANCEL will be answered
    assert caller.wait() == 0, caller.report()
    assert ben.wait() == 0, ben.report()
    call = finished(node)
    assert call.outcome is Outcome.ANSWERED and call.agent_id == int(node.user_id("ben"))
    assert [o.result for o in offers(node)] == [OfferResult.NO_ANSWER, OfferResult.ANSWERED]


def test_malformed_messages_from_the_trunk_mid_call_change_nothing(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    phone = peers.sipp_phone(node, "ben-desk", password("ben-desk"), "device_answers")
    node.until(lambda: node.device_count("ben") == 1, "ben's phone registered")
    node.log_in("ben")
    caller = peers.call(node, SUPPORT, talk_ms=4000)
    node.until(lambda: "ACK sip:" in phone.messages(), "the call bridged")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as trunk:
        trunk.bind((TRUNK_IP, 0))
        trunk.settimeout(5)
        junk = (
            b"BYE sip:helin@127.0.0.1 SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bKx;rport\r\n"
            b"From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: junk\r\n"
            b"CSeq: nonsense\r\nContent-Length: 0\r\n\r\n"
        )
        trunk.sendto(junk, ("127.0.0.1", node.port))
        answer, _ = trunk.recvfrom(65535)
        assert answer.startswith(b"SIP/2.0 400 "), answer
        trunk.sendto(b"\x00\xff garbage that is not SIP at all \r\n\r\n", ("127.0.0.1", node.port))
    assert caller.wait() == 0, caller.report()
    assert phone.wait() == 0, phone.report()
    call = finished(node)
    assert call.outcome is Outcome.ANSWERED and call.agent_id == int(node.user_id("ben"))


def test_no_rtp_port_left_refuses_the_next_caller_with_503(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP), rtp_ports=2)  # one RTP/RTCP pair: one caller
    first = peers.call(node, SUPPORT, talk_ms=5000)  # queued (nobody logged in), holds it
    node.until(lambda: len(calls(node)) == 1, "the first caller queued")
    second = peers.call(node, SUPPORT, label="second", scenario="caller_unavailable")
    assert second.wait() == 0, second.report()
    assert first.wait() == 0, first.report()
    node.until(lambda: all(c.outcome for c in calls(node)), "both calls' records")
    outcomes = [c.outcome for c in calls(node)]
    assert outcomes == [Outcome.ABANDONED, Outcome.FAILED]


def test_stopping_helin_ends_its_calls_with_closed_records(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    caller = peers.call(node, SUPPORT, scenario="caller_until_bye")  # queued: nobody logged in
    node.until(lambda: len(calls(node)) == 1, "the caller queued")
    node.stop()
    assert caller.wait() == 0, caller.report()  # it got helin's BYE
    [call] = calls(node)
    assert call.outcome is Outcome.FAILED and call.ended_at is not None


def test_hold_from_the_agents_phone_plays_hold_music_to_the_caller(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    agent = peers.sipp_phone(node, "ann-desk", password("ann-desk"), "device_holds")
    node.until(lambda: node.device_count("ann") == 1, "ann's phone registered")
    node.log_in("ann")
    # ben's phone (baresip) calls the group and records what it hears; ann's phone sends no
    # audio at all, so anything loud after she answered is helin's hold music
    caller = peers.phone(node, "ben-desk", password("ben-desk"), dial=SUPPORT, seconds=30.0)
    assert agent.wait() == 0, agent.report()
    call = finished(node)
    assert call.outcome is Outcome.ANSWERED and call.agent_id == int(node.user_id("ann"))
    caller.stop()
    heard = caller.heard().astype("float64")
    frames = heard[: len(heard) // 160 * 160].reshape(-1, 160)  # 20 ms frames
    loud = (frames**2).mean(axis=1) ** 0.5 > 300
    # queued before ann answered: well under a second; on hold: four seconds
    assert loud.sum() * 0.02 > 2.5, f"{loud.sum() * 0.02:.2f} s of audio heard"
