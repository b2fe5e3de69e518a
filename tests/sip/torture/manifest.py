"""The RFC 4475 "SIP Torture Test Messages" corpus: one entry per ``<name>.dat`` beside this file.

Each ``.dat`` file holds one message of RFC 4475 sections 3.1.1 (valid), 3.1.2 (invalid),
3.2 (transaction layer), 3.3 (application layer) and 3.4 (backward compatibility), byte for
byte as the RFC's bit-exact message archive (Appendix A) has it: CRLF line ends, the
``<allOneLine>`` lines joined, ``<hex>`` octets as raw bytes (NUL, BEL, DEL, the binary
S/MIME part of ``mpart01``, UTF-8 text), trailing spaces kept (``noreason``, ``trws``).
Two archive quirks are kept on purpose: ``dblreq`` and ``multi01`` end with an extra CRLF,
and ``baddn`` ends right after its last header line, with no empty line.

``sha256`` pins the bytes. For the 13 valid messages it equals the digest published for an
independent decode of the RFC's archive; all messages were also compared, header by header,
against a second independent transcription.

Reading an entry:

``valid``
    The RFC says a conforming parser must accept the message (all of 3.1.1, and those of
    3.2-3.4 that are syntactically well formed).
``status``
    The response the RFC expects an element to send (``None``: process it normally, or, for
    a response, whatever the note says).
``layer``
    Where helin must produce ``status``: ``"parse"`` -- ``parse()`` raises
    ``RemoteProtocolError`` with that status; ``"server"`` -- ``parse()`` accepts the message
    and the stack answers (or drops it) after parsing.
``also_ok``
    Other statuses the RFC explicitly allows for this message.
``liberal_ok``
    The RFC lets a liberal receiver accept the message instead of rejecting it.
``parser_may_reject``
    (``"server"`` layer) the RFC only asks that the element answer ``status`` without
    breaking, so raising it from ``parse()``, with the partly parsed message, is as good.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Layer = Literal["parse", "server"]

TORTURE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class TortureMessage:
    name: str
    section: str
    title: str
    valid: bool
    status: int | None
    layer: Layer | None
    note: str
    sha256: str
    also_ok: tuple[int, ...] = ()
    liberal_ok: bool = False
    parser_may_reject: bool = False

    @property
    def path(self) -> Path:
        return TORTURE_DIR / f"{self.name}.dat"

    def data(self) -> bytes:
        return self.path.read_bytes()

    @property
    def statuses(self) -> tuple[int, ...]:
        """Every status the RFC accepts for this message (empty if it is processed normally)."""
        return ((self.status,) if self.status is not None else ()) + self.also_ok


MESSAGES: list[TortureMessage] = [
    # ---------------------------------------------------------------- 3.1.1 valid messages
    TortureMessage(
        "wsinv",
        "3.1.1.1",
        "A Short Tortuous INVITE",
        valid=True,
        status=None,
        layer=None,
        note="Folding everywhere, escaped quotes in display names, empty Subject, LWS around"
        " colons and semicolons, compact and long names mixed, leading zeros: well formed.",
        sha256="d6f6cdee99cd0a1f8e3d9a0fdd67c877700e19ab86d8186dada06f61260e3e61",
    ),
    TortureMessage(
        "intmeth",
        "3.1.1.2",
        "Wide Range of Valid Characters",
        valid=True,
        status=501,
        layer="server",
        also_ok=(404,),
        note="Every non-alphanumeric token/word character in method, Request-URI, branch, tag,"
        " Call-ID, header name; quoted NUL/BEL/DEL; UTF-8 values. An endpoint answers the"
        " unknown method with 501 (a proxy 404 unless the URI is defined).",
        sha256="b957a8292c1c0a9851fe94705b90f94320738f43aacde64998e401f742ef688d",
    ),
    TortureMessage(
        "esc01",
        "3.1.1.3",
        "Valid Use of the % Escaping Mechanism",
        valid=True,
        status=None,
        layer=None,
        note="%HH escapes in the Request-URI, To, From and Contact URIs (user part and URI"
        " parameters); syntactically valid.",
        sha256="be3a316d4ce5f69cad474646191e390dd4b50fc8371e44b5197fe1237781973e",
    ),
    TortureMessage(
        "escnull",
        "3.1.1.4",
        "Escaped Nulls in URIs",
        valid=True,
        status=None,
        layer=None,
        note="%00 in user parts must not shorten the AOR when unescaped; registers two distinct"
        " contacts.",
        sha256="263fe2ecd12a5ccbb6c67b3174e9211d11da9b600e7d69666a86d2ee42873e90",
    ),
    TortureMessage(
        "esc02",
        "3.1.1.5",
        "Use of % When It Is Not an Escape",
        valid=True,
        status=501,
        layer="server",
        note="Method RE%47IST%45R is an unknown method (not REGISTER), display names are"
        " literally %Z%45, C%6Fntact is an unknown header (two Contacts, not three); an"
        " endpoint rejects it with 501.",
        sha256="9a9c59449f00327b02071feafc8e5c2a261c98c818044167894cc17809a12199",
    ),
    TortureMessage(
        "lwsdisp",
        "3.1.1.6",
        "Message with No LWS between Display Name and <",
        valid=True,
        status=None,
        layer=None,
        note="From: caller<sip:caller@example.com>;tag=323 is legal.",
        sha256="d1b36b6316c12824f6f04bf6b1fd1f021cade9b74871693b9c3474cd9fa7f4e6",
    ),
    TortureMessage(
        "longreq",
        "3.1.1.7",
        "Long Values in Header Fields",
        valid=True,
        status=None,
        layer=None,
        note="Very long display name, parameters, tag, Call-ID, branch and unknown header; 34"
        " Via values in mixed case, compact form and with space before the colon.",
        sha256="185739292bc676760e5b1cca77c87705aa570240171c506ad76f8c35af0ecdaa",
    ),
    TortureMessage(
        "dblreq",
        "3.1.1.8",
        "Extra Trailing Octets in a UDP Datagram",
        valid=True,
        status=None,
        layer=None,
        note="A REGISTER with Content-Length 0 followed by octets that look like an INVITE:"
        " they are noise to ignore (RFC 3261 18.3); the REGISTER is handled normally.",
        sha256="a6be48426565c2a705389c4ce2ea17e57b891cb13f80490a2cb9392c797b46ef",
    ),
    TortureMessage(
        "semiuri",
        "3.1.1.9",
        "Semicolon-Separated Parameters in URI User Part",
        valid=True,
        status=None,
        layer=None,
        note="The Request-URI user part is 'user;par=u%40example.net'; Accept is folded.",
        sha256="87bbaed6b4b354dbd3c5c7a20e66686303c63e43a0aa19b89de1ac75231611a2",
    ),
    TortureMessage(
        "transports",
        "3.1.1.10",
        "Varied and Unknown Transport Types",
        valid=True,
        status=None,
        layer=None,
        note="Via transports UDP, SCTP, TLS, UNKNOWN and TCP; processed as any request.",
        sha256="33b4553a3b9418121b099ff07882535151edd6a1e81898c63a916aad2cbf90bc",
    ),
    TortureMessage(
        "mpart01",
        "3.1.1.11",
        "Multipart MIME Message",
        valid=True,
        status=None,
        layer=None,
        note="multipart/mixed body whose second part is binary DER with NUL, bare CR and bare LF"
        " octets; framed by Content-Length 553. Must parse even if multipart is unsupported.",
        sha256="92147c8e24997bac59629e1b163767697d0d6d499af87f89e325d69968bec3ba",
    ),
    TortureMessage(
        "unreason",
        "3.1.1.12",
        "Unusual Reason Phrase",
        valid=True,
        status=None,
        layer=None,
        note="200 response whose reason phrase has unreserved and UTF-8 (Cyrillic) characters.",
        sha256="4f939d6ebf4817eea70f011d3209e83732872ffc20ffd304b244084dc392f4d7",
    ),
    TortureMessage(
        "noreason",
        "3.1.1.13",
        "Empty Reason Phrase",
        valid=True,
        status=None,
        layer=None,
        note="'SIP/2.0 100 ' -- the SP after the code is present, the reason phrase is empty.",
        sha256="07e11e470a69fffa3674de805e5165d1351a9439a91045ee70c9570ea24ab4fe",
    ),
    # -------------------------------------------------------------- 3.1.2 invalid messages
    TortureMessage(
        "badinv01",
        "3.1.2.1",
        "Extraneous Header Field Separators",
        valid=False,
        status=400,
        layer="parse",
        note="Via '192.0.2.15;;,;,,' and Contact ';;;;': empty parameters and values.",
        sha256="9ee2b88f2e0b5a9eeb9bf729b6177f0a0c7d0b5e6c84be593e0480d7962f3ab8",
    ),
    TortureMessage(
        "clerr",
        "3.1.2.2",
        "Content Length Larger Than Message",
        valid=False,
        status=400,
        layer="parse",
        note="Content-Length 9999 with a 154-octet body: 400 over UDP; over a stream the"
        " receiver can only wait for more data and close the connection if none comes.",
        sha256="d9da629086a38df433438fb0fb19a8730f34516f049a5520dd0cac3285485290",
    ),
    TortureMessage(
        "ncl",
        "3.1.2.3",
        "Negative Content-Length",
        valid=False,
        status=400,
        layer="parse",
        note="Content-Length -999: answer an error; discard the datagram rest (UDP) or close"
        " the connection (TCP). Never use the converted value as a count or index.",
        sha256="7ea6538edc1f054fdb6cd1c821040460cffca3cb682fa2e8e2a502d92170b4c2",
    ),
    TortureMessage(
        "scalar02",
        "3.1.2.4",
        "Request Scalar Fields with Overlarge Values",
        valid=False,
        status=400,
        layer="parse",
        note="400 because the CSeq number exceeds 2**32-1. Max-Forwards 300 and the huge"
        " Expires/expires values alone could be treated as absent or as defaults.",
        sha256="53158177326568e9964bce5dcfac27a2bf8a90953bbc03f6c5e2775864a97e4b",
    ),
    TortureMessage(
        "scalarlg",
        "3.1.2.5",
        "Response Scalar Fields with Overlarge Values",
        valid=False,
        status=400,
        layer="parse",
        note="A response (CSeq > 2**32-1, huge Retry-After, 4-digit warn-code): the receiver"
        " simply discards it; no response is ever sent to a response.",
        sha256="0957eca31737e3592eb1418bb41e9f5219278a78ff420111620d7fb60175b551",
    ),
    TortureMessage(
        "quotbal",
        "3.1.2.6",
        "Unterminated Quoted String in Display Name",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note='To: "Mr. J. User <sip:j.user@example.com> -- 400; an element could infer the'
        " closing quote, with care.",
        sha256="e61978a2ea359fc666f0336fe4dbc623447532280e3273ea98119b3d3f788c84",
    ),
    TortureMessage(
        "ltgtruri",
        "3.1.2.7",
        "<> Enclosing Request-URI",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="INVITE <sip:user@example.com> SIP/2.0 -- reasonable to reject with 400; a liberal"
        " element may ignore the brackets but must never forward them.",
        sha256="bcacb2dc17610e8cc8f9b8b0e3d6ee65ab473f93787a03bbd33579e1cea473df",
    ),
    TortureMessage(
        "lwsruri",
        "3.1.2.8",
        "Malformed SIP Request-URI (embedded LWS)",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="'sip:user@example.com; lr' -- 400; an element could ignore the LWS where no"
        " ambiguity results (SIP URIs).",
        sha256="3e22ceeca585ad23cc180208e2dad94e0a5aa4bb877a61cac443aa927f758b9e",
    ),
    TortureMessage(
        "lwsstart",
        "3.1.2.9",
        "Multiple SP Separating Request-Line Elements",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="Two SPs between request-line elements: acceptable to reject as malformed; a"
        " liberal element may ignore them but must not forward them.",
        sha256="f884e5626c6c5b1210cfc4a3540b8a28bd52939cff092f3f0c5c971e032adb0e",
    ),
    TortureMessage(
        "trws",
        "3.1.2.10",
        "SP Characters at End of Request-Line",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="Two SPs after SIP/2.0: acceptable to reject as malformed; a liberal element may"
        " ignore them but must not forward them.",
        sha256="64ae20694026e28c10746b57386b7fd1276de02b6f8d42d418070e87d6f4499f",
    ),
    TortureMessage(
        "escruri",
        "3.1.2.11",
        "Escaped Headers in SIP Request-URI",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="Request-URI with ?Route=...: acceptable to reject with 400; a liberal element may"
        " ignore the headers, and a proxy must not forward them (nor turn them into headers).",
        sha256="c3cf30af13a9d107829cc105effd79355f1139c6ecc683a048b4c27951f8f416",
    ),
    TortureMessage(
        "baddate",
        "3.1.2.12",
        "Invalid Time Zone in Date Header Field",
        valid=False,
        status=400,
        layer="server",
        liberal_ok=True,
        note="Date in EST (only GMT is legal): may be rejected as malformed, but an element"
        " should not unless it uses Date; ignoring it is fine.",
        sha256="1208a6e3e0c8a8c33a06a1f3733d158413cb72e58c379d094c4ecea11e9d4c28",
    ),
    TortureMessage(
        "regbadct",
        "3.1.2.13",
        "Failure to Enclose name-addr URI in <>",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="Contact URI with an escaped header must be in name-addr form: reasonable to"
        " answer 400; a liberal element could infer the brackets here.",
        sha256="575d27530275814c1c98be164808fac89a0e2b4fc899dadcd97e6ba499437bda",
    ),
    TortureMessage(
        "badaspec",
        "3.1.2.14",
        "Spaces within addr-spec",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note='To: "Watson, Thomas" < sip:t.watson@example.org > -- parsers must not break;'
        " reasonable to reject with 400; liberal elements may ignore the spaces.",
        sha256="f8f6e2f4247287b0be6adb5ac222a6db4759395e44d27d2ddb9b39393e94867e",
    ),
    TortureMessage(
        "baddn",
        "3.1.2.15",
        "Non-token Characters in Display Name",
        valid=False,
        status=400,
        layer="parse",
        liberal_ok=True,
        note="Unquoted display names with commas in From and To: reasonable always to reject"
        " with 400 (liberal elements may infer quotes). The archive's file also lacks the"
        " empty line ending the headers.",
        sha256="9d9428e8017092f194ec11077ba6865c251308cdfd7fd9db6a993b28e5748951",
    ),
    TortureMessage(
        "badvers",
        "3.1.2.16",
        "Unknown Protocol Version",
        valid=False,
        status=505,
        layer="parse",
        note="SIP/7.0 in the request line (and Via): answer 505 Version Not Supported.",
        sha256="037d702d19e934bfeebbd2609050d7d54928d590cf90c78f3914522771dd8e03",
    ),
    TortureMessage(
        "mismatch01",
        "3.1.2.17",
        "Start Line and CSeq Method Mismatch",
        valid=False,
        status=400,
        layer="parse",
        note="OPTIONS request with CSeq method INVITE: any element answers 400.",
        sha256="a2c285636e451e75420da0cc62ee55ca3e398827008418befbfb078726bf0793",
    ),
    TortureMessage(
        "mismatch02",
        "3.1.2.18",
        "Unknown Method with CSeq Method Mismatch",
        valid=False,
        status=501,
        layer="server",
        also_ok=(400,),
        parser_may_reject=True,
        note="NEWMETHOD request with CSeq method INVITE: 501 preferred (future-proof,"
        " particularly at proxies); 400 also acceptable.",
        sha256="01b287f9a9c492f7f57405c36c8a2af0e2393896ed2d25fb92b502f2a6722bc4",
    ),
    TortureMessage(
        "bigcode",
        "3.1.2.19",
        "Overlarge Response Code",
        valid=False,
        status=400,
        layer="parse",
        note="Response code 4294967301 (> 699): the receiver simply drops the response.",
        sha256="f79450070975da54c3525c9a5cbe75bae3c9d8cb92eba609772c26f66f225c2e",
    ),
    # ------------------------------------------------------ 3.2 transaction layer semantics
    TortureMessage(
        "badbranch",
        "3.2.1",
        "Missing Transaction Identifier",
        valid=True,
        status=400,
        layer="server",
        liberal_ok=True,
        note="branch=z9hG4bK with no identifier: a parser must not break; reject with 400"
        " (preferably statelessly) or fall back to RFC 2543 transaction matching.",
        sha256="cb049c727f16b5ec49e822f9e8b7d0ee20ca2d20ffb50baecd0b411a5e64fa7d",
    ),
    # ------------------------------------------------------ 3.3 application layer semantics
    TortureMessage(
        "insuf",
        "3.3.1",
        "Missing Required Header Fields",
        valid=False,
        status=400,
        layer="server",
        parser_may_reject=True,
        note="No Call-ID, From or To: must not break the element; ideally answer 400.",
        sha256="1e3efd9f3b238c6351ba12bc7eb46d843f2761b5d4a6b82b63bffdf07f2c5aee",
    ),
    TortureMessage(
        "unkscm",
        "3.3.2",
        "Request-URI with Unknown Scheme",
        valid=True,
        status=416,
        layer="server",
        note="A parser must accept it; the element answers 416 Unsupported URI Scheme and must"
        " not route on the To header field instead.",
        sha256="81be1a6a566c7ab52fe1c58c4a75440dfd697ad04c5e09fa71340de7da7b8bbb",
    ),
    TortureMessage(
        "novelsc",
        "3.3.3",
        "Request-URI with Known but Atypical Scheme",
        valid=True,
        status=416,
        layer="server",
        also_ok=(404,),
        note="soap.beep: Request-URI; a parser must accept it. 416 if the scheme is never"
        " meaningful here, 404 for URIs of a scheme the element sometimes accepts.",
        sha256="9a50a7343fcf685e77c4d0f477138a28f32a41c75aa566d200f3df210b01e648",
    ),
    TortureMessage(
        "unksm2",
        "3.3.4",
        "Unknown URI Schemes in Header Fields",
        valid=True,
        status=400,
        layer="server",
        note="isbn:, http: and name: URIs in To, From, Contact: syntactically valid; proxies"
        " route it normally, a registrar answers 400 (the AOR in To must be SIP or SIPS).",
        sha256="f6914409ced613ef5eb56e264d2f096dac26ab9e397d6a638934d2027f1f6acb",
    ),
    TortureMessage(
        "bext01",
        "3.3.5",
        "Proxy-Require and Require",
        valid=True,
        status=420,
        layer="server",
        note="Unknown option tags: 420 Bad Extension with Unsupported listing the Require tags"
        " (as UAS) or the Proxy-Require tags (as proxy).",
        sha256="57181987c02c4f5752b7aa8c2847311f6184216ce7621e40303015949e70761c",
    ),
    TortureMessage(
        "invut",
        "3.3.6",
        "Unknown Content-Type",
        valid=True,
        status=415,
        layer="server",
        note="Body of type application/unknownformat: a parser must not fail; a proxy handles"
        " it as any INVITE, an endpoint answers 415 Unsupported Media Type.",
        sha256="9b39e824947df46f90f824cd308fb3c118f548d94637f581101e355b381a0d92",
    ),
    TortureMessage(
        "regaut01",
        "3.3.7",
        "Unknown Authorization Scheme",
        valid=True,
        status=401,
        layer="server",
        also_ok=(405,),
        liberal_ok=True,
        note="Authorization scheme nobody knows: a registrar that authenticates challenges"
        " with 401, one that does not ignores the field, a non-registrar may answer 405.",
        sha256="885ba0488872cfc04a3c7622854b8381955a5ee890745d6010834e3731a73faa",
    ),
    TortureMessage(
        "multi01",
        "3.3.8",
        "Multiple Values in Single Value Required Fields",
        valid=False,
        status=400,
        layer="server",
        parser_may_reject=True,
        note="Two each of CSeq, Call-ID, To, From and Max-Forwards: answer 400.",
        sha256="d156ab12105b4bfd8a6498de6f7195087058162b8cda1606169855b722411791",
    ),
    TortureMessage(
        "mcl01",
        "3.3.9",
        "Multiple Content-Length Values",
        valid=False,
        status=400,
        layer="parse",
        note="Content-Length 13 and 5: answer an error; discard the datagram rest (UDP) or"
        " close the connection (TCP) -- the framing is unrecoverable.",
        sha256="887191619bf003b7e87399200b5cf4c3b5397344dbf70288ad5e23bd157b7fe4",
    ),
    TortureMessage(
        "bcast",
        "3.3.10",
        "200 OK Response with Broadcast Via Header Field Value",
        valid=True,
        status=None,
        layer="server",
        note="Second Via sent-by 255.255.255.255: well formed; an endpoint discards the"
        " response and a proxy must drop it rather than forward it to the broadcast address.",
        sha256="073637c63597199179cf5fc91b980b2d530c066a0048ea3b908772def57b4c36",
    ),
    TortureMessage(
        "zeromf",
        "3.3.11",
        "Max-Forwards of Zero",
        valid=True,
        status=483,
        layer="server",
        note="Max-Forwards 0 is legal: a proxy answers 483 Too Many Hops and does not forward;"
        " an endpoint processes the request as usual.",
        sha256="50954ef47acca4f9f5263ded06246d06dee4e2ee508a8d284191795d7fddf365",
    ),
    TortureMessage(
        "cparam01",
        "3.3.12",
        "REGISTER with a Contact Header Parameter",
        valid=True,
        status=None,
        layer=None,
        note="Contact in addr-spec form: ';unknownparam' is a contact-param, not a URI"
        " parameter; the registration succeeds without it in the bound URI.",
        sha256="dfa6b5cdb289adc694b9b7e103ebfa7a2167335c46e5dc9de67055021910ae1c",
    ),
    TortureMessage(
        "cparam02",
        "3.3.13",
        "REGISTER with a url-parameter",
        valid=True,
        status=None,
        layer=None,
        note="Contact <...;unknownparam>: a URI parameter, kept in the binding and returned on"
        " later fetches.",
        sha256="e93574215bd1d804bb46cc15ca6176b567def7ea1b15f72ab2c2dcf598af465a",
    ),
    TortureMessage(
        "regescrt",
        "3.3.14",
        "REGISTER with a URL Escaped Header",
        valid=True,
        status=None,
        layer=None,
        note="Contact URI with an escaped Route header: the registration succeeds and keeps"
        " the header in the bound URI.",
        sha256="dab4087c133348b06fd7b3c4c7ef15094f8754e265e4e8c2137bb3ecda2ef477",
    ),
    TortureMessage(
        "sdp01",
        "3.3.15",
        "Unacceptable Accept Offering",
        valid=True,
        status=406,
        layer="server",
        also_ok=(400,),
        note="Accept: text/nobodyKnowsThis on an INVITE: 406 with a Warning 399, or 400 since"
        " every INVITE-capable UA must support application/sdp.",
        sha256="497c5f1ced6c7b579b48075e2dca919ce9b819a735964128a6e744a3a0b9e57f",
    ),
    # ------------------------------------------------------ 3.4 backward compatibility
    TortureMessage(
        "inv2543",
        "3.4.1",
        "INVITE with RFC 2543 Syntax",
        valid=True,
        status=None,
        layer=None,
        note="No branch, no From tag, no Max-Forwards, no Content-Length (the body is the rest"
        " of the datagram): accepted by elements keeping RFC 2543 compatibility.",
        sha256="76fac8afe22dee49ea696b511621946694897ac7030fc5d07f57c8b487ce0521",
    ),
]

BY_NAME: dict[str, TortureMessage] = {message.name: message for message in MESSAGES}
