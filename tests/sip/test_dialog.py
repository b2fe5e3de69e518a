"""Dialogs: creation on both sides, in-dialog requests, routing, CSeq checks."""

from __future__ import annotations

import pytest

from helin.sip.dialog import Dialog, dialog_id_of
from helin.sip.errors import LocalProtocolError, RemoteProtocolError
from helin.sip.message import Request, Response, make_response, parse
from helin.sip.wire import Address
from tests.sip.wire_helpers import request


def incoming(data: bytes) -> Request:
    message = parse(data)
    assert isinstance(message, Request)
    return message


def test_uas_dialog_builds_bye_to_the_callers_contact() -> None:
    invite = incoming(request())
    dialog = Dialog.as_uas(invite, "helin1", "<sip:helin@127.0.0.1:5060>")
    assert dialog.id == ("call-1@phone", "helin1", "from1")
    bye = dialog.request("BYE")
    assert bye.uri == "sip:alice@127.0.0.1:5070"
    assert bye.to.tag == "from1"
    assert bye.from_.tag == "helin1"
    assert bye.cseq.method == "BYE"
    second = dialog.request("INFO")
    assert second.cseq.seq == bye.cseq.seq + 1
    assert dialog.next_hop() == Address("127.0.0.1", 5070)


def test_uac_dialog_uses_the_reversed_record_route_and_acks_with_the_invite_cseq() -> None:
    invite = incoming(request(cseq=7))
    response = make_response(
        invite,
        200,
        to_tag="agent1",
        extra=[
            ("Record-Route", "<sip:p2.example;lr>, <sip:127.0.0.1:5999;lr>"),
            ("Contact", "<sip:agent@127.0.0.1:6000>"),
        ],
    )
    ok = parse(response.to_bytes())
    assert isinstance(ok, Response)
    dialog = Dialog.as_uac(invite, ok)
    ack = dialog.ack(7)
    assert (ack.method, ack.cseq.seq, ack.uri) == ("ACK", 7, "sip:agent@127.0.0.1:6000")
    assert ack.headers.values("Route") == ["<sip:127.0.0.1:5999;lr>", "<sip:p2.example;lr>"]
    assert dialog.next_hop() == Address("127.0.0.1", 5999)
    assert dialog_id_of(ok, incoming=False) == dialog.id


def test_strict_route_puts_the_route_in_the_request_uri() -> None:
    invite = incoming(request(extra="Record-Route: <sip:127.0.0.1:5998>\r\n"))
    dialog = Dialog.as_uas(invite, "t", "<sip:helin@127.0.0.1>")
    bye = dialog.request("BYE")
    assert bye.uri == "sip:127.0.0.1:5998"
    assert bye.headers.values("Route") == ["<sip:alice@127.0.0.1:5070>"]


def test_out_of_order_cseq_is_refused_and_reinvite_refreshes_the_target() -> None:
    invite = incoming(request(cseq=5))
    dialog = Dialog.as_uas(invite, "t", "<sip:helin@127.0.0.1>")
    with pytest.raises(RemoteProtocolError) as exc:
        dialog.receive(incoming(request("BYE", cseq=4, to_tag="t")))
    assert exc.value.status == 500
    reinvite = incoming(
        request(cseq=6, to_tag="t").replace(
            b"Contact: <sip:alice@127.0.0.1:5070>", b"Contact: <sip:alice@127.0.0.1:7070>"
        )
    )
    dialog.receive(reinvite)
    assert dialog.remote_target == "sip:alice@127.0.0.1:7070"


def test_ack_and_cancel_cannot_be_new_requests() -> None:
    dialog = Dialog.as_uas(incoming(request()), "t", "<sip:helin@127.0.0.1>")
    with pytest.raises(LocalProtocolError):
        dialog.request("ACK")


def test_response_without_to_tag_cannot_create_a_dialog() -> None:
    invite = incoming(request())
    ok = parse(make_response(invite, 200, extra=[("Contact", "<sip:a@1.2.3.4>")]).to_bytes())
    assert isinstance(ok, Response)
    with pytest.raises(RemoteProtocolError):
        Dialog.as_uac(invite, ok)
