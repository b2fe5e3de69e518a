"""Fixtures for store tests: a migrated database (SQLite and PostgreSQL) and sessions on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from helin.store import accounts
from helin.store.db import make_engine, migrate, session_factory

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "provision.yaml"
"""The documented example provisioning file."""


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its smallest cost: the production parameters take ~0.3 s a hash here."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_HASHER", cheap)


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """A database at the newest schema (once on SQLite, once on PostgreSQL)."""
    migrate(db_url)
    return db_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session
