"""SDP parsing, serialising and offer/answer: codecs, DTMF, hold and resume, IPv6, 488."""

from __future__ import annotations

import pytest

from helin.media import sdp
from helin.media.g711 import PCMA, PCMU
from helin.media.sdp import Direction

PHONE_OFFER = (
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\n"
    "s=call\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 9 8 0 96\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\n"
    "a=fmtp:96 0-15\r\n"
    "a=ptime:20\r\n"
    "a=rtcp-mux\r\n"
    "m=video 51372 RTP/AVP 31\r\n"
)


def directed(direction: str) -> str:
    return PHONE_OFFER.replace("a=rtcp-mux\r\n", f"a=rtcp-mux\r\na={direction}\r\n")


def answer(offer: str | bytes, **kw: object) -> tuple[sdp.SessionDescription, sdp.MediaParams]:
    return sdp.answer(sdp.parse(offer), "192.0.2.1", 30000, session_id=7, version=1, **kw)  # type: ignore[arg-type]


def test_answer_picks_the_offerers_first_supported_codec_and_keeps_dtmf() -> None:
    sd, params = answer(PHONE_OFFER)
    audio, video = sd.media
    assert audio.formats == ("8", "96") and audio.port == 30000 and audio.ptime == 20
    assert audio.fmtp == {96: "0-15"}
    assert video.port == 0, "streams helin does not take are rejected with port 0"
    assert params == sdp.MediaParams(
        remote_address="198.51.100.7",
        remote_port=49170,
        codec=PCMA,
        payload_type=8,
        dtmf_payload_type=96,
        send=True,
        receive=True,
    )
    text = sdp.serialise(sd).decode()
    assert "m=audio 30000 RTP/AVP 8 96\r\n" in text and "a=sendrecv\r\n" in text
    assert "c=IN IP4 192.0.2.1\r\n" in text and "m=video 0 RTP/AVP 31\r\n" in text


def test_offer_round_trips_through_text() -> None:
    offer = sdp.make_offer("192.0.2.1", 30002, session_id=5, version=3)
    assert sdp.parse(sdp.serialise(offer)) == offer


def test_no_common_codec_is_a_typed_error_for_488() -> None:
    offer = PHONE_OFFER.replace("RTP/AVP 9 8 0 96", "RTP/AVP 9 96")
    with pytest.raises(sdp.NoCommonCodec):
        answer(offer)
    with pytest.raises(sdp.NoCommonCodec):
        answer(PHONE_OFFER.replace("RTP/AVP 9 8 0 96", "RTP/SAVP 0 8"))
    assert issubclass(sdp.NoCommonCodec, sdp.SdpError)


def test_supported_narrows_the_choice() -> None:
    _, params = answer(PHONE_OFFER, supported=(PCMU,))
    assert params.codec == PCMU


def test_dynamic_payload_type_for_g711_is_kept_on_the_wire() -> None:
    offer = PHONE_OFFER.replace("RTP/AVP 9 8 0 96", "RTP/AVP 97").replace(
        "a=rtpmap:9 G722/8000", "a=rtpmap:97 PCMU/8000"
    )
    sd, params = answer(offer)
    assert params.codec == PCMU and params.payload_type == 97
    assert sd.media[0].rtpmap[97] == ("PCMU", 8000)


@pytest.mark.parametrize(
    ("offered", "answered", "send", "receive"),
    [
        ("sendrecv", Direction.SENDRECV, True, True),
        ("sendonly", Direction.RECVONLY, False, True),
        ("recvonly", Direction.SENDONLY, True, False),
        ("inactive", Direction.INACTIVE, False, False),
    ],
)
def test_hold_directions_are_mirrored(
    offered: str, answered: Direction, send: bool, receive: bool
) -> None:
    sd, params = answer(directed(offered))
    assert sd.media[0].direction is answered
    assert (params.send, params.receive) == (send, receive)


def test_session_level_direction_applies_to_the_stream() -> None:
    offer = PHONE_OFFER.replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n")
    sd, _ = answer(offer)
    assert sd.media[0].direction is Direction.RECVONLY


def test_old_style_hold_with_zero_address() -> None:
    offer = PHONE_OFFER.replace("c=IN IP4 198.51.100.7", "c=IN IP4 0.0.0.0")
    sd, params = answer(offer)
    assert params.remote_address is None and not params.send and params.receive
    assert sd.media[0].direction is Direction.RECVONLY


def test_resume_after_hold() -> None:
    _, held = answer(directed("sendonly"))
    _, resumed = answer(directed("sendrecv"))
    assert not held.send and resumed.send and resumed.receive


def test_helin_holding_narrows_its_answer() -> None:
    sd, params = answer(PHONE_OFFER, local=Direction.SENDONLY)
    assert sd.media[0].direction is Direction.SENDONLY
    assert params.send and not params.receive


def test_ipv6_addresses() -> None:
    offer = PHONE_OFFER.replace("IN IP4 198.51.100.7", "IN IP6 2001:db8::7")
    sd, params = sdp.answer(sdp.parse(offer), "2001:db8::1", 30000, session_id=1, version=1)
    assert params.remote_address == "2001:db8::7"
    text = sdp.serialise(sd).decode()
    assert "c=IN IP6 2001:db8::1\r\n" in text and "o=- 1 1 IN IP6 2001:db8::1\r\n" in text


def test_answer_to_helins_offer() -> None:
    offer = sdp.make_offer("192.0.2.1", 30000, session_id=1, version=1)
    reply, _ = sdp.answer(offer, "198.51.100.9", 4000, session_id=9, version=1, supported=(PCMA,))
    params = sdp.accept_answer(offer, reply)
    assert (params.codec, params.remote_address, params.remote_port) == (PCMA, "198.51.100.9", 4000)
    assert params.dtmf_payload_type == sdp.DEFAULT_DTMF_PT and params.send and params.receive
    held, _ = sdp.answer(
        offer, "198.51.100.9", 4000, session_id=9, version=2, local=Direction.RECVONLY
    )
    params = sdp.accept_answer(offer, held)
    assert params.send and not params.receive


@pytest.mark.parametrize(
    "text",
    [
        "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
        "v=0\r\ns=no origin\r\n",
        "v=0\r\no=- x 1 IN IP4 1.2.3.4\r\n",
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 not-an-address\r\n",
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio port RTP/AVP 0\r\n",
        "garbage",
    ],
)
def test_malformed_sdp_is_a_peer_error(text: str) -> None:
    with pytest.raises(sdp.SdpError):
        sdp.parse(text)


def test_stream_without_connection_address_is_refused() -> None:
    with pytest.raises(sdp.SdpError):
        answer("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
