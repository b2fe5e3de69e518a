"""Transactions per RFC 3261 section 17 and RFC 6026, driven by a fake clock, no sockets."""

from __future__ import annotations

from helin.sip.headers import Headers
from helin.sip.message import Request, Response, make_response, parse
from helin.sip.transaction import (
    AckMissing,
    ClientTransaction,
    ResponseReceived,
    Send,
    ServerTransaction,
    State,
    TransactionTimedOut,
)
from helin.sip.transaction_layer import Dropped, RequestReceived, TransactionLayer
from helin.sip.wire import Address
from tests.sip.wire_helpers import HELIN, PHONE, request, sent, statuses

T0 = 1000.0


def layer() -> TransactionLayer:
    return TransactionLayer({"UDP": HELIN, "TCP": Address("127.0.0.1", 5060, "TCP")})


def fire_until(tx_layer: TransactionLayer, end: float) -> list[tuple[float, object]]:
    """Fire every timer up to ``end``; return (time, action) pairs."""
    seen: list[tuple[float, object]] = []
    while (deadline := tx_layer.next_deadline()) is not None and deadline <= end:
        seen += [(deadline, a) for a in tx_layer.on_timer(deadline)]
    return seen


def received(tx_layer: TransactionLayer, data: bytes, now: float = T0) -> ServerTransaction:
    actions = tx_layer.receive(data, PHONE, now)
    (event,) = [a for a in actions if isinstance(a, RequestReceived)]
    assert event.transaction is not None
    return event.transaction


# -- server INVITE --------------------------------------------------------------------------


def test_invite_reaches_the_tu_once_and_gets_100_trying_after_200_ms_without_an_answer() -> None:
    tl = layer()
    actions = tl.receive(request(), PHONE, T0)
    assert statuses(actions) == []  # the TU may answer within 200 ms (RFC 3261 17.2.1)
    assert sum(isinstance(a, RequestReceived) for a in actions) == 1
    trying = [(round(t - T0, 3), a) for t, a in fire_until(tl, T0 + 0.3)]
    assert [(t, statuses([a])) for t, a in trying] == [(0.2, [100])]
    again = tl.receive(request(), PHONE, T0 + 0.5)
    assert statuses(again) == [100]  # retransmission: last response again, no new TU event
    assert not any(isinstance(a, RequestReceived) for a in again)


def test_invite_answered_within_200_ms_gets_no_100_trying() -> None:
    tl = layer()
    tx = received(tl, request())
    ringing = tl.respond(tx, make_response(tx.request, 180, to_tag="t1"), T0 + 0.05)
    assert statuses(ringing) == [180]
    assert [a for _, a in fire_until(tl, T0 + 0.4) if isinstance(a, Send)] == []


def test_invite_retransmitted_before_any_response_gets_100_trying_at_once() -> None:
    tl = layer()
    tx = received(tl, request())
    assert statuses(tl.receive(request(), PHONE, T0 + 0.1)) == [100]
    assert [a for _, a in fire_until(tl, T0 + 0.4) if isinstance(a, Send)] == []
    assert statuses(tl.respond(tx, make_response(tx.request, 200, to_tag="t1"), T0 + 1)) == [200]


def test_failure_response_is_retransmitted_until_ack() -> None:
    tl = layer()
    tx = received(tl, request())
    assert statuses(tl.respond(tx, make_response(tx.request, 486, to_tag="t1"), T0)) == [486]
    times = [round(t - T0, 3) for t, a in fire_until(tl, T0 + 12) if isinstance(a, Send)]
    assert times == [0.5, 1.5, 3.5, 7.5, 11.5]  # Timer G: T1 doubling, capped at T2
    ack = request("ACK", to_tag="t1")
    assert tl.receive(ack, PHONE, T0 + 12) == []  # absorbed by the transaction
    assert tx.state is State.CONFIRMED
    assert [a for _, a in fire_until(tl, T0 + 100) if isinstance(a, Send)] == []
    assert tx.state is State.TERMINATED


