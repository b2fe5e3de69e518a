"""Digest authentication: RFC vectors, header round trips, the verifier's every outcome."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helin.sip.digest import (
    Algorithm,
    AuthParseError,
    Challenge,
    Credentials,
    DigestVerifier,
    UnsupportedAuth,
    Verdict,
    answer_challenge,
    choose_challenge,
    compute_ha1,
)
from helin.sip.digest import (
    DigestOutcome as Outcome,
)

SECRET = b"0123456789abcdef0123456789abcdef"
REALM = "example.org"
T0 = 1_700_000_000.0


def counter_bytes() -> Callable[[int], bytes]:
    """Deterministic, distinct salts."""
    counter = itertools.count(1)
    return lambda n: next(counter).to_bytes(n, "big")


def verifier(**kwargs: Any) -> DigestVerifier:
    kwargs.setdefault("random_bytes", counter_bytes())
    return DigestVerifier(SECRET, **kwargs)


def ha1s(
    username: str = "alice", password: str = "secret", realm: str = REALM
) -> dict[Algorithm, str]:
    return {a: compute_ha1(a, username, realm, password) for a in (Algorithm.MD5, Algorithm.SHA256)}


def login(
    v: DigestVerifier,
    *,
    now: float = T0,
    algorithm: Algorithm = Algorithm.SHA256,
    password: str = "secret",
    method: str = "REGISTER",
    uri: str = "sip:example.org",
    nc: int = 1,
) -> Credentials:
    """Credentials for alice answering a fresh challenge, as they arrive on the wire."""
    challenge = next(c for c in v.challenges(realm=REALM, now=now) if c.algorithm is algorithm)
    answer = answer_challenge(
        challenge, method=method, uri=uri, username="alice", password=password, nc=nc
    )
    return Credentials.parse(str(answer))


def check(v: DigestVerifier, creds: Credentials, *, now: float = T0, **kwargs: Any) -> Verdict:
    kwargs.setdefault("ha1s", ha1s())
    kwargs.setdefault("method", "REGISTER")
    kwargs.setdefault("realm", REALM)
    return v.verify(creds, now=now, **kwargs)


# --- RFC test vectors -------------------------------------------------------------------------

RFC2617_CHALLENGE = """Digest
        realm="testrealm@host.com",
        qop="auth,auth-int",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque="5ccc069c403ebaf9f0171e9517f40e41\""""

RFC2617_CREDENTIALS = """Digest username="Mufasa",
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        uri="/dir/index.html",
        qop=auth,
        nc=00000001,
        cnonce="0a4f113b",
        response="6629fae49393a05397450978507c4ef1",
        opaque="5ccc069c403ebaf9f0171e9517f40e41\""""

RFC7616_CHALLENGE = """Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""""

RFC7616_CREDENTIALS = """Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       nc=00000001,
       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       qop=auth,
       response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""""


def test_rfc2617_example() -> None:
    challenge = Challenge.parse(RFC2617_CHALLENGE)
    assert challenge == Challenge(
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque="5ccc069c403ebaf9f0171e9517f40e41",
        qop=("auth", "auth-int"),
    )
    answer = answer_challenge(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle Of Life",
        cnonce="0a4f113b",
    )
    assert answer == Credentials.parse(RFC2617_CREDENTIALS)
    assert answer.response == "6629fae49393a05397450978507c4ef1"


