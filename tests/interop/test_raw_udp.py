"""Raw-UDP probes for what sipp cannot check: 2xx retransmission until ACK, INVITE
retransmission after the 2xx, 400s that name the fault, and silence for garbage."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helin.sip.transaction import State, TimerConfig
from tests.interop.harness import (
    Helin,
    UdpPeer,
    header,
    new_branch,
    reason_of,
    sdp,
    status_of,
)


def invite(peer: UdpPeer, helin: Helin, *, call_id: str) -> bytes:
    uri = f"sip:1000@127.0.0.1:{helin.port}"
    return peer.request("INVITE", uri, call_id=call_id, body=sdp(peer.port, session="probe"))


def ack_for(peer: UdpPeer, ok: bytes) -> bytes:
    """The ACK for a 2xx: to its Contact, with its To tag, a new branch, CSeq 1 ACK."""
    contact = header(ok, "Contact")[0].strip("<>")
    return peer.request(
        "ACK",
        contact,
        call_id=header(ok, "Call-ID")[0].split("@")[0],
        from_tag=header(ok, "From")[0].split("tag=")[1],
        to=header(ok, "To")[0],
    )


def test_200_is_retransmitted_until_the_ack(helin: Helin, udp_peer: UdpPeer) -> None:
    """Default timers (T1 = 0.5 s): helin resends its 200 until the ACK, then stops."""
    udp_peer.send(invite(udp_peer, helin, call_id="retransmit-200"))
    first = udp_peer.response(200)
    again = udp_peer.response(200, timeout=10)  # T1 later, if all goes well
    assert again == first, "a retransmitted 200 must be byte-identical"
    udp_peer.send(ack_for(udp_peer, first))
    helin.wait_for(lambda: helin.callee.legs[0].acked, "helin to see the ACK")
    udp_peer.flush()  # sent before helin took the ACK in, if the machine is slow
    # after the ACK: nothing more. Had the retransmissions gone on, the next would come at most
    # 2 s later (the interval doubles from T1 = 0.5 s); wait past that.
    late = [m for m in udp_peer.drain(2.5) if status_of(m) == 200]
    assert late == [], f"200 retransmitted after the ACK: {late[0][:60]!r}"
    assert helin.call(lambda: len(helin.callee.legs)) == 1


def test_a_rejection_is_retransmitted_until_its_ack(helin: Helin, udp_peer: UdpPeer) -> None:
    """helin rejects (486): the 486 is resent (Timer G) until the ACK, which has the INVITE's
    branch and reaches the transaction, not the call layer; then it stops."""
    helin.callee.behaviour = "reject"
    uri = f"sip:1000@127.0.0.1:{helin.port}"
    branch = new_branch()
    body = sdp(udp_peer.port, session="probe")
    udp_peer.send(udp_peer.request("INVITE", uri, call_id="reject", branch=branch, body=body))
    first = udp_peer.response(486)
    assert udp_peer.response(486, timeout=10) == first
    ack = udp_peer.request(
        "ACK",
        uri,
        call_id="reject",
        branch=branch,
        from_tag=header(first, "From")[0].split("tag=")[1],
        to=header(first, "To")[0],
    )
    udp_peer.send(ack)
    tx = helin.call(lambda: helin.callee.legs[0].tx)
    helin.wait_for(lambda: tx.state in (State.CONFIRMED, State.TERMINATED), "the ACK to land")
    udp_peer.flush()
    assert [m for m in udp_peer.drain(2.5) if status_of(m) == 486] == []
    assert helin.call(lambda: [leg.end_reason for leg in helin.callee.legs]) == ["486"]
    assert helin.call(lambda: helin.tap.requests("ACK")) == []


def test_invite_retransmitted_after_the_2xx(
    start_helin: Callable[..., Helin],
) -> None:
    """A retransmitted INVITE after the 200 gets the same 200 again and no second call.

    T1 is 10 s here, so helin's own 2xx retransmission timer cannot fire during the test:
    a 200 that follows the resent INVITE is the answer to that INVITE.
    """
    helin = start_helin(timers=TimerConfig(t1=10.0, t2=40.0))
    peer = UdpPeer(helin.port)
    try:
        request = invite(peer, helin, call_id="retransmit-invite")
        peer.send(request)
        first = peer.response(200)
        peer.send(request)  # the same bytes: same branch, as a UAC retransmitting
        again = peer.response(200, timeout=5)
        assert again == first
        peer.send(request)
        assert peer.response(200, timeout=5) == first
        peer.send(ack_for(peer, first))
        helin.wait_for(lambda: helin.callee.legs[0].acked, "helin to see the ACK")
        assert helin.call(lambda: len(helin.callee.legs)) == 1
        assert len(helin.call(lambda: helin.tap.requests("INVITE"))) == 1
    finally:
        peer.close()


MALFORMED = {
    "cseq-method": (("CSeq: 1 OPTIONS", "CSeq: 1 BYE"), "CSeq"),
    "missing-call-id": (("Call-ID: ", "X-Call-ID: "), "Call-ID"),
    "content-length": (("Content-Length: 0", "Content-Length: 40"), "Content-Length"),
    "max-forwards": (("Max-Forwards: 70", "Max-Forwards: seventy"), "Max-Forwards"),
    "from-unclosed": (("From: <sip:probe@example.test>", "From: <sip:probe@example.test"), "From"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_request_gets_400_naming_the_fault(udp_peer: UdpPeer, case: str) -> None:
    (old, new), word = MALFORMED[case]
    good = udp_peer.request("OPTIONS", "sip:helin@example.test")
    bad = good.replace(old.encode(), new.encode(), 1)
    assert bad != good
    udp_peer.send(bad)
    answer = udp_peer.response()
    assert status_of(answer) == 400, answer[:80]
    assert word.lower() in reason_of(answer).lower(), reason_of(answer)


def test_header_line_without_colon_gets_400(udp_peer: UdpPeer) -> None:
    good = udp_peer.request("OPTIONS", "sip:helin@example.test")
    udp_peer.send(good.replace(b"Max-Forwards: 70", b"Max-Forwards 70", 1))
    answer = udp_peer.recv(2.0)
    assert answer is not None and status_of(answer) == 400


GARBAGE = [
    b"\x00\xff\xfe garbage \x01\x02\x03",
    b"hello world\r\n\r\n",
    b"INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx",
    b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnone\r\n"
    b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
    b"Content-Length: 0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
]


def test_garbage_gets_no_answer_and_helin_keeps_answering(helin: Helin, udp_peer: UdpPeer) -> None:
    for data in GARBAGE:
        udp_peer.send(data)
    assert udp_peer.drain(1.0) == []
    udp_peer.send(udp_peer.request("OPTIONS", "sip:helin@example.test"))
    answer = udp_peer.response()
    assert status_of(answer) == 200
    assert "INVITE" in header(answer, "Allow")[0]
    assert helin.call(lambda: helin.stack.dropped) >= len(GARBAGE)