def test_failure_without_ack_times_out_with_timer_h() -> None:
    tl = layer()
    tx = received(tl, request())
    tl.respond(tx, make_response(tx.request, 603, to_tag="t1"), T0)
    timeouts = [t for t, a in fire_until(tl, T0 + 100) if isinstance(a, TransactionTimedOut)]
    assert timeouts == [T0 + 32]


def test_2xx_is_retransmitted_until_the_ack_and_invite_retransmissions_are_absorbed() -> None:
    tl = layer()
    tx = received(tl, request())
    ok = make_response(tx.request, 200, to_tag="t1")
    tl.respond(tx, ok, T0)
    times = [round(t - T0, 3) for t, a in fire_until(tl, T0 + 4) if isinstance(a, Send)]
    assert times == [0.5, 1.5, 3.5]
    again = tl.receive(request(), PHONE, T0 + 4)  # INVITE retransmitted after the 2xx
    assert statuses(again) == [200]
    assert not any(isinstance(a, RequestReceived) for a in again)
    ack = tl.receive(request("ACK", branch="z9hG4bKack2", to_tag="t1"), PHONE, T0 + 4.1)
    assert [type(a) for a in ack] == [RequestReceived]  # the ACK of a 2xx goes to the TU
    assert [a for _, a in fire_until(tl, T0 + 40) if isinstance(a, Send)] == []
    assert tl.transactions == 0


def test_2xx_without_ack_is_reported() -> None:
    tl = layer()
    tx = received(tl, request())
    tl.respond(tx, make_response(tx.request, 200, to_tag="t1"), T0)
    events = fire_until(tl, T0 + 40)
    assert [t for t, a in events if isinstance(a, AckMissing)] == [T0 + 32]
    sends = [t for t, a in events if isinstance(a, Send)]
    assert len(sends) == 10  # 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5


# -- server non-INVITE -----------------------------------------------------------------------


def test_non_invite_server_absorbs_retransmissions_and_lingers_with_timer_j() -> None:
    tl = layer()
    options = request("OPTIONS", branch="z9hG4bKopt")
    tx = received(tl, options)
    assert tl.receive(options, PHONE, T0 + 0.5) == []  # Trying: absorbed, nothing to resend
    tl.respond(tx, make_response(tx.request, 200), T0 + 1)
    assert statuses(tl.receive(options, PHONE, T0 + 2)) == [200]
    fire_until(tl, T0 + 1 + 31.9)
    assert tl.transactions == 1
    fire_until(tl, T0 + 1 + 32)
    assert tl.transactions == 0


def test_cancel_finds_its_invite() -> None:
    tl = layer()
    invite_tx = received(tl, request())
    cancel_tx = received(tl, request("CANCEL"))
    assert cancel_tx is not invite_tx
    assert tl.find_invite(cancel_tx.request) is invite_tx
    assert tl.find_invite(parse(request("CANCEL", branch="z9hG4bKother"))) is None  # type: ignore[arg-type]


def test_rfc2543_requests_without_magic_cookie_still_match() -> None:
    tl = layer()
    old = request(branch="1234")
    received(tl, old)
    assert not any(isinstance(a, RequestReceived) for a in tl.receive(old, PHONE, T0 + 1))


# -- client transactions ---------------------------------------------------------------------


def invite_out(tl: TransactionLayer, dest: Address = PHONE) -> tuple[ClientTransaction, bytes]:
    headers = Headers(
        [
            ("Max-Forwards", "70"),
            ("From", "<sip:support@helin>;tag=h1"),
            ("To", "<sip:agent@phone>"),
            ("Call-ID", "out-1@helin"),
            ("CSeq", "1 INVITE"),
            ("Contact", "<sip:helin@127.0.0.1:5060>"),
        ]
    )
    tx, actions = tl.send_request(Request("INVITE", "sip:agent@127.0.0.1:5070", headers), dest, T0)
    (send,) = actions
    assert isinstance(send, Send)
    return tx, send.data


def answer(data: bytes, status: int, tag: str = "a1") -> bytes:
    invite = parse(data)
    assert isinstance(invite, Request)
    return make_response(invite, status, to_tag=tag).to_bytes()