def test_rfc7616_sha256_example() -> None:
    challenge = Challenge.parse(RFC7616_CHALLENGE)
    assert challenge.algorithm is Algorithm.SHA256
    assert challenge.qop == ("auth", "auth-int")
    answer = answer_challenge(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle of Life",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert answer == Credentials.parse(RFC7616_CREDENTIALS)
    assert answer.response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"


def test_rfc7616_md5_example() -> None:
    challenge = dataclasses.replace(Challenge.parse(RFC7616_CHALLENGE), algorithm=Algorithm.MD5)
    answer = answer_challenge(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle of Life",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert answer.response == "8ca523f5e9506fed4657c9700eebdbec"


def test_ha1_matches_what_the_store_keeps() -> None:
    assert compute_ha1(Algorithm.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life") == (
        "939e7578ed9e3c518a452acee763bce9"
    )
    assert compute_ha1(Algorithm.SHA256_SESS, "u", "r", "p") == compute_ha1(
        Algorithm.SHA256, "u", "r", "p"
    )


# --- parsing and formatting -------------------------------------------------------------------


def test_parse_is_tolerant_of_case_whitespace_and_quoting() -> None:
    challenge = Challenge.parse(
        '  dIgEsT\tREALM = "a\\"b\\\\c" ,, Nonce="n",ALGORITHM="sha-256" , '
        'qop=auth, stale=TRUE, unknown=thing, domain="sip:a sip:b",'
    )
    assert challenge == Challenge(
        realm='a"b\\c',
        nonce="n",
        algorithm=Algorithm.SHA256,
        qop=("auth",),
        stale=True,
        domain="sip:a sip:b",
    )
    creds = Credentials.parse(
        'Digest username=bob, realm=r, nonce=n, uri=sip:r, response=ABC, qop="AUTH",'
        ' nc=0000000A, cnonce=c, algorithm=md5-SESS, opaque=""'
    )
    assert creds.qop == "auth"
    assert creds.nonce_count == 10
    assert creds.algorithm is Algorithm.MD5_SESS
    assert creds.opaque == ""
    assert creds.uri == "sip:r"


def test_format_quotes_and_escapes() -> None:
    challenge = Challenge(realm='x"y\\z', nonce="n", qop=("auth",), opaque="o", stale=True)
    assert str(challenge) == (
        'Digest realm="x\\"y\\\\z", nonce="n", opaque="o", stale=true, algorithm=MD5, qop="auth"'
    )
    assert Challenge.parse(str(challenge)) == challenge


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        '"Digest" realm="r", nonce="n"',
        'Digest, realm="r", nonce="n"',
        'Digest realm="r" nonce="n"',
        'Digest realm="r", nonce="n',
        'Digest realm="r", nonce',
        'Digest realm="r", nonce=',
        'Digest realm="r", nonce=,',
        'Digest realm="r", =n',
        'Digest realm="r", nonce="a\nb"',
        'Digest realm="r", nonce="a\x00b"',
        'Digest realm="r", nonce=a"b',
        'Digest realm="r", nonce="n", realm="s"',
        'Digest realm="r"',
        'Digest nonce="n"',
        'Digest realm="r", nonce="n", x="\\',
        'Digest realm="r", nonce=é',
    ],
)
def test_malformed_challenges_raise(value: str) -> None:
    with pytest.raises(AuthParseError):
        Challenge.parse(value)


@pytest.mark.parametrize(
    "value",
    [
        'Basic realm="r"',
        "Bearer abc==",
        'Digest realm="r", nonce="n", algorithm=SHA-1',
        'Digest realm="r", nonce="n", algorithm="SHA-512/256"',
    ],
)
def test_unsupported_challenges_raise_unsupported(value: str) -> None:
    with pytest.raises(UnsupportedAuth):
        Challenge.parse(value)


GOOD_CREDENTIALS = 'Digest username="u", realm="r", nonce="n", uri="sip:r", response="x"'


@pytest.mark.parametrize(
    "value",
    [
        GOOD_CREDENTIALS.replace('username="u", ', ""),
        GOOD_CREDENTIALS.replace('realm="r", ', ""),
        GOOD_CREDENTIALS.replace('nonce="n", ', ""),
        GOOD_CREDENTIALS.replace('uri="sip:r", ', ""),
        GOOD_CREDENTIALS.replace(', response="x"', ""),
        GOOD_CREDENTIALS + ", qop=auth",
        GOOD_CREDENTIALS + ", qop=auth, nc=00000001",
        GOOD_CREDENTIALS + ', qop=auth, cnonce="c"',
        GOOD_CREDENTIALS + ', qop=auth, cnonce="c", nc=1',
        GOOD_CREDENTIALS + ', qop=auth, cnonce="c", nc=0000000g',
        GOOD_CREDENTIALS + ', qop=auth, cnonce="c", nc=000000001',
        GOOD_CREDENTIALS + ', username="v"',
        GOOD_CREDENTIALS + ", algorithm=SHA3",
    ],
)
def test_malformed_credentials_raise(value: str) -> None:
    assert Credentials.parse(GOOD_CREDENTIALS).username == "u"
    with pytest.raises(AuthParseError):
        Credentials.parse(value)


