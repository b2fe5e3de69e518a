"""Registrar: REGISTER with digest auth, bindings, expiry, terminal status, guessing blocked."""

from __future__ import annotations

import logging

import pytest

from helin.sip.digest import Algorithm, Challenge, DigestVerifier, answer_challenge, compute_ha1
from helin.sip.message import Request, Response, parse
from helin.sip.ratelimit import AuthGuard, Policy
from helin.sip.wire import Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.registrar import Binding, Registrar, TerminalStatus

REALM = "example.test"
PHONE = Address("127.0.0.1", 5070)
NOW = 1_000_000.0


def device(username: str = "jaan-soft", password: str = "s3cret!") -> Device:
    return Device(
        id="d1",
        user_id="u1",
        username=username,
        realm=REALM,
        ha1s={
            alg: compute_ha1(alg, username, REALM, password)
            for alg in (Algorithm.MD5, Algorithm.SHA256)
        },
    )


class World:
    def __init__(self) -> None:
        self.devices = {"jaan-soft": device()}
        self.changes: list[tuple[list[Binding], list[Binding]]] = []
        self.statuses: list[tuple[str, str, TerminalStatus]] = []
        guard = AuthGuard(by_address=Policy(limit=5, window=60, block=600))
        auth = Authenticator(
            DigestVerifier(b"0123456789abcdef0123"), guard, self.devices.get, realms={REALM}
        )
        self.registrar = Registrar(
            auth,
            on_change=lambda a, r: self.changes.append((a, r)),
            on_status=lambda u, d, s: self.statuses.append((u, d, s)),
        )
        self.cseq = 0

    def register(
        self,
        *,
        password: str | None = "s3cret!",
        username: str = "jaan-soft",
        expires: str | None = "600",
        contact: str = "<sip:jaan-soft@127.0.0.1:5070>",
        source: Address = PHONE,
        now: float = NOW,
        aor: str | None = None,
    ) -> Response:
        self.aor = aor or username
        first = self._send(username, expires, contact, None, source, now)
        if password is None or first.status != 401:
            return first
        challenge = Challenge.parse(first.headers.get_all("WWW-Authenticate")[0])
        creds = answer_challenge(
            challenge,
            method="REGISTER",
            uri=f"sip:{REALM}",
            username=username,
            password=password,
        )
        return self._send(username, expires, contact, str(creds), source, now)

    def _send(
        self,
        username: str,
        expires: str | None,
        contact: str,
        authorization: str | None,
        source: Address,
        now: float,
    ) -> Response:
        self.cseq += 1
        lines = [
            f"REGISTER sip:{REALM} SIP/2.0",
            f"Via: SIP/2.0/UDP {source.host_port};branch=z9hG4bKr{self.cseq}",
            "Max-Forwards: 70",
            f"From: <sip:{self.aor}@{REALM}>;tag=r1",
            f"To: <sip:{self.aor}@{REALM}>",
            "Call-ID: reg-1@phone",
            f"CSeq: {self.cseq} REGISTER",
            f"Contact: {contact}",
        ]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if authorization is not None:
            lines.append(f"Authorization: {authorization}")
        request = parse(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode())
        assert isinstance(request, Request)
        return self.registrar.register(request, source, now)


def test_register_is_challenged_then_accepted_with_sha256_offered_first() -> None:
    w = World()
    first = w.register(password=None)
    assert first.status == 401
    algorithms = [Challenge.parse(v).algorithm for v in first.headers.get_all("WWW-Authenticate")]
    assert algorithms == [Algorithm.SHA256, Algorithm.MD5]
    ok = w.register()
    assert ok.status == 200
    assert ok.headers.get("Contact") == "<sip:jaan-soft@127.0.0.1:5070>;expires=600"
    assert w.registrar.status("d1") is TerminalStatus.REACHABLE
    assert w.registrar.reachable_devices("u1") == 1
    [(added, removed)] = w.changes
    assert [b.contact for b in added] == ["sip:jaan-soft@127.0.0.1:5070"] and removed == []
    assert w.statuses == [("u1", "d1", TerminalStatus.REACHABLE)]


