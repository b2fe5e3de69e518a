"""The purge with a fake clock: 30 against 60 days, kept and unkept recordings, a shortened
retention, and a purge killed midway then run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from helin.recordings.purge import purge
from helin.recordings.storage import FileStorage, Storage
from helin.store import recordings as rows
from helin.store.tables import Recording, Tenant
from tests.recordings.conftest import NOW, recording, tenant


def _stored(storage: Storage, tmp_path: Path, key: str) -> str:
    source = tmp_path / "one.flac"
    source.write_bytes(b"fLaC" + key.encode())
    storage.put(key, source, "audio/flac")
    return key


def _deleted(sessions: sessionmaker[Session]) -> set[int]:
    with sessions() as session:
        return set(session.scalars(select(Recording.id).where(Recording.deleted_at.is_not(None))))


def test_retention_30_and_60_days_keep_and_release(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    files = FileStorage(tmp_path / "stored")
    short, long = tenant(sessions, "Short", 30), tenant(sessions, "Long", 60)

    def made(company: int, age: float, name: str, **kw: object) -> int:
        key = _stored(files, tmp_path, f"{company}/{name}.flac")
        return recording(sessions, company, age_days=age, path=key, **kw)  # type: ignore[arg-type]

    s_old = made(short, 31, "old")
    s_new = made(short, 25, "new")
    s_kept = made(short, 90, "kept", keep=True)
    s_released_recently = made(short, 90, "released-recently", released_days_ago=3)
    s_released_long_ago = made(short, 90, "released-long-ago", released_days_ago=8)
    l_old = made(long, 61, "old")
    l_mid = made(long, 45, "mid")
    result = purge(sessions, {"files": files}, NOW, batch=2)
    gone = {s_old, s_released_long_ago, l_old}
    assert _deleted(sessions) == gone
    assert result.deleted == 3
    for company, name in ((short, "old"), (short, "released-long-ago"), (long, "old")):
        assert files.size(f"{company}/{name}.flac") is None
    for company, name in ((short, "new"), (short, "kept"), (short, "released-recently")):
        assert files.size(f"{company}/{name}.flac") is not None
    assert files.size(f"{long}/mid.flac") is not None
    # the unmarked one goes 7 days after its release; the kept one never
    purge(sessions, {"files": files}, NOW + timedelta(days=4, seconds=1))
    assert _deleted(sessions) == gone | {s_released_recently}
    purge(sessions, {"files": files}, NOW + timedelta(days=400))
    assert s_kept not in _deleted(sessions)
    assert {s_new, l_mid} <= _deleted(sessions)


def test_a_shortened_retention_applies_at_the_next_purge(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    files = FileStorage(tmp_path / "stored")
    company = tenant(sessions, "Acme", 60)
    key = _stored(files, tmp_path, f"{company}/a.flac")
    made = recording(sessions, company, age_days=40, path=key)
    purge(sessions, {"files": files}, NOW)
    assert _deleted(sessions) == set()
    with sessions.begin() as session:
        session.execute(update(Tenant).values(recording_retention_days=30))
    with sessions() as session:  # no longer listed even before the purge runs
        assert rows.get(session, company, made, NOW) is None
    purge(sessions, {"files": files}, NOW)
    assert _deleted(sessions) == {made} and files.size(key) is None


def test_a_recording_never_stored_has_its_spool_file_purged(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    company = tenant(sessions, "Acme")
    wav = tmp_path / "spool.wav"
    wav.write_bytes(b"RIFF")
    made = recording(sessions, company, age_days=31, path=str(wav), stored=False)
    purge(sessions, {"files": FileStorage(tmp_path / "stored")}, NOW)
    assert _deleted(sessions) == {made} and not wav.exists()


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from helin.recordings.purge import purge
    from helin.recordings.storage import FileStorage
    from helin.store.db import make_engine, session_factory

    url, root, now = sys.argv[1], Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    done = [0]

    def crash(count: int) -> None:
        done[0] += 1
        if done[0] == 3:  # files of the third batch gone, its rows not yet marked
            os.kill(os.getpid(), signal.SIGKILL)

    purge(session_factory(make_engine(url)), {"files": FileStorage(root)}, now, batch=10,
          after_files=crash)
    """
)


def test_a_purge_killed_midway_leaves_no_row_without_its_deletion_and_finishes_next_time(
    db_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    root = tmp_path / "stored"
    files = FileStorage(root)
    company = tenant(sessions, "Acme")
    keys = [_stored(files, tmp_path, f"{company}/r{n:03}.flac") for n in range(45)]
    made = [recording(sessions, company, age_days=31 + n / 100, path=k) for n, k in enumerate(keys)]
    young = recording(sessions, company, age_days=1, path=_stored(files, tmp_path, "young"))
    src = Path(__file__).resolve().parents[2] / "src"
    run = subprocess.run(
        [sys.executable, "-c", KILLER, db_url, str(root), NOW.isoformat()],
        env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{Path.cwd()}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    deleted = _deleted(sessions)
    assert len(deleted) == 20  # two batches marked; the third's files went, its rows did not
    for rid, key in zip(made, keys, strict=True):
        if rid in deleted:
            assert files.size(key) is None  # never a deleted row whose file remains
    with sessions() as session:  # the half-done batch is expired, so not listed
        listed = rows.search(session, company, rows.RecordingFilter(), NOW)[1]
        assert [r.row.id for r in listed] == [young]
    result = purge(sessions, {"files": files}, NOW, batch=10)
    assert result.deleted == 25
    assert _deleted(sessions) == set(made)
    assert all(files.size(k) is None for k in keys) and files.size("young") is not None
