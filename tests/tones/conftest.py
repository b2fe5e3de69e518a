"""Fixtures for the tone tests: baresip phones that are killed at teardown whatever happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tones.peers import Phone, need_baresip


@pytest.fixture
def phones(tmp_path: Path) -> Iterator[Callable[..., Phone]]:
    """``phones(name, source=wav)``: a baresip phone, not yet started."""
    need_baresip()
    made: list[Phone] = []

    def make(name: str, **kwargs: Any) -> Phone:
        phone = Phone(tmp_path, name, **kwargs)
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.kill()
