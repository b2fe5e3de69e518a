"""Real peers around a whole helin: sipp as the trunk (on 127.0.0.2, so helin tells it apart
from phones on 127.0.0.1) and as phones, baresip as phones.

``Peers`` starts them and kills whatever is left at teardown. A sipp phone registers with one
sipp run (``register.xml``) and then answers with another on the same port, because helin
sends requests to where a REGISTER came from and sipp cannot take new calls in a client
scenario.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from tests.calls.node import Node
from tests.interop.harness import free_udp_port
from tests.interop.sipp import Sipp
from tests.tones.peers import Phone, write_tone

SCENARIOS = Path(__file__).parent / "scenarios"
TRUNK_IP = "127.0.0.2"
DOMAIN = "test.helin"


class SipTarget(Protocol):
    """Whatever helin the peers talk to: an in-process ``Node`` or a ``helin serve``."""

    @property
    def port(self) -> int: ...


class Peers:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sipps: list[Sipp] = []
        self.phones: list[Phone] = []
        self.trunk_port = free_udp_port()
        """Where the trunk (a sipp UAS on ``TRUNK_IP``) takes calls out of helin."""
        self.tone = workdir / "tone.wav"
        write_tone(self.tone, 440.0, 120.0)

    def sipp(self, label: str, scenario: str | None, *args: str, **kwargs: object) -> Sipp:
        files = ("-sf", str(SCENARIOS / f"{scenario}.xml")) if scenario else ()
        runner = Sipp(self.workdir, label, *files, *args, **kwargs)  # type: ignore[arg-type]
        self.sipps.append(runner)
        return runner

    def call(
        self,
        node: SipTarget,
        number: str,
        *,
        label: str = "caller",
        caller: str = "+3725550001",
        talk_ms: int = 3000,
        scenario: str = "caller",
        calls: int = 1,
        timeout: float = 60.0,
    ) -> Sipp:
        """The trunk calls ``number`` (started, not waited for)."""
        return self.sipp(
            label,
            scenario,
            f"127.0.0.1:{node.port}",
            "-s",
            number,
            "-key",
            "caller",
            caller,
            "-d",
            str(talk_ms),
            "-m",
            str(calls),
            timeout=timeout,
            ip=TRUNK_IP,
        ).start()

    def trunk(self, *, timeout: float = 60.0) -> Sipp:
        """The trunk answering calls helin sends out (sipp's built-in ``uas``)."""
        runner = self.sipp(
            "trunk",
            None,
            "-sn",
            "uas",
            "-m",
            "1",
            timeout=timeout,
            ip=TRUNK_IP,
            port=self.trunk_port,
        )
        runner.start().wait_listening()
        return runner

    def sipp_phone(
        self, node: SipTarget, username: str, password: str, scenario: str, *, timeout: float = 60.0
    ) -> Sipp:
        """A phone registered as ``username`` that then plays ``scenario`` (a UAS)."""
        register = self.sipp(
            f"{username}-register",
            "register",
            f"127.0.0.1:{node.port}",
            "-s",
            username,
            "-au",
            username,
            "-ap",
            password,
            "-key",
            "domain",
            DOMAIN,
            "-m",
            "1",
            timeout=15,
        )
        assert register.run() == 0, register.report()
        phone = self.sipp(
            f"{username}-{scenario}",
            scenario,
            "-aa",
            "-m",
            "1",
            timeout=timeout,
            port=register.port,
        )
        phone.start().wait_listening()
        return phone

    def phone(
        self,
        node: SipTarget,
        username: str,
        password: str,
        *,
        answer: bool = True,
        dial: str | None = None,
        seconds: float | None = None,
    ) -> Phone:
        """baresip registered as ``username``; answers at once with ``answer``; with ``dial``
        it calls that number (or feature code) in the company's domain once started. With
        ``seconds`` its audio lasts that long, and baresip hangs up when it runs out."""
        source = self.tone
        if seconds is not None:
            source = self.workdir / f"{username}-{seconds}s.wav"
            write_tone(source, 440.0, seconds)
        phone = Phone(self.workdir, username, source=source)
        mode = "auto" if answer else "manual"
        account = (
            f"<sip:{username}@{DOMAIN};transport=udp>;auth_pass={password}"
            f';outbound="sip:127.0.0.1:{node.port};transport=udp"'
            f";regint=300;answermode={mode};audio_codecs=PCMU;mwi=no;pubint=0"
        )
        target = f"sip:{dial}@{DOMAIN}" if dial else None
        phone.start(account, dial=target)
        self.phones.append(phone)
        return phone

    def close(self) -> None:
        for runner in self.sipps:
            runner.kill()
        for phone in self.phones:
            phone.stop()


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[Peers]:
    made = Peers(tmp_path)
    yield made
    made.close()


@pytest.fixture
def make_node(tmp_path: Path, peers: Peers) -> Iterator[Callable[..., Node]]:
    """``make_node(config, rtp_ports=400)``: a started ``Node``."""
    nodes: list[Node] = []

    def make(config: str, **options: object) -> Node:
        text = textwrap.dedent(config).replace("{trunk}", f"sip:{TRUNK_IP}:{peers.trunk_port}")
        node = Node(tmp_path / f"node{len(nodes)}", text, **options)  # type: ignore[arg-type]
        nodes.append(node)
        return node.start()

    yield make
    for node in nodes:
        node.stop()