def test_formatting_rejects_what_cannot_be_sent() -> None:
    with pytest.raises(ValueError):
        str(Challenge(realm="a\r\nVia: x", nonce="n"))
    with pytest.raises(ValueError):
        str(Challenge(realm="r", nonce="n", qop=("auth int",)))
    base = Credentials.parse(GOOD_CREDENTIALS)
    with pytest.raises(ValueError):
        str(dataclasses.replace(base, qop="auth", cnonce="c", nc="1"))
    with pytest.raises(ValueError):
        str(dataclasses.replace(base, qop="a b", cnonce="c", nc="00000001"))


# --- hypothesis: round trips and garbage ------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from('\t"\\'))
qop_token = st.from_regex(r"[a-z0-9!#$%&'*+.^_`|~-]+", fullmatch=True)
algorithms = st.sampled_from(list(Algorithm))

challenges = st.builds(
    Challenge,
    realm=text,
    nonce=text,
    algorithm=algorithms,
    qop=st.lists(qop_token, max_size=3).map(tuple),
    opaque=st.none() | text,
    stale=st.booleans(),
    domain=st.none() | text,
)


@st.composite
def credentials(draw: st.DrawFn) -> Credentials:
    qop = draw(st.none() | qop_token)
    with_count = qop is not None or draw(st.booleans())
    return Credentials(
        username=draw(text),
        realm=draw(text),
        nonce=draw(text),
        uri=draw(text),
        response=draw(text),
        algorithm=draw(algorithms),
        cnonce=draw(text) if with_count else draw(st.none() | text),
        opaque=draw(st.none() | text),
        qop=qop,
        nc=draw(st.from_regex(r"[0-9a-fA-F]{8}", fullmatch=True)) if with_count else None,
    )


@given(challenges)
def test_challenge_round_trip(challenge: Challenge) -> None:
    assert Challenge.parse(str(challenge)) == challenge


@given(credentials())
def test_credentials_round_trip(creds: Credentials) -> None:
    assert Credentials.parse(str(creds)) == creds


digestish = st.text(st.sampled_from(list('Digest realm=nonce,"\\ \t\r\nqopauthMD5-é\x00')))


@given(st.text() | digestish | digestish.map(lambda s: "Digest " + s))
def test_garbage_raises_only_auth_parse_error(value: str) -> None:
    for parse in (Challenge.parse, Credentials.parse):
        with contextlib.suppress(AuthParseError):
            parse(value)


@given(credentials(), st.sampled_from([None, {}, ha1s()]), st.floats(allow_nan=False))
def test_verifier_never_crashes(
    creds: Credentials, stored: dict[Algorithm, str] | None, now: float
) -> None:
    v = DigestVerifier(SECRET, legacy_no_qop=True)
    verdict = v.verify(creds, realm=creds.realm, method="INVITE", ha1s=stored, now=now)
    assert verdict.outcome is not Outcome.OK


# --- the client side --------------------------------------------------------------------------


def test_choose_challenge_prefers_the_strongest_usable() -> None:
    values = [
        'Digest realm="r", nonce="1", algorithm=MD5, qop="auth"',
        'Basic realm="r"',
        'Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth"',
        'Digest realm="r", nonce="3", algorithm=SHA-512-256, qop="auth-int"',
        'Digest realm="r", nonce="4", algorithm=SHA-1, qop="auth"',
        "Digest garbage",
    ]
    assert choose_challenge(values).nonce == "2"
    assert choose_challenge(reversed(values)).nonce == "2"
    assert choose_challenge(['Digest realm="r", nonce="5"']).qop == ()


@pytest.mark.parametrize(
    "values",
    [[], ['Basic realm="r"'], ['Digest realm="r", nonce="n", qop="auth-int"'], ["Digest x"]],
)
def test_choose_challenge_raises_when_nothing_is_usable(values: list[str]) -> None:
    with pytest.raises(AuthParseError):
        choose_challenge(values)


def test_answer_with_ha1_equals_answer_with_password() -> None:
    challenge = Challenge(realm="r", nonce="n", algorithm=Algorithm.SHA256, qop=("auth",))
    by_password = answer_challenge(
        challenge, method="INVITE", uri="sip:x@r", username="u", password="p", cnonce="c", nc=7
    )
    by_ha1 = answer_challenge(
        challenge,
        method="INVITE",
        uri="sip:x@r",
        username="u",
        ha1=compute_ha1(Algorithm.SHA256, "u", "r", "p"),
        cnonce="c",
        nc=7,
    )
    assert by_password == by_ha1
    assert by_password.nc == "00000007"


