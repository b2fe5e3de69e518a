"""Calls between helin and sipp: sipp's built-in uac and uas, and our scenarios for CANCEL,
BYE from either side and re-INVITE. sipp's exit status is 0 only when every call followed its
scenario, so a wrong or missing message anywhere fails the test."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from helin.sip.transaction import State
from helin.sip.wire import Address
from helin.switch.legs import LegState
from tests.interop.harness import Helin
from tests.interop.sipp import Sipp


def assert_all_calls_passed(runner: Sipp, rc: int, calls: int) -> None:
    assert rc == 0, runner.report()
    assert runner.calls() == (calls, 0), runner.report()


@pytest.mark.parametrize("behaviour", ["answer", "ring_then_answer"])
def test_sipp_uac_calls_helin(helin: Helin, sipp: Callable[..., Sipp], behaviour: str) -> None:
    """sipp's built-in uac (INVITE, 200, ACK, BYE, 200) places 20 calls to helin as a trunk."""
    helin.callee.behaviour = behaviour
    runner = sipp(
        None, "-sn", "uac", f"127.0.0.1:{helin.port}", "-s", "1000", "-m", "20", "-r", "40"
    )
    assert_all_calls_passed(runner, runner.run(), 20)
    ended = helin.call(lambda: [(leg.end_reason, leg.acked) for leg in helin.callee.legs])
    assert ended == [("remote-bye", True)] * 20
    assert helin.call(lambda: helin.callee.trunks) == ["carrier"] * 20


def test_helin_calls_sipp_uas(helin: Helin, sipp: Callable[..., Sipp]) -> None:
    """helin places a call to sipp's built-in uas, which answers; helin's BYE gets 200."""
    runner = sipp(None, "-sn", "uas", "-m", "1").start()
    runner.wait_listening()
    leg = helin.place_call(user="agent", dest=Address("127.0.0.1", runner.port))
    helin.wait_for(lambda: leg.state is LegState.ANSWERED, "the uas to answer")
    assert b"m=audio" in helin.call(lambda: leg.remote_sdp)
    helin.call(leg.hang_up)
    helin.wait_for(
        lambda: [r.status for r in helin.tap.responses("BYE")] == [200], "200 for helin's BYE"
    )
    assert_all_calls_passed(runner, runner.wait(), 1)
    assert helin.call(lambda: leg.end_reason) == "local-bye"


def test_cancel_while_ringing(helin: Helin, sipp: Callable[..., Sipp]) -> None:
    """sipp cancels after 180: 200 for the CANCEL, 487 for the INVITE, the 487 is ACKed."""
    helin.callee.behaviour = "ring"
    runner = sipp("cancel", f"127.0.0.1:{helin.port}", "-s", "1000", "-m", "1")
    assert_all_calls_passed(runner, runner.run(), 1)
    assert helin.call(lambda: [leg.end_reason for leg in helin.callee.legs]) == ["cancel"]
    # RFC 3261 9.2: the 200 for the CANCEL carries the same To tag as the 487
    answers = {m.split("\r\n", 1)[0].split("\n", 1)[0]: m for m in runner.received()}
    to_tags = {
        line: re.findall(r"^To:.*;tag=(\S+)", message, re.MULTILINE)
        for line, message in answers.items()
        if line.startswith(("SIP/2.0 200", "SIP/2.0 487"))
    }
    assert len(to_tags) == 2 and len({tuple(t) for t in to_tags.values()}) == 1, to_tags
    # the ACK for the 487 reached the INVITE server transaction, which stops resending the 487
    tx = helin.call(lambda: helin.callee.legs[0].tx)
    assert helin.call(lambda: tx.state) in (State.CONFIRMED, State.TERMINATED)


def test_bye_from_helin(helin: Helin, sipp: Callable[..., Sipp]) -> None:
    """helin answers, then hangs up: sipp receives the BYE and answers 200."""
    runner = sipp("bye_from_helin", f"127.0.0.1:{helin.port}", "-s", "1000", "-m", "1").start()
    helin.wait_for(
        lambda: helin.callee.legs and helin.callee.legs[0].acked, "the ACK for helin's 200"
    )
    leg = helin.call(lambda: helin.callee.legs[0])
    helin.call(leg.hang_up)
    assert_all_calls_passed(runner, runner.wait(), 1)
    helin.wait_for(lambda: [r.status for r in helin.tap.responses("BYE")] == [200], "200 for BYE")
    assert helin.call(lambda: leg.end_reason) == "local-bye"


def test_bye_from_the_caller(helin: Helin, sipp: Callable[..., Sipp]) -> None:
    """sipp hangs up an answered call: helin answers the BYE 200 and ends the leg."""
    runner = sipp("bye_from_caller", f"127.0.0.1:{helin.port}", "-s", "1000", "-m", "1")
    assert_all_calls_passed(runner, runner.run(), 1)
    assert helin.call(lambda: [leg.end_reason for leg in helin.callee.legs]) == ["remote-bye"]


def test_reinvite_to_hold(helin: Helin, sipp: Callable[..., Sipp]) -> None:
    """sipp re-INVITEs with a=sendonly; helin answers 200 with SDP (a=recvonly), sipp ACKs."""
    runner = sipp("reinvite", f"127.0.0.1:{helin.port}", "-s", "1000", "-m", "1")
    assert_all_calls_passed(runner, runner.run(), 1)
    offers = helin.call(lambda: helin.callee.reinvites)
    assert len(offers) == 1 and b"a=sendonly" in offers[0]
    assert helin.call(lambda: [leg.end_reason for leg in helin.callee.legs]) == ["remote-bye"]
