"""Who may call: INVITEs from addresses that are no trunk peer must pass digest auth (407),
and password guessing from one address is blocked (403) and logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.interop.harness import (
    PASSWORDS,
    REALM,
    TRUNK_ELSEWHERE,
    Helin,
    UdpPeer,
    digest_md5,
    header,
    md5_challenge,
    status_of,
)
from tests.interop.sipp import Sipp, users_file


def test_invite_from_unknown_address_without_good_credentials_gets_no_call(
    start_helin: Callable[..., Helin], sipp: Callable[..., Sipp], tmp_path: Path
) -> None:
    """The trunk table excludes 127.0.0.1: no credentials -> 407, wrong ones -> 407 again."""
    helin = start_helin(trunks=TRUNK_ELSEWHERE)
    runner = sipp(
        "invite_wrong_credentials",
        f"127.0.0.1:{helin.port}",
        "-s",
        "1000",
        "-inf",
        users_file(tmp_path, "alice"),
        "-au",
        "alice",
        "-ap",
        "not-the-password",
        "-m",
        "1",
    )
    rc = runner.run()
    assert rc == 0, runner.report()
    assert runner.calls() == (1, 0)
    assert helin.call(lambda: helin.callee.legs) == []
    assert len(helin.call(lambda: helin.tap.requests("INVITE"))) == 2  # both reached helin


def test_invite_from_a_phone_with_good_credentials_is_a_call(
    start_helin: Callable[..., Helin], sipp: Callable[..., Sipp], tmp_path: Path
) -> None:
    """The same address with the right password: 407, then the call, from device alice."""
    helin = start_helin(trunks=TRUNK_ELSEWHERE)
    runner = sipp(
        "invite_auth",
        f"127.0.0.1:{helin.port}",
        "-s",
        "1000",
        "-inf",
        users_file(tmp_path, "alice"),
        "-au",
        "alice",
        "-ap",
        PASSWORDS["alice"],
        "-m",
        "1",
    )
    rc = runner.run()
    assert rc == 0, runner.report()
    devices = helin.call(lambda: [d.username if d else None for d in helin.callee.devices])
    assert devices == ["alice"]
    assert helin.call(lambda: helin.callee.trunks) == [None]
    assert helin.call(lambda: helin.callee.legs[0].end_reason) == "remote-bye"


def register(peer: UdpPeer, user: str, *, cseq: int, call_id: str, auth: str | None) -> bytes:
    uri = f"sip:{REALM}"
    extra = ["Expires: 600", *([f"Authorization: {auth}"] if auth else [])]
    return peer.request(
        "REGISTER",
        uri,
        call_id=call_id,
        cseq=cseq,
        to=f"<sip:{user}@{REALM}>",
        from_user=user,
        extra=extra,
    )


def guess(peer: UdpPeer, user: str, password: str, attempt: int) -> int:
    """One guess: REGISTER, and when challenged, REGISTER again with ``password``.

    Returns the status of the last response (401 wrong, 403 blocked, 200 right).
    """
    call_id = f"guess-{user}-{attempt}"
    peer.send(register(peer, user, cseq=1, call_id=call_id, auth=None))
    first = peer.response()
    if status_of(first) != 401:
        return status_of(first) or 0
    auth = digest_md5(
        md5_challenge(first),
        method="REGISTER",
        uri=f"sip:{REALM}",
        username=user,
        password=password,
    )
    peer.send(register(peer, user, cseq=2, call_id=call_id, auth=auth))
    return status_of(peer.response()) or 0


def test_password_guessing_is_blocked_and_logged(
    helin: Helin, udp_peer: UdpPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """30 wrong passwords for alice from one address: 401s, then 403 for good, logged once."""
    caplog.set_level(logging.WARNING, logger="helin.switch.authenticator")
    results = [guess(udp_peer, "alice", f"guess-{n}", n) for n in range(30)]
    assert set(results) == {401, 403}, results
    first_block = results.index(403)
    assert results[:first_block] == [401] * first_block
    assert results[first_block:] == [403] * (30 - first_block), "a block must hold"
    blocks = [r.getMessage() for r in caplog.records if "authentication blocked" in r.message]
    assert blocks and all("alice@example.test" in b or "127.0.0.1" in b for b in blocks), blocks
    # while blocked, even the right password is refused; no binding was ever made
    assert guess(udp_peer, "alice", PASSWORDS["alice"], 99) == 403
    assert helin.call(lambda: helin.registrar.contacts_of("user-alice")) == []


def test_guessing_across_usernames_blocks_the_address(
    helin: Helin, udp_peer: UdpPeer, caplog: pytest.LogCaptureFixture
) -> None:
    """Trying many usernames from one address (unknown ones included) blocks the address."""
    caplog.set_level(logging.WARNING, logger="helin.switch.authenticator")
    users = [f"user{n}" for n in range(28)] + ["alice", "bob"]
    results = [guess(udp_peer, user, "123456", n) for n, user in enumerate(users)]
    assert 403 in results and 200 not in results, results
    assert results[results.index(403) :] == [403] * (len(results) - results.index(403))
    messages = [r.getMessage() for r in caplog.records]
    assert any("blocked for address 127.0.0.1" in m for m in messages), messages
    # the block is on the address: another socket there is refused too, for any username
    other = UdpPeer(helin.port)
    try:
        for user in ("nobody", "bob"):
            other.send(register(other, user, cseq=1, call_id=f"after-{user}", auth=None))
            answer = other.response()
            assert status_of(answer) == 403 and header(answer, "WWW-Authenticate") == []
    finally:
        other.close()