def test_answer_generates_a_cnonce_and_legacy_answers_have_none() -> None:
    challenge = Challenge(realm="r", nonce="n", qop=("auth",))
    first = answer_challenge(challenge, method="M", uri="u", username="u", password="p")
    second = answer_challenge(challenge, method="M", uri="u", username="u", password="p")
    assert first.cnonce and second.cnonce and first.cnonce != second.cnonce
    legacy = answer_challenge(
        Challenge(realm="r", nonce="n"), method="M", uri="u", username="u", password="p"
    )
    assert (legacy.qop, legacy.nc, legacy.cnonce) == (None, None, None)
    ha1 = compute_ha1(Algorithm.MD5, "u", "r", "p")
    ha2 = Algorithm.MD5.hash("M:u")
    assert legacy.response == Algorithm.MD5.hash(f"{ha1}:n:{ha2}")


def test_sess_answers_rehash_ha1() -> None:
    challenge = Challenge(realm="r", nonce="n", algorithm=Algorithm.MD5_SESS, qop=("auth",))
    answer = answer_challenge(
        challenge, method="M", uri="u", username="u", password="p", cnonce="c"
    )
    session = Algorithm.MD5.hash(f"{compute_ha1(Algorithm.MD5, 'u', 'r', 'p')}:n:c")
    ha2 = Algorithm.MD5.hash("M:u")
    assert answer.response == Algorithm.MD5.hash(f"{session}:n:00000001:c:auth:{ha2}")
    sha = dataclasses.replace(challenge, algorithm=Algorithm.SHA512_256_SESS)
    assert (
        len(answer_challenge(sha, method="M", uri="u", username="u", password="p").response) == 64
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"password": "p", "ha1": "h"}, {"password": "p", "nc": 0}, {"password": "p", "nc": 2**32}],
)
def test_answer_rejects_misuse(kwargs: dict[str, Any]) -> None:
    challenge = Challenge(realm="r", nonce="n", qop=("auth",))
    with pytest.raises(ValueError):
        answer_challenge(challenge, method="M", uri="u", username="u", **kwargs)


def test_answer_refuses_auth_int_only() -> None:
    with pytest.raises(UnsupportedAuth):
        answer_challenge(
            Challenge(realm="r", nonce="n", qop=("auth-int",)),
            method="M",
            uri="u",
            username="u",
            password="p",
        )


# --- the server side --------------------------------------------------------------------------


def test_challenges_offer_sha256_then_md5_with_one_fresh_nonce() -> None:
    v = verifier()
    first = v.challenges(realm=REALM, now=T0)
    assert [c.algorithm for c in first] == [Algorithm.SHA256, Algorithm.MD5]
    assert all(c.qop == ("auth",) and not c.stale and c.realm == REALM for c in first)
    assert first[0].nonce == first[1].nonce
    assert len(first[0].nonce) == 43
    assert v.challenges(realm=REALM, now=T0)[0].nonce != first[0].nonce
    assert all(c.stale for c in v.challenges(realm=REALM, now=T0, stale=True))
    for challenge in first:
        assert Challenge.parse(str(challenge)) == challenge


@pytest.mark.parametrize("algorithm", [Algorithm.SHA256, Algorithm.MD5])
def test_correct_answer_is_accepted(algorithm: Algorithm) -> None:
    v = verifier()
    verdict = check(v, login(v, algorithm=algorithm), now=T0 + 10)
    assert verdict.outcome is Outcome.OK
    assert verdict.accepted and not verdict.stale and not verdict.failed


def test_any_node_with_the_secret_accepts_the_nonce_and_others_do_not() -> None:
    creds = login(verifier())
    assert check(verifier(), creds).outcome is Outcome.OK
    other = DigestVerifier(b"another secret of 32 bytes......")
    assert check(other, creds, ha1s=ha1s()) == Verdict(
        outcome=Outcome.STALE, detail="nonce not issued here"
    )


def test_wrong_password_and_unknown_user_fail_alike() -> None:
    v = verifier()
    wrong = check(v, login(v, password="guess"))
    assert wrong.outcome is Outcome.WRONG and wrong.failed and not wrong.stale
    unknown = check(v, login(v), ha1s=None)
    assert unknown.outcome is Outcome.UNKNOWN_USER and unknown.failed and not unknown.stale
    no_sha = check(v, login(v), ha1s={Algorithm.MD5: ha1s()[Algorithm.MD5]})
    assert no_sha.outcome is Outcome.UNKNOWN_USER


