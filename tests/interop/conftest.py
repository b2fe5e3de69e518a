"""Fixtures for interop tests: helin's SIP side in-process, and real peers as subprocesses.

``helin`` is a started ``Helin`` (see ``harness.py``) whose trunk table admits 127.0.0.1;
``start_helin(...)`` starts one with other settings (trunks, timers, ping interval, digest
algorithms). ``sipp`` and ``baresip`` make peers that are killed at teardown whatever happened;
``udp_peer`` is a bare socket. Every helin and peer listens on 127.0.0.1 and a free port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interop.baresip import Baresip
from tests.interop.harness import Helin, UdpPeer
from tests.interop.sipp import Sipp


@pytest.fixture
def start_helin() -> Iterator[Callable[..., Helin]]:
    started: list[Helin] = []

    def start(**kwargs: Any) -> Helin:
        helin = Helin(**kwargs)
        started.append(helin)
        return helin.start()

    yield start
    for helin in started:
        helin.stop()


@pytest.fixture
def helin(start_helin: Callable[..., Helin]) -> Helin:
    """helin with 127.0.0.1 as a trunk peer, default timers, test devices alice and bob."""
    return start_helin()


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[Callable[..., Sipp]]:
    """``sipp(name, *args)`` runs our scenario ``scenarios/<name>.xml``;
    ``sipp(None, *args)`` runs sipp with only ``args`` (e.g. ``-sn uac``)."""
    made: list[Sipp] = []

    def make(name: str | None, *args: str, timeout: float = 30.0) -> Sipp:
        if name is None:
            runner = Sipp(tmp_path, f"sipp{len(made)}", *args, timeout=timeout)
        else:
            runner = Sipp.scenario(tmp_path, name, *args, timeout=timeout)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.kill()


@pytest.fixture
def baresip(tmp_path: Path) -> Iterator[Callable[..., Baresip]]:
    """``baresip(user=..., password=..., helin_port=...)``: a phone, not yet started."""
    made: list[Baresip] = []

    def make(**kwargs: Any) -> Baresip:
        phone = Baresip(tmp_path, **kwargs)
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.kill()


@pytest.fixture
def udp_peer(helin: Helin) -> Iterator[UdpPeer]:
    peer = UdpPeer(helin.port)
    yield peer
    peer.close()