def test_client_invite_retransmits_with_timer_a_and_gives_up_with_timer_b() -> None:
    tl = layer()
    _, data = invite_out(tl)
    assert parse(data).via[0].branch.startswith("z9hG4bK")  # type: ignore[union-attr]
    events = fire_until(tl, T0 + 40)
    sends = [round(t - T0, 3) for t, a in events if isinstance(a, Send)]
    assert sends == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]  # doubling, no T2 cap for INVITE
    assert [t for t, a in events if isinstance(a, TransactionTimedOut)] == [T0 + 32]


def test_provisional_stops_invite_retransmission() -> None:
    tl = layer()
    _, data = invite_out(tl)
    actions = tl.receive(answer(data, 180), PHONE, T0 + 0.1)
    assert [type(a) for a in actions] == [ResponseReceived]
    assert [a for _, a in fire_until(tl, T0 + 20) if isinstance(a, Send)] == []


def test_failure_is_acked_by_the_transaction_and_retransmissions_re_acked() -> None:
    tl = layer()
    tx, data = invite_out(tl)
    busy = answer(data, 486)
    acks = sent(tl.receive(busy, PHONE, T0 + 0.1))
    assert [(m.method, m.via[0].branch) for m in acks if isinstance(m, Request)] == [
        ("ACK", tx.key[0])
    ]
    assert [type(a) for a in tl.receive(busy, PHONE, T0 + 0.6)] == [Send]  # ACK again, no TU
    fire_until(tl, T0 + 40)
    assert tl.transactions == 0  # Timer D


def test_2xx_retransmissions_reach_the_tu_in_accepted_state() -> None:
    tl = layer()
    tx, data = invite_out(tl)
    ok = answer(data, 200)
    assert [type(a) for a in tl.receive(ok, PHONE, T0 + 0.1)] == [ResponseReceived]
    assert tx.state is State.ACCEPTED
    assert [type(a) for a in tl.receive(ok, PHONE, T0 + 0.6)] == [ResponseReceived]
    fire_until(tl, T0 + 40)
    assert tl.transactions == 0  # Timer M
    assert isinstance(tl.receive(ok, PHONE, T0 + 41)[0], Dropped)


def test_non_invite_client_retransmits_with_timer_e_capped_at_t2() -> None:
    tl = layer()
    headers = Headers(
        [
            ("Max-Forwards", "70"),
            ("From", "<sip:helin@helin>;tag=h2"),
            ("To", "<sip:agent@phone>"),
            ("Call-ID", "opt-1@helin"),
            ("CSeq", "1 OPTIONS"),
        ]
    )
    tl.send_request(Request("OPTIONS", "sip:agent@127.0.0.1:5070", headers), PHONE, T0)
    events = fire_until(tl, T0 + 40)
    sends = [round(t - T0, 3) for t, a in events if isinstance(a, Send)]
    assert sends[:6] == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5]
    assert [t for t, a in events if isinstance(a, TransactionTimedOut)] == [T0 + 32]


def test_tcp_transactions_never_retransmit() -> None:
    tl = layer()
    tcp_phone = Address("127.0.0.1", 40000, "TCP")
    invite_out(tl, tcp_phone)
    events = fire_until(tl, T0 + 40)
    assert [a for _, a in events if isinstance(a, Send)] == []
    assert [t for t, a in events if isinstance(a, TransactionTimedOut)] == [T0 + 32]


# -- errors and limits -----------------------------------------------------------------------


def test_malformed_request_gets_400_naming_the_fault() -> None:
    tl = layer()
    bad = request(cseq_method="BYE")
    (response,) = sent(tl.receive(bad, PHONE, T0))
    assert isinstance(response, Response)
    assert (response.status, response.reason) == (400, "CSeq method does not match request method")


def test_garbage_is_dropped_with_a_reason() -> None:
    tl = layer()
    (action,) = tl.receive(b"\x00\x01 hello\r\n\r\n", PHONE, T0)
    assert isinstance(action, Dropped)
    assert tl.receive(b"\r\n\r\n", PHONE, T0) == []  # keep-alive


