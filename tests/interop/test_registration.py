"""Registration with digest auth from real clients (sipp, baresip), a call helin places to the
registered baresip, and the phone's terminal status from OPTIONS pings."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helin.sip.transaction import TimerConfig
from helin.switch.legs import LegState, OutgoingLeg
from helin.switch.registrar import RegistrarSettings, TerminalStatus
from tests.interop.baresip import Baresip
from tests.interop.harness import PASSWORDS, REALM, Helin, sdp
from tests.interop.sipp import Sipp, users_file


def sipp_register(
    helin: Helin, sipp: Callable[..., Sipp], tmp_path: Path, scenario: str, password: str
) -> Sipp:
    return sipp(
        scenario,
        f"127.0.0.1:{helin.port}",
        "-inf",
        users_file(tmp_path, "alice"),
        "-au",
        "alice",
        "-ap",
        password,
        "-m",
        "1",
        timeout=15,
    )


def test_sipp_registers_with_digest_auth(
    helin: Helin, sipp: Callable[..., Sipp], tmp_path: Path
) -> None:
    runner = sipp_register(helin, sipp, tmp_path, "register", PASSWORDS["alice"])
    rc = runner.run()
    assert rc == 0 and runner.calls() == (1, 0), runner.report()
    bindings = helin.call(lambda: helin.registrar.contacts_of("user-alice"))
    assert [b.contact for b in bindings] == [f"sip:alice@127.0.0.1:{runner.port}"]
    assert bindings[0].source.port == runner.port
    assert helin.call(lambda: helin.registrar.status("dev-alice")) is TerminalStatus.REACHABLE


def test_sipp_wrong_password_gets_401_again_and_no_binding(
    helin: Helin, sipp: Callable[..., Sipp], tmp_path: Path
) -> None:
    runner = sipp_register(helin, sipp, tmp_path, "register_wrong_password", "wrong-password")
    rc = runner.run()
    assert rc == 0 and runner.calls() == (1, 0), runner.report()
    assert "SIP/2.0 200" not in runner.messages()
    assert helin.call(lambda: helin.registrar.contacts_of("user-alice")) == []
    assert helin.call(lambda: helin.registrar.status("dev-alice")) is TerminalStatus.UNREGISTERED


def test_sipp_registers_against_the_default_challenge(
    start_helin: Callable[..., Helin], sipp: Callable[..., Sipp], tmp_path: Path
) -> None:
    helin = start_helin(algorithms=None)  # what helin serve offers by default
    runner = sipp_register(helin, sipp, tmp_path, "register", PASSWORDS["alice"])
    assert runner.run() == 0, runner.report()


# -- baresip ------------------------------------------------------------------------------


@pytest.fixture
def rtp_sink() -> Iterator[socket.socket]:
    """Where helin's SDP offer asks baresip to send its audio."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def test_baresip_registers_answers_and_is_found_unreachable_when_killed(
    start_helin: Callable[..., Helin],
    baresip: Callable[..., Baresip],
    rtp_sink: socket.socket,
) -> None:
    """baresip registers with digest auth and shows as reachable (it answers the OPTIONS
    pings); it answers a call helin places to its binding, with SDP and audio; helin hangs up;
    once baresip is killed, the pings time out and it shows as unreachable.

    The test shortens the ping interval to 0.5 s and T1 to 0.1 s (ping timeout 64·T1 = 6.4 s)
    so this takes seconds. With the defaults, a phone that dies just after answering a ping is
    pinged again 15 s later (``ping_interval``) and that ping times out 64·T1 = 32 s after it
    was sent, so it shows as unreachable after at most about 15 + 32 = 47 s: under 60 s.
    """
    helin = start_helin(
        timers=TimerConfig(t1=0.1, t2=0.4, t4=0.5),
        registrar=RegistrarSettings(ping_interval=0.5),
        upkeep=True,
    )
    phone = baresip(user="alice", password=PASSWORDS["alice"], helin_port=helin.port).start()

    def registered() -> bool:
        return helin.registrar.status("dev-alice") is TerminalStatus.REACHABLE

    def ping_answered() -> bool:
        return any(r.status == 200 for r in helin.tap.responses("OPTIONS"))

    helin.wait_for(registered, "baresip to register", detail=phone.output)
    helin.wait_for(ping_answered, "baresip to answer an OPTIONS ping", detail=phone.output)
    assert helin.call(registered)
    [binding] = helin.call(lambda: helin.registrar.contacts_of("user-alice"))
    assert binding.user_agent.startswith("baresip")
    assert binding.source.port == phone.port

    def place() -> OutgoingLeg:
        leg = OutgoingLeg.to_contact(
            helin.ua,
            binding.contact,
            binding.source,
            from_=f"<sip:+3725550100@{REALM}>",
            sdp=sdp(rtp_sink.getsockname()[1]),
        )
        leg.start()
        return leg

    leg = helin.call(place)
    helin.wait_for(lambda: leg.state is LegState.ANSWERED, "baresip to answer", detail=phone.output)
    assert b"m=audio" in helin.call(lambda: leg.remote_sdp)
    rtp_sink.settimeout(10)
    packet, _ = rtp_sink.recvfrom(2048)  # baresip's aufile source is playing to us
    assert packet[0] >> 6 == 2 and packet[1] & 0x7F == 0, "an RTP packet with PCMU"
    helin.call(leg.hang_up)
    helin.wait_for(
        lambda: [r.status for r in helin.tap.responses("BYE")] == [200],
        "200 for helin's BYE",
        detail=phone.output,
    )

    phone.kill()
    helin.wait_for(
        lambda: helin.registrar.status("dev-alice") is TerminalStatus.UNREACHABLE,
        "the killed phone to show as unreachable",
        timeout=30,
        detail=phone.output,
    )
    assert helin.call(lambda: len(helin.registrar.contacts_of("user-alice"))) == 1


def test_baresip_registers_against_the_default_challenge(
    start_helin: Callable[..., Helin], baresip: Callable[..., Baresip]
) -> None:
    helin = start_helin(algorithms=None)  # what helin serve offers by default
    phone = baresip(user="bob", password=PASSWORDS["bob"], helin_port=helin.port).start()

    def settled() -> bool:
        gave_up = "Register: " in phone.output() and "200 OK" not in phone.output()
        return gave_up or helin.registrar.status("dev-bob") is TerminalStatus.REACHABLE

    helin.wait_for(settled, "baresip to register or give up", detail=phone.output)
    assert helin.call(lambda: helin.registrar.status("dev-bob")) is TerminalStatus.REACHABLE
