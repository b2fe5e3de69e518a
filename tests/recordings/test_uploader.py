"""The uploader: a finished recording goes from the spool into storage and is listed only
then; a failed upload stays in the spool with its retry time and is done after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import soundfile
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from helin.recordings.s3 import S3Settings, S3Storage
from helin.recordings.storage import FileStorage, Storage
from helin.recordings.uploader import Uploader, sweep
from helin.records import RecordingMade
from helin.store import recordings as rows
from helin.store.calls import records
from helin.store.tables import Recording
from tests.objectstore import SeaweedServer
from tests.recordings.conftest import NOW, stereo_wav, tenant
from tests.support import free_port


def _made(sessions: sessionmaker[Session], tenant_id: int, wav: Path, at: datetime) -> int:
    with sessions.begin() as session:
        records.write(
            session,
            [
                RecordingMade(
                    call_id=wav.stem,
                    tenant_id=str(tenant_id),
                    path=str(wav),
                    size=wav.stat().st_size,
                    sha256="0" * 64,
                    duration=2.0,
                    made_at=at.timestamp(),
                )
            ],
        )
    with sessions() as session:
        found = session.scalar(select(Recording.id).where(Recording.call_id == wav.stem))
        assert found is not None
        return found


def _listed(sessions: sessionmaker[Session], tenant_id: int, at: datetime) -> list[int]:
    with sessions() as session:
        return [r.row.id for r in rows.search(session, tenant_id, rows.RecordingFilter(), at)[1]]


def test_a_recording_is_listed_once_stored_in_flac(
    sqlite_sessions: sessionmaker[Session], storage: Storage, tmp_path: Path
) -> None:
    sessions = sqlite_sessions
    company = tenant(sessions, "Acme")
    spool = tmp_path / "spool" / str(company) / "2026-12-10"
    spool.mkdir(parents=True)
    wav = stereo_wav(spool / "call-7.wav")
    recording_id = _made(sessions, company, wav, NOW)
    assert _listed(sessions, company, NOW) == []  # in the spool: not listed yet
    uploader = Uploader(sessions, storage, fmt="flac", clock=lambda: NOW.timestamp())
    assert uploader.run_once() == 1
    assert _listed(sessions, company, NOW) == [recording_id]
    with sessions() as session:
        row = session.get(Recording, recording_id)
        assert row is not None
        assert row.storage == storage.name and row.format == "flac"
        assert row.path == f"{company}/2026/12/10/call-7.flac"
        stored = b"".join(storage.read(row.path, 0, row.size_bytes - 1))
    assert not wav.exists()  # the spool is emptied once stored
    out = tmp_path / "back.flac"
    out.write_bytes(stored)
    audio, rate = soundfile.read(out)
    assert rate == 8000 and audio.shape == (16000, 2)  # stereo kept, every frame


def test_a_failed_upload_waits_in_the_spool_and_is_done_after_a_restart(
    sqlite_sessions: sessionmaker[Session], object_store: SeaweedServer, tmp_path: Path
) -> None:
    sessions = sqlite_sessions
    company = tenant(sessions, "Acme")
    spool = tmp_path / "spool" / str(company) / "2026-12-10"
    spool.mkdir(parents=True)
    wav = stereo_wav(spool / "call-8.wav")
    recording_id = _made(sessions, company, wav, NOW)
    away = S3Storage(
        S3Settings(
            endpoint=f"http://127.0.0.1:{free_port()}", bucket="b", access_key="a", secret_key="b"
        ),
        timeout=2,
    )
    clock = [NOW.timestamp()]
    first = Uploader(sessions, away, clock=lambda: clock[0])
    assert first.run_once() == 0
    with sessions() as session:
        row = session.get(Recording, recording_id)
        assert row is not None and row.stored_at is None and row.upload_attempts == 1
        assert row.next_attempt_at == NOW + timedelta(seconds=5)
        assert row.last_error
    assert wav.is_file()  # kept for the next attempt
    assert _listed(sessions, company, NOW) == []
    assert first.run_once() == 0  # not due yet: nothing tried
    # helin restarts with the object store back; the retry is due after its backoff
    working = S3Storage(object_store.settings())
    working.ensure_bucket()
    clock[0] += 6
    second = Uploader(sessions, working, clock=lambda: clock[0])
    assert second.run_once() == 1
    assert _listed(sessions, company, datetime.fromtimestamp(clock[0], UTC)) == [recording_id]
    with sessions() as session:
        row = session.get(Recording, recording_id)
        assert row is not None and row.storage == "s3"
        assert working.size(row.path) == row.size_bytes


def test_sweep_removes_stored_leftovers_and_hands_back_orphans(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    sessions = sqlite_sessions
    company = tenant(sessions, "Acme")
    spool = tmp_path / "spool"
    day = spool / str(company) / "2026-12-10"
    day.mkdir(parents=True)
    stored = stereo_wav(day / "stored-call.wav")
    _made(sessions, company, stored, NOW)
    uploader = Uploader(sessions, FileStorage(tmp_path / "files"), clock=lambda: NOW.timestamp())
    assert uploader.run_once() == 1
    leftover = stereo_wav(day / "stored-call.wav")  # as if the crash came before the unlink
    orphan = stereo_wav(day / "lost-call.wav")
    half = day / "x.upload.flac"
    half.write_bytes(b"half")
    assert sweep(sessions, spool) == [orphan]
    assert not leftover.exists() and not half.exists() and orphan.exists()