def test_transaction_table_is_bounded() -> None:
    tl = TransactionLayer({"UDP": HELIN}, max_transactions=2)
    received(tl, request("OPTIONS", branch="z9hG4bK1"))
    received(tl, request("OPTIONS", branch="z9hG4bK2"))
    assert statuses(tl.receive(request("OPTIONS", branch="z9hG4bK3"), PHONE, T0)) == [503]
    assert tl.transactions == 2


def test_rport_and_received_route_the_response_to_the_source() -> None:
    tl = layer()
    natted = Address("127.0.0.9", 40123)
    tl.receive(request(rport=True, via_host="10.0.0.5:5060"), natted, T0)
    tl.receive(request(branch="z9hG4bKx", via_host="127.0.0.8:5099"), natted, T0)
    first, plain = [a for _, a in fire_until(tl, T0 + 0.2) if isinstance(a, Send)]  # 100s
    assert first.to == natted
    via = parse(first.data).via[0]
    assert via.params["received"] == "127.0.0.9"
    assert via.params["rport"] == "40123"
    assert plain.to == Address("127.0.0.9", 5099)  # received host, Via port


def test_an_answered_request_is_parsed_again_as_it_was_handed_up() -> None:
    tl = layer()
    nat = Address("192.0.2.7", 40000)
    data = request("OPTIONS", via_host="10.0.0.5:5070", rport=True, body=b"hello")
    (event,) = [a for a in tl.receive(data, nat, T0) if isinstance(a, RequestReceived)]
    tx = event.transaction
    assert tx is not None and tx.request is event.request
    first = event.request
    tl.respond(tx, make_response(first, 200), T0)
    again = tx.request  # dropped while the transaction lingers, parsed again when asked
    assert again is not first and again is tx.request
    assert list(again.headers) == list(first.headers)
    assert (again.method, again.uri, again.body) == (first.method, first.uri, first.body)
    assert again.via[0].params["received"] == "192.0.2.7"
    assert again.via[0].params["rport"] == "40000"
    assert statuses(tl.receive(data, nat, T0 + 1)) == [200]  # still absorbs retransmissions


def test_the_ack_of_a_2xx_is_matched_after_the_invite_was_released() -> None:
    tl = layer()
    tx = received(tl, request())
    tl.respond(tx, make_response(tx.request, 200, to_tag="t1"), T0)
    ack = request("ACK", branch="z9hG4bKack1", to_tag="t1", cseq_method="ACK")
    actions = tl.receive(ack, PHONE, T0 + 0.1)
    assert [a.transaction for a in actions if isinstance(a, RequestReceived)] == [None]
    assert [a for _, a in fire_until(tl, T0 + 40) if isinstance(a, Send | AckMissing)] == []
    assert tl.transactions == 0


def test_timers_of_every_length_fire_in_deadline_order() -> None:
    tl = layer()
    first = received(tl, request("OPTIONS", branch="z9hG4bKo1"))
    tl.respond(first, make_response(first.request, 200), T0)  # Timer J: T0 + 32
    invite = received(tl, request(branch="z9hG4bKi1"), T0 + 1)
    tl.respond(invite, make_response(invite.request, 486, to_tag="t1"), T0 + 1)  # G, H: + 32
    second = received(tl, request("OPTIONS", branch="z9hG4bKo2"), T0 + 2)
    tl.respond(second, make_response(second.request, 200), T0 + 2)  # Timer J: T0 + 34
    events = fire_until(tl, T0 + 40)
    times = [t for t, _ in events]
    assert times == sorted(times)
    resent = [round(t - T0, 3) for t, a in events if isinstance(a, Send)]
    assert resent == [1.5, 2.5, 4.5, 8.5, 12.5, 16.5, 20.5, 24.5, 28.5, 32.5]  # G, until H
    assert [round(t - T0) for t, a in events if isinstance(a, TransactionTimedOut)] == [33]
    assert tl.transactions == 0 and tl.next_deadline() is None