def test_unknown_user_is_checked_against_a_stable_dummy() -> None:
    v = verifier()
    creds = login(v)
    assert check(v, creds, ha1s=None) == check(v, creds, ha1s=None)
    assert check(v, creds, ha1s={}).outcome is Outcome.UNKNOWN_USER


def test_expired_nonce_with_a_correct_answer_is_stale() -> None:
    v = verifier(lifetime=300.0)
    creds = login(v, now=T0)
    assert check(v, creds, now=T0 + 301).outcome is Outcome.STALE
    assert check(v, creds, now=T0 - 301).outcome is Outcome.STALE
    assert check(v, creds, now=T0 + 299).outcome is Outcome.OK
    late_and_wrong = login(v, now=T0, password="guess")
    assert check(v, late_and_wrong, now=T0 + 1000).outcome is Outcome.WRONG


def test_forged_or_foreign_nonces_are_never_accepted() -> None:
    v = verifier()
    creds = login(v)
    nonce = creds.nonce
    flipped = nonce[:-1] + ("A" if nonce[-1] != "A" else "B")
    for fake in [
        flipped,
        nonce[:-1],
        nonce + "A",
        "!" * 43,
        "",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    ]:
        answer = answer_challenge(
            Challenge(realm=REALM, nonce=fake, algorithm=Algorithm.SHA256, qop=("auth",)),
            method="REGISTER",
            uri="sip:example.org",
            username="alice",
            password="secret",
        )
        verdict = check(v, answer)
        assert verdict == Verdict(outcome=Outcome.STALE, detail="nonce not issued here"), fake


def test_nonce_is_bound_to_the_realm() -> None:
    v = verifier()
    challenge = v.challenges(realm="other.org", now=T0)[0]
    creds = answer_challenge(
        dataclasses.replace(challenge, realm=REALM),
        method="REGISTER",
        uri="sip:example.org",
        username="alice",
        password="secret",
    )
    assert check(v, creds).detail == "nonce not issued here"


def test_nonce_bound_to_the_source_address_when_asked() -> None:
    v = verifier(bind_source=True)
    challenge = v.challenges(realm=REALM, now=T0, source="192.0.2.1")[0]
    creds = answer_challenge(
        challenge, method="REGISTER", uri="u", username="alice", password="secret"
    )
    assert check(v, creds, source="192.0.2.2").outcome is Outcome.STALE
    assert check(v, creds, source="192.0.2.1").outcome is Outcome.OK
    unbound = verifier()
    assert check(unbound, login(unbound), source="anything").outcome is Outcome.OK


def test_nonce_count_replay_is_stale_and_out_of_order_within_the_window_is_fine() -> None:
    v = verifier()
    challenge = v.challenges(realm=REALM, now=T0)[0]

    def use(nc: int) -> Outcome:
        creds = answer_challenge(
            challenge, method="INVITE", uri="sip:q@x", username="alice", password="secret", nc=nc
        )
        return check(v, creds, method="INVITE").outcome

    assert use(1) is Outcome.OK
    assert use(1) is Outcome.STALE
    assert use(5) is Outcome.OK
    assert use(3) is Outcome.OK
    assert use(3) is Outcome.STALE
    assert use(2) is Outcome.OK
    assert use(100) is Outcome.OK
    assert use(37) is Outcome.OK
    assert use(36) is Outcome.STALE
    assert use(5) is Outcome.STALE
    assert use(100 + 64) is Outcome.OK
    assert use(100) is Outcome.STALE
    assert use(100 + 1000) is Outcome.OK
    assert use(100 + 999) is Outcome.OK
    assert v.tracked_nonces == 1


def test_wrong_answers_cannot_burn_counts_or_fill_the_table() -> None:
    v = verifier()
    challenge = v.challenges(realm=REALM, now=T0)[0]
    for nc in (1, 0xFFFFFFFF):
        bad = answer_challenge(
            challenge, method="M", uri="u", username="alice", password="x", nc=nc
        )
        assert check(v, bad).outcome is Outcome.WRONG
    for _ in range(50):
        assert check(v, login(v, password="guess")).outcome is Outcome.WRONG
    assert v.tracked_nonces == 0
    good = answer_challenge(challenge, method="M", uri="u", username="alice", password="secret")
    assert check(v, good, method="M").outcome is Outcome.OK


