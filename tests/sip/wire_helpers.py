"""Build raw SIP messages for tests and read what a transaction layer sent."""

from __future__ import annotations

from helin.sip.message import Request, Response, parse
from helin.sip.transaction import Send
from helin.sip.transaction_layer import LayerAction
from helin.sip.wire import Address

PHONE = Address("127.0.0.1", 5070)
HELIN = Address("127.0.0.1", 5060)


def request(
    method: str = "INVITE",
    *,
    branch: str = "z9hG4bKabc1",
    call_id: str = "call-1@phone",
    cseq: int = 1,
    cseq_method: str | None = None,
    to_tag: str | None = None,
    via_host: str = "127.0.0.1:5070",
    rport: bool = False,
    extra: str = "",
    body: bytes = b"",
) -> bytes:
    to = "<sip:support@helin>" + (f";tag={to_tag}" if to_tag else "")
    via = f"SIP/2.0/UDP {via_host};branch={branch}" + (";rport" if rport else "")
    text = (
        f"{method} sip:support@127.0.0.1 SIP/2.0\r\n"
        f"Via: {via}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@phone>;tag=from1\r\n"
        f"To: {to}\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: {cseq} {cseq_method or method}\r\n"
        "Contact: <sip:alice@127.0.0.1:5070>\r\n"
        f"{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return text.encode() + body


def sent(actions: list[LayerAction]) -> list[Request | Response]:
    return [parse(a.data) for a in actions if isinstance(a, Send)]


def statuses(actions: list[LayerAction]) -> list[int]:
    return [m.status for m in sent(actions) if isinstance(m, Response)]