def test_wrong_password_and_unknown_user_look_the_same() -> None:
    w = World()
    wrong = w.register(password="nope")
    unknown = w.register(username="nobody", password="x")
    assert wrong.status == unknown.status == 401
    assert len(wrong.headers.get_all("WWW-Authenticate")) == 2
    assert len(unknown.headers.get_all("WWW-Authenticate")) == 2
    assert w.registrar.status("d1") is TerminalStatus.UNREGISTERED


def test_password_guessing_is_blocked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    w = World()
    with caplog.at_level(logging.WARNING):
        answers = [w.register(password=f"guess{n}").status for n in range(8)]
    assert answers[:5] == [401] * 5
    assert answers[-1] == 403
    assert any("blocked" in r.message for r in caplog.records)
    assert w.register().status == 403  # even the right password, from that address, for now
    assert w.register(source=Address("127.0.0.2", 5070)).status == 200  # another address


def test_too_brief_expiry_gets_423_and_long_ones_are_capped() -> None:
    w = World()
    brief = w.register(expires="30")
    assert (brief.status, brief.headers.get("Min-Expires")) == (423, "60")
    ok = w.register(expires="999999")
    assert ok.headers.get(
        "Contact",
    ).endswith("expires=3600")  # type: ignore[union-attr]


def test_unregister_with_expires_zero_and_star() -> None:
    w = World()
    w.register()
    w.register(contact="<sip:jaan-soft@127.0.0.1:5071>")
    assert len(w.registrar.contacts_of("u1")) == 2
    w.register(expires="0")
    assert [b.contact for b in w.registrar.contacts_of("u1")] == ["sip:jaan-soft@127.0.0.1:5071"]
    w.register(contact="*", expires="0")
    assert w.registrar.contacts_of("u1") == []
    assert w.registrar.status("d1") is TerminalStatus.UNREGISTERED


def test_bindings_expire_and_restore() -> None:
    w = World()
    w.register(expires="120")
    saved = w.registrar.contacts_of("u1")
    w.registrar.expire(NOW + 121)
    assert w.registrar.contacts_of("u1") == []
    fresh = World()
    fresh.registrar.restore(saved, NOW + 10)
    assert fresh.registrar.contacts_of("u1") == saved
    assert fresh.registrar.status("d1") is TerminalStatus.REACHABLE


def test_ping_timeout_makes_the_device_unreachable_and_an_answer_reachable_again() -> None:
    w = World()
    w.register()
    [(binding, ping)] = w.registrar.pings(Address("127.0.0.1", 5060))
    assert ping.method == "OPTIONS" and ping.uri == binding.contact
    w.registrar.ping_timed_out(binding)
    assert w.registrar.status("d1") is TerminalStatus.UNREACHABLE
    assert w.registrar.reachable_devices("u1") == 0
    w.registrar.ping_answered(binding)
    assert w.registrar.status("d1") is TerminalStatus.REACHABLE


def test_a_ping_timing_out_after_the_phone_registered_again_leaves_it_reachable() -> None:
    w = World()
    w.register()
    [(binding, _)] = w.registrar.pings(Address("127.0.0.1", 5060))
    assert w.register(now=NOW + 20).status == 200  # re-registers while the ping is out
    w.registrar.ping_timed_out(binding)
    assert w.registrar.status("d1") is TerminalStatus.REACHABLE
    assert [b.contact for b in w.registrar.reachable_contacts("u1")] == [binding.contact]
    [(fresh, _)] = w.registrar.pings(Address("127.0.0.1", 5060))
    w.registrar.ping_timed_out(fresh)  # the next ping's timeout still counts
    assert w.registrar.status("d1") is TerminalStatus.UNREACHABLE


def test_a_device_may_only_register_its_own_aor() -> None:
    w = World()
    w.devices["other"] = device("other")
    assert w.register(username="other", aor="jaan-soft").status == 403
    assert w.registrar.contacts_of("u1") == []
    assert w.register(username="other").status == 200  # its own AOR