def test_bounded_replay_table_never_admits_a_replay() -> None:
    v = verifier(max_nonces=2)
    unused = login(v, now=T0)
    early = login(v, now=T0 + 1)
    assert check(v, early, now=T0 + 1).outcome is Outcome.OK
    for t in (T0 + 2, T0 + 3):
        assert check(v, login(v, now=t), now=t).outcome is Outcome.OK
    assert v.tracked_nonces == 2
    evicted = "nonce older than the replay table"
    assert check(v, early, now=T0 + 4) == Verdict(outcome=Outcome.STALE, detail=evicted)
    assert check(v, unused, now=T0 + 4).detail == evicted
    assert check(v, login(v, now=T0 + 4), now=T0 + 4).outcome is Outcome.OK
    assert v.tracked_nonces == 2


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"realm": "other.org"}, "realm mismatch"),
        ({"qop": "auth-int"}, "qop auth-int not offered"),
        ({"qop": None}, "qop missing (RFC 2069 answer)"),
        ({"nc": None}, "qop without a valid cnonce and nc"),
        ({"nc": "xyz"}, "qop without a valid cnonce and nc"),
        ({"cnonce": None}, "qop without a valid cnonce and nc"),
        ({"algorithm": Algorithm.SHA512_256}, "algorithm SHA-512-256 not offered"),
        ({"algorithm": Algorithm.MD5_SESS}, "algorithm MD5-sess not offered"),
    ],
)
def test_malformed_answers(change: dict[str, Any], detail: str) -> None:
    v = verifier()
    creds = dataclasses.replace(login(v), **change)
    verdict = check(v, creds)
    assert verdict == Verdict(outcome=Outcome.MALFORMED, detail=detail)
    assert verdict.failed


def test_only_configured_algorithms_are_offered_and_accepted() -> None:
    v = verifier(algorithms=[Algorithm.SHA256])
    assert [c.algorithm for c in v.challenges(realm=REALM, now=T0)] == [Algorithm.SHA256]
    md5 = answer_challenge(
        dataclasses.replace(v.challenges(realm=REALM, now=T0)[0], algorithm=Algorithm.MD5),
        method="REGISTER",
        uri="u",
        username="alice",
        password="secret",
    )
    assert check(v, md5).outcome is Outcome.MALFORMED
    sess = verifier(algorithms=[Algorithm.SHA256_SESS])
    challenge = sess.challenges(realm=REALM, now=T0)[0]
    answer = answer_challenge(
        challenge, method="REGISTER", uri="u", username="alice", password="secret"
    )
    assert check(sess, answer).outcome is Outcome.OK


def test_uri_is_checked_when_given() -> None:
    v = verifier()
    creds = login(v, uri="sip:example.org")
    assert (
        check(v, creds, uri="sip:example.org;transport=tcp").detail
        == "uri differs from the request"
    )
    assert check(v, creds, uri="sip:example.org").outcome is Outcome.OK


def test_method_is_part_of_the_answer() -> None:
    v = verifier()
    assert check(v, login(v, method="REGISTER"), method="INVITE").outcome is Outcome.WRONG


def test_legacy_answers_only_when_enabled_and_once_per_nonce() -> None:
    strict = verifier()
    legacy = verifier(legacy_no_qop=True)
    for v in (strict, legacy):
        nonce = v.nonce(realm=REALM, now=T0)
        answer = answer_challenge(
            Challenge(realm=REALM, nonce=nonce, algorithm=Algorithm.MD5),
            method="REGISTER",
            uri="sip:example.org",
            username="alice",
            password="secret",
        )
        first, second = check(v, answer), check(v, answer)
        if v is strict:
            assert first.outcome is second.outcome is Outcome.MALFORMED
        else:
            assert (first.outcome, second.outcome) == (Outcome.OK, Outcome.STALE)


def test_answer_case_of_hex_response_does_not_matter() -> None:
    v = verifier()
    creds = login(v)
    assert check(v, dataclasses.replace(creds, response=creds.response.upper())).accepted


def test_misconfiguration_is_refused() -> None:
    with pytest.raises(ValueError):
        DigestVerifier(b"short")
    with pytest.raises(ValueError):
        DigestVerifier(SECRET, lifetime=0)
    with pytest.raises(ValueError):
        DigestVerifier(SECRET, algorithms=())
    with pytest.raises(ValueError):
        DigestVerifier(SECRET, max_nonces=0)
