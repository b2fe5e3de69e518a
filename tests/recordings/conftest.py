"""Fixtures for the recording manager: a migrated database with tenants, recordings rows
made directly, stereo WAVs, and both storages (files; SeaweedFS for S3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile
from sqlalchemy.orm import Session, sessionmaker

from helin.recordings.s3 import S3Storage
from helin.recordings.storage import FileStorage, Storage
from helin.store.db import make_engine, migrate, session_factory
from helin.store.tables import Recording, Tenant
from tests.objectstore import SeaweedServer

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database (SQLite, then PostgreSQL)."""
    migrate(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    yield session_factory(engine)
    engine.dispose()


def tenant(sessions: sessionmaker[Session], name: str, days: int = 30) -> int:
    with sessions.begin() as session:
        row = Tenant(
            name=name,
            sip_domain=f"{name.lower()}.test",
            call_center=True,
            recording=True,
            recording_retention_days=days,
        )
        session.add(row)
        session.flush()
        return row.id


def recording(
    sessions: sessionmaker[Session],
    tenant_id: int,
    *,
    age_days: float,
    path: str,
    stored: bool = True,
    keep: bool = False,
    released_days_ago: float | None = None,
    storage: str = "files",
    now: datetime = NOW,
    caller: str = "+3725550001",
) -> int:
    created = now - timedelta(days=age_days)
    released = None if released_days_ago is None else now - timedelta(days=released_days_ago)
    with sessions.begin() as session:
        row = Recording(
            tenant_id=tenant_id,
            path=path,
            storage=storage if stored else "spool",
            format="flac",
            size_bytes=10,
            sha256="0" * 64,
            duration=3.0,
            caller=caller,
            number="+3726000100",
            created_at=created,
            started_at=created,
            stored_at=created if stored else None,
            retained_until=created + timedelta(days=30),
            keep=keep,
            released_at=released,
        )
        session.add(row)
        session.flush()
        return row.id


def stereo_wav(path: Path, seconds: float = 2.0) -> Path:
    """A stereo 8 kHz WAV: 440 Hz on the left (caller), 880 Hz on the right (agent)."""
    t = np.arange(int(8000 * seconds)) / 8000
    left = 0.3 * np.sin(2 * np.pi * 440 * t)
    right = 0.3 * np.sin(2 * np.pi * 880 * t)
    soundfile.write(path, np.stack([left, right], axis=1), 8000, subtype="PCM_16")
    return path


@pytest.fixture(params=["files", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Each storage back-end in turn: files under a directory, then a SeaweedFS bucket."""
    if request.param == "files":
        yield FileStorage(tmp_path / "stored")
        return
    server: SeaweedServer = request.getfixturevalue("object_store")
    s3 = S3Storage(server.settings())
    s3.ensure_bucket()
    yield s3
