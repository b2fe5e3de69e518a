"""RFC 4475 "SIP Torture Test Messages" against helin's SIP message parser.

The corpus and what each message means are in ``tests/sip/torture/manifest.py``. Here:

- the corpus is intact (files, manifest and pinned SHA-256 agree);
- every message the RFC calls valid parses, and its key fields come out right;
- every message helin must reject in the parser raises ``RemoteProtocolError`` with the
  status the RFC names (or, where the RFC lets a liberal receiver accept it, parses into the
  liberal reading);
- messages left to the server parse (the server-side verdict is the stack's to test);
- nothing -- no message, no truncation of one, no parsed accessor -- raises anything but
  ``RemoteProtocolError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from helin.sip.errors import RemoteProtocolError
from helin.sip.message import Request, Response, parse
from tests.sip.torture.manifest import BY_NAME, MESSAGES, TORTURE_DIR, TortureMessage

Message = Request | Response
Check = Callable[[Message], None]

ACCESSORS = ("call_id", "cseq", "via", "from_", "to", "contacts")
"""Parsed accessors the stack reads; each may only fail with ``RemoteProtocolError``."""


def _ids(messages: list[TortureMessage]) -> list[str]:
    return [m.name for m in messages]


def _no_check(msg: Message) -> None:
    """Nothing more to check for this message."""


VALID = [m for m in MESSAGES if m.valid]
PARSE_REJECTS = [m for m in MESSAGES if m.layer == "parse"]
SERVER_INVALID = [m for m in MESSAGES if not m.valid and m.layer == "server"]


# ------------------------------------------------------------------------------ helpers


def _request(msg: Message) -> Request:
    assert isinstance(msg, Request), f"expected a request, got {msg!r}"
    return msg


def _response(msg: Message) -> Response:
    assert isinstance(msg, Response), f"expected a response, got {msg!r}"
    return msg


def _lower(params: dict[str, str | None]) -> dict[str, str | None]:
    """Parameter names compare case-insensitively (RFC 3261 7.3.1, 19.1.4)."""
    return {name.lower(): value for name, value in params.items()}


def _check_error(exc: RemoteProtocolError, context: str) -> None:
    assert isinstance(exc.status, int) and 400 <= exc.status <= 699, (
        f"{context}: RemoteProtocolError with status {exc.status!r}"
    )
    assert isinstance(exc.reason, str) and exc.reason, f"{context}: empty reason"


def _exercise(data: bytes, context: str, *, stream: bool = False) -> Message | None:
    """Parse, then read every accessor; fail on any exception but ``RemoteProtocolError``."""
    try:
        msg = parse(data, stream=stream)
    except RemoteProtocolError as exc:
        _check_error(exc, context)
        return None
    except Exception as exc:  # the point of the test: report it, with its traceback
        pytest.fail(f"{context}: parse raised {type(exc).__name__}: {exc}")
    for name in ACCESSORS:
        try:
            getattr(msg, name)
        except RemoteProtocolError as exc:
            _check_error(exc, f"{context}, .{name}")
        except Exception as exc:
            pytest.fail(f"{context}: .{name} raised {type(exc).__name__}: {exc}")
    return msg


# ---------------------------------------------------------------- per-message field checks

SDP_START = b"v=0\r\no=mhandley 29739 7272939 IN IP4 "
ACN = "amazinglylongcallername" * 5
CYRILLIC = "работающий"
EXT_VALUE = bytes.fromhex("EFBBBFE5A4A7E5819CE99BBB").decode("utf-8")
UNREASON = bytes.fromhex(
    "D0BDD0BE20D181D182D0BE20D0B4D0B5D0B2D18FD0BDD0BED181D182D0BE20"
    "D0B4D0B5D0B2D18FD182D18C202D20D0BFD180D0BED181D182D0BED0B5"
).decode("utf-8")


def check_wsinv(msg: Message) -> None:
    req = _request(msg)
    assert req.method == "INVITE"
    assert req.uri == "sip:vivekg@chair-dnrc.example.com;unknownparam"
    assert req.call_id == "wsinv.ndaksdj@192.0.2.1"
    assert (req.cseq.seq, req.cseq.method) == (9, "INVITE")
    max_forwards = req.headers.get("Max-Forwards")
    assert max_forwards is not None and int(max_forwards) == 68
    assert req.to.uri == "sip:vivekg@chair-dnrc.example.com"
    assert req.to.display_name is None
    assert req.to.tag == "1918181833n"
    # "J Rosenberg \\\"" is the quoted string; its content is: J Rosenberg \"
    assert req.from_.display_name == 'J Rosenberg \\"'
    assert req.from_.uri == "sip:jdrosen@example.com"
    assert req.from_.tag == "98asjd8"
    assert req.headers.get("Subject") == ""
    assert req.headers.get("s") == ""
    # a fold (CRLF + leading whitespace) reads as one SP (RFC 3261 7.3.1)
    assert req.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert req.headers.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    assert req.headers.get("Content-Type") == "application/sdp"
    assert req.headers.get("Route") == (
        "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>"
    )
    vias = [(v.transport, v.host, v.port, v.branch) for v in req.via]
    assert vias == [
        ("UDP", "192.0.2.2", None, "390skdjuw"),
        ("TCP", "spindle.example.com", None, "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", None, "z9hG4bK30239"),
    ]
    [contact] = req.contacts
    assert contact.display_name == 'Quoted string ""'
    assert contact.uri == "sip:jdrosen@example.com"
    assert _lower(contact.params) == {"newparam": "newvalue", "secondparam": None, "q": "0.33"}
    assert len(req.body) == 150 and req.body.startswith(SDP_START)


def check_intmeth(msg: Message) -> None:
    req = _request(msg)
    method = "!interesting-Method0123456789_*+`.%indeed'~"
    assert req.method == method
    assert req.uri == (
        "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
        ":&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com"
    )
    assert [v.branch for v in req.via] == ["z9hG4bK-.!%66*_+`'~"]
    assert req.to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert req.to.uri == "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com"
    assert req.from_.display_name == "token1~` token2'+_ token3*%!.-"
    assert req.from_.uri == "sip:mundane@example.com"
    assert _lower(req.from_.params)["fromparam''~+*_!.-%"] == CYRILLIC
    assert req.from_.tag == "_token~1'+`*%!-."
    assert req.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    assert (req.cseq.seq, req.cseq.method) == (139122385, method)
    assert req.headers.get("extensionHeader-!.%*+_`'~") == EXT_VALUE
    assert req.body == b""


def check_esc01(msg: Message) -> None:
    req = _request(msg)
    # escapes are kept as written: %3A and %40 stay escaped in the user part
    assert req.uri == "sip:sips%3Auser%40example.com@example.net"
    assert req.to.uri == "sip:%75se%72@example.com"
    assert req.from_.uri == "sip:I%20have%20spaces@example.net"
    assert req.from_.tag == "938"
    assert req.call_id == "esc01.239409asdfakjkn23onasd0-3234"
    assert req.headers.get("Content-Type") == "application/sdp"
    assert [c.uri for c in req.contacts] == [
        "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31"
    ]
    assert len(req.body) == 150


def check_escnull(msg: Message) -> None:
    req = _request(msg)
    assert req.method == "REGISTER"
    assert req.to.uri == "sip:null-%00-null@example.com"
    assert req.from_.uri == "sip:null-%00-null@example.com"
    assert req.from_.tag == "839923423"
    assert [c.uri for c in req.contacts] == [
        "sip:%00@host5.example.com",
        "sip:%00%00@host5.example.com",
    ]
    assert req.body == b""


def check_esc02(msg: Message) -> None:
    req = _request(msg)
    assert req.method == "RE%47IST%45R"  # not REGISTER: % is no escape in a method
    assert (req.cseq.seq, req.cseq.method) == (29344, "RE%47IST%45R")
    assert req.to.display_name == "%Z%45"
    assert req.from_.display_name == "%Z%45"
    assert [v.branch for v in req.via] == ["z9hG4bK209%fzsnel234"]
    assert [c.uri for c in req.contacts] == [
        "sip:alias1@host1.example.com",
        "sip:alias3@host3.example.com",
    ]
    assert req.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def check_lwsdisp(msg: Message) -> None:
    req = _request(msg)
    assert req.from_.display_name == "caller"
    assert req.from_.uri == "sip:caller@example.com"
    assert req.from_.tag == "323"


def check_longreq(msg: Message) -> None:
    req = _request(msg)
    assert req.to.display_name == "I have a user name of " + "extreme" * 10 + " proportion"
    assert req.to.uri == (
        "sip:user@example.com:6000;unknownparam1=very"
        + "long" * 20
        + "value;longparam"
        + "name" * 25
        + "=shortvalue;very"
        + "long" * 25
        + "ParameterNameWithNoValue"
    )
    assert req.from_.uri == f"sip:{ACN}@example.net"
    assert req.from_.tag == "12" + "982" * 50 + "424"
    params = _lower(req.from_.params)
    assert params["unknownheaderparam" + "name" * 20] == "unknowheaderparam" + "value" * 15
    assert params["unknownvaluelessparamname" + "paramname" * 9] is None
    assert req.call_id == "longreq.one" + "really" * 20 + "longcallid"
    assert (req.cseq.seq, req.cseq.method) == (3882340, "INVITE")
    long20 = "long" * 20
    assert req.headers.get("Unknown-" + "Long" * 20 + "-Name") == (
        f"unknown-{long20}-value; unknown-{long20}-parameter-name ="
        f" unknown-{long20}-parameter-value"
    )
    assert len(req.via) == 34
    assert [v.host for v in req.via[:33]] == [f"sip{n}.example.com" for n in range(33, 0, -1)]
    assert {v.transport for v in req.via} == {"TCP"}
    last = req.via[-1]
    assert last.host == "host.example.com"
    assert last.params.get("received") == "192.0.2.5"
    assert last.branch == "very" + "long" * 50 + "branchvalue"
    assert [c.uri for c in req.contacts] == [f"sip:{ACN}@host5.example.net"]
    assert len(req.body) == 150


def check_dblreq(msg: Message) -> None:
    req = _request(msg)
    assert req.method == "REGISTER"  # the INVITE-looking octets after it are noise
    assert req.body == b""
    assert req.call_id == "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
    assert (req.cseq.seq, req.cseq.method) == (8, "REGISTER")
    assert req.to.uri == "sip:j.user@example.com"
    assert [c.uri for c in req.contacts] == ["sip:j.user@host.example.com"]
    assert len(req.via) == 1


def check_semiuri(msg: Message) -> None:
    req = _request(msg)
    assert req.uri == "sip:user;par=u%40example.net@example.com"
    assert req.headers.get("Accept") == (
        "application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed,"
        " message/sip, message/sipfrag"
    )


def check_transports(msg: Message) -> None:
    req = _request(msg)
    assert req.call_id == "transports.kijh4akdnaqjkwendsasfdj"
    assert [(v.transport, v.host) for v in req.via] == [
        ("UDP", "t1.example.com"),
        ("SCTP", "t2.example.com"),
        ("TLS", "t3.example.com"),
        ("UNKNOWN", "t4.example.com"),
        ("TCP", "t5.example.com"),
    ]


def check_mpart01(msg: Message) -> None:
    req = _request(msg)
    assert req.method == "MESSAGE"
    assert req.call_id == "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA.."
    assert req.headers.get("Content-Type") == "multipart/mixed;boundary=7a9cbec02ceef655"
    identity = req.headers.get("Identity")
    assert identity is not None and identity.startswith("r5mwreLuyDRYBi/0TiPwEsY3rEVsk")
    [via] = req.via
    assert (via.host, via.port, via.branch) == (
        "127.0.0.1",
        5070,
        "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-",
    )
    assert "rport" in _lower(via.params)
    assert len(req.body) == 553
    assert req.body == BY_NAME["mpart01"].data()[-553:]
    assert req.body.startswith(b"--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n")
    assert req.body.endswith(b"\r\n--7a9cbec02ceef655--\r\n")
    assert b"\x00" in req.body


def check_unreason(msg: Message) -> None:
    resp = _response(msg)
    assert resp.status == 200
    assert resp.reason == "= 2**3 * 5**2 " + UNREASON
    assert resp.call_id == "unreason.1234ksdfak3j2erwedfsASdf"
    assert (resp.cseq.seq, resp.cseq.method) == (35, "INVITE")
    assert len(resp.body) == 154


def check_noreason(msg: Message) -> None:
    resp = _response(msg)
    assert resp.status == 100
    assert resp.reason == ""
    assert resp.call_id == "noreason.asndj203insdf99223ndf"
    assert resp.body == b""


def check_badbranch(msg: Message) -> None:
    req = _request(msg)
    assert [v.branch for v in req.via] == ["z9hG4bK"]


def check_unkscm(msg: Message) -> None:
    assert _request(msg).uri == "nobodyKnowsThisScheme:totallyopaquecontent"


def check_novelsc(msg: Message) -> None:
    assert _request(msg).uri == "soap.beep://192.0.2.103:3002"


def check_unksm2(msg: Message) -> None:
    req = _request(msg)
    assert req.to.uri == "isbn:2983792873"
    assert req.from_.uri == "http://www.example.com"
    assert req.from_.tag == "3234233"
    assert [c.uri for c in req.contacts] == ["name:John_Smith"]


def check_bext01(msg: Message) -> None:
    req = _request(msg)
    assert req.headers.get("Require") == "nothingSupportsThis, nothingSupportsThisEither"
    assert req.headers.get("Proxy-Require") == ("noProxiesSupportThis, norDoAnyProxiesSupportThis")
    assert [v.transport for v in req.via] == ["TLS"]


def check_invut(msg: Message) -> None:
    req = _request(msg)
    assert req.headers.get("Content-Type") == "application/unknownformat"
    assert req.body == b'<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n'


def check_regaut01(msg: Message) -> None:
    req = _request(msg)
    assert req.headers.get("Authorization") == "NoOneKnowsThisScheme opaque-data=here"
    assert req.body == b""


def check_bcast(msg: Message) -> None:
    resp = _response(msg)
    assert resp.status == 200
    assert [v.host for v in resp.via] == ["192.0.2.198", "255.255.255.255"]
    assert len(resp.body) == 154


def check_zeromf(msg: Message) -> None:
    req = _request(msg)
    max_forwards = req.headers.get("Max-Forwards")
    assert max_forwards is not None and int(max_forwards) == 0


def check_cparam01(msg: Message) -> None:
    [contact] = _request(msg).contacts
    # addr-spec form: the parameter belongs to the header field, not to the URI
    assert contact.uri == "sip:+19725552222@gw1.example.net"
    assert _lower(contact.params) == {"unknownparam": None}


def check_cparam02(msg: Message) -> None:
    [contact] = _request(msg).contacts
    # name-addr form: the parameter is inside <>, so it is a URI parameter
    assert contact.uri == "sip:+19725552222@gw1.example.net;unknownparam"
    assert contact.params == {}


def check_regescrt(msg: Message) -> None:
    req = _request(msg)
    assert [c.uri for c in req.contacts] == ["sip:user@example.com?Route=%3Csip:sip.example.com%3E"]
    assert req.body == b""


def check_sdp01(msg: Message) -> None:
    req = _request(msg)
    assert req.headers.get("Accept") == "text/nobodyKnowsThis"
    assert len(req.body) == 150


def check_inv2543(msg: Message) -> None:
    req = _request(msg)
    [via] = req.via
    assert (via.host, via.branch) == ("iftgw.example.com", None)
    assert req.from_.uri == "sip:+13035551111@ift.client.example.net;user=phone"
    assert req.from_.tag is None
    assert req.headers.get("Max-Forwards") is None
    assert req.headers.get("Content-Length") is None
    # no Content-Length over a datagram: the body is everything after the empty line
    data = BY_NAME["inv2543"].data()
    assert req.body == data[data.index(b"\r\n\r\n") + 4 :]
    assert req.body.startswith(SDP_START)


# messages outside 3.1.1 that a parser may accept: what it must then have read
def check_mismatch02(msg: Message) -> None:
    req = _request(msg)
    assert (req.method, req.cseq.method) == ("NEWMETHOD", "INVITE")


def check_multi01(msg: Message) -> None:
    req = _request(msg)
    for name in ("CSeq", "Call-ID", "To", "From", "Max-Forwards"):
        assert len(req.headers.get_all(name)) == 2, name


def check_baddate(msg: Message) -> None:
    assert _request(msg).headers.get("Date") == "Fri, 01 Jan 2010 16:00:00 EST"


def check_insuf(msg: Message) -> None:
    req = _request(msg)
    for name in ("Call-ID", "From", "To"):
        assert req.headers.get(name) is None, name


CHECKS: dict[str, Check] = {
    "wsinv": check_wsinv,
    "intmeth": check_intmeth,
    "esc01": check_esc01,
    "escnull": check_escnull,
    "esc02": check_esc02,
    "lwsdisp": check_lwsdisp,
    "longreq": check_longreq,
    "dblreq": check_dblreq,
    "semiuri": check_semiuri,
    "transports": check_transports,
    "mpart01": check_mpart01,
    "unreason": check_unreason,
    "noreason": check_noreason,
    "badbranch": check_badbranch,
    "unkscm": check_unkscm,
    "novelsc": check_novelsc,
    "unksm2": check_unksm2,
    "bext01": check_bext01,
    "invut": check_invut,
    "regaut01": check_regaut01,
    "bcast": check_bcast,
    "zeromf": check_zeromf,
    "cparam01": check_cparam01,
    "cparam02": check_cparam02,
    "regescrt": check_regescrt,
    "sdp01": check_sdp01,
    "inv2543": check_inv2543,
    "mismatch02": check_mismatch02,
    "multi01": check_multi01,
    "baddate": check_baddate,
    "insuf": check_insuf,
}


# what a liberal parser must have made of a message the RFC lets it accept
def liberal_ltgtruri(msg: Message) -> None:
    assert _request(msg).uri == "sip:user@example.com", "brackets must not be kept"


def liberal_lwsruri(msg: Message) -> None:
    assert _request(msg).uri == "sip:user@example.com;lr"


def liberal_lwsstart(msg: Message) -> None:
    req = _request(msg)
    assert (req.method, req.uri) == ("INVITE", "sip:user@example.com")


def liberal_trws(msg: Message) -> None:
    req = _request(msg)
    assert (req.method, req.uri) == ("OPTIONS", "sip:remote-target@example.com")


def liberal_badaspec(msg: Message) -> None:
    assert _request(msg).to.uri == "sip:t.watson@example.org"


def liberal_regbadct(msg: Message) -> None:
    req = _request(msg)
    try:
        contacts = req.contacts
    except RemoteProtocolError as exc:
        assert exc.status == 400
    else:
        assert [c.uri for c in contacts] == ["sip:user@example.com?Route=%3Csip:sip.example.com%3E"]


LIBERAL_CHECKS: dict[str, Check] = {
    "ltgtruri": liberal_ltgtruri,
    "lwsruri": liberal_lwsruri,
    "lwsstart": liberal_lwsstart,
    "trws": liberal_trws,
    "badaspec": liberal_badaspec,
    "regbadct": liberal_regbadct,
}


# ------------------------------------------------------------------------------ the corpus


def test_corpus_files_match_the_manifest() -> None:
    files = {path.stem for path in TORTURE_DIR.glob("*.dat")}
    assert files == set(BY_NAME)
    assert len(MESSAGES) == len(BY_NAME) == 49
    sections = {m.section for m in MESSAGES}
    assert len(sections) == 49
    assert sum(m.section.startswith("3.1.1.") for m in MESSAGES) == 13
    assert sum(m.section.startswith("3.1.2.") for m in MESSAGES) == 19


def test_manifest_entries_are_consistent() -> None:
    for m in MESSAGES:
        if m.status is not None:
            assert m.layer is not None, m.name
        if m.layer == "parse":
            assert not m.valid and m.status is not None, m.name
        if m.section.startswith("3.1.1."):
            assert m.valid, m.name
        if m.section.startswith("3.1.2."):
            assert not m.valid, m.name
        if m.parser_may_reject:
            assert m.layer == "server", m.name
        assert m.note and m.title, m.name


@pytest.mark.parametrize("message", MESSAGES, ids=_ids(MESSAGES))
def test_message_bytes_are_pinned(message: TortureMessage) -> None:
    assert hashlib.sha256(message.data()).hexdigest() == message.sha256


@pytest.mark.parametrize("message", MESSAGES, ids=_ids(MESSAGES))
def test_header_lines_end_in_crlf(message: TortureMessage) -> None:
    data = message.data()
    end = data.find(b"\r\n\r\n")
    head = data if end < 0 else data[: end + 2]
    assert head.endswith(b"\r\n")
    assert head.count(b"\n") == head.count(b"\r\n") == head.count(b"\r")


def test_field_checks_cover_every_valid_message() -> None:
    assert {m.name for m in VALID} <= set(CHECKS)


# ------------------------------------------------------------------------------ the parser


@pytest.mark.parametrize("message", VALID, ids=_ids(VALID))
def test_valid_message_parses(message: TortureMessage) -> None:
    try:
        msg = parse(message.data())
    except RemoteProtocolError as exc:
        pytest.fail(f"{message.name} ({message.section}) must parse; got {exc.status} {exc}")
    CHECKS[message.name](msg)


@pytest.mark.parametrize("message", PARSE_REJECTS, ids=_ids(PARSE_REJECTS))
def test_parser_rejects_with_the_rfc_status(message: TortureMessage) -> None:
    try:
        msg = parse(message.data())
    except RemoteProtocolError as exc:
        assert exc.status in message.statuses, (
            f"{message.name}: status {exc.status} ({exc.reason}), RFC 4475"
            f" {message.section} expects {message.statuses}"
        )
        return
    assert message.liberal_ok, (
        f"{message.name} ({message.section}) was accepted; the RFC wants"
        f" {message.status}: {message.note}"
    )
    LIBERAL_CHECKS.get(message.name, _no_check)(msg)


@pytest.mark.parametrize("message", SERVER_INVALID, ids=_ids(SERVER_INVALID))
def test_server_level_invalid_message_parses(message: TortureMessage) -> None:
    try:
        msg = parse(message.data())
    except RemoteProtocolError as exc:
        assert message.parser_may_reject, (
            f"{message.name} ({message.section}) must reach the server, got {exc.status}"
            f" {exc.reason}"
        )
        assert exc.status in message.statuses, (
            f"{message.name}: status {exc.status}, RFC 4475 expects {message.statuses}"
        )
        return
    CHECKS.get(message.name, _no_check)(msg)


def test_baddn_is_rejected_for_its_display_names_too() -> None:
    """The archive's baddn lacks the empty line; with it restored, the names still fail."""
    data = BY_NAME["baddn"].data() + b"\r\n"
    try:
        msg = parse(data)
    except RemoteProtocolError as exc:
        assert exc.status == 400
        return
    # a liberal parser inferred the quotes
    req = _request(msg)
    assert req.from_.display_name == "Bell, Alexander"
    assert req.to.display_name == "Watson, Thomas"


@pytest.mark.parametrize("message", MESSAGES, ids=_ids(MESSAGES))
def test_nothing_but_remote_protocol_error(message: TortureMessage) -> None:
    data = message.data()
    _exercise(data, message.name)
    _exercise(data, f"{message.name} (stream)", stream=True)


@pytest.mark.parametrize("message", MESSAGES, ids=_ids(MESSAGES))
def test_every_truncation_fails_cleanly(message: TortureMessage) -> None:
    data = message.data()
    for end in range(len(data)):
        _exercise(data[:end], f"{message.name}[:{end}]")
        _exercise(data[:end], f"{message.name}[:{end}] (stream)", stream=True)
