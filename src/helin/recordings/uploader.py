"""The uploader: finished recordings from the spool into storage, retried until they are in.

Theory of operation. The switch finishes a call's WAV in the spool directory and the store
writes its row with ``stored_at`` NULL (``store.calls.records``); such a row is not listed.
One thread here takes the due rows (``store.recordings.pending``) oldest first, converts each
WAV to the stored format next to it (``encode``), puts it in storage under its key
(``policy.object_key``), and only once ``put`` has returned (the file is durable) commits the
row as stored; then it removes the spool files. So:

- a crash before the commit leaves the row pending and the WAV in the spool: the next start
  does it again (``put`` replaces the same key);
- a crash after the commit leaves a stored row and a stray WAV: ``sweep`` removes it at start
  (and hands back WAVs no row names, from a crash before the row was written, to adopt);
- a failed ``put`` (storage away, refused, full) keeps the WAV and sets the row's next attempt
  after ``policy.backoff`` (5 s doubling to 15 min), in the database, so a restart keeps the
  schedule; a row whose WAV is gone is marked deleted with the reason.

``wake`` makes the thread look at once (the app calls it when a recording is finished);
otherwise it looks every ``poll`` seconds and when the earliest retry is due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from helin.recordings import policy
from helin.recordings.encode import encode
from helin.recordings.storage import Storage
from helin.store import recordings as rows

log = logging.getLogger(__name__)


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class Uploader:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        storage: Storage,
        *,
        fmt: str = policy.DEFAULT_FORMAT,
        clock: Callable[[], float] = time.time,
        poll: float = 30.0,
        settle: Callable[[], object] | None = None,
    ) -> None:
        if fmt not in policy.FORMATS:
            raise ValueError(f"unknown recording format {fmt!r}")
        self.sessions = sessions
        self.storage = storage
        self.fmt = fmt
        self.clock = clock
        self.poll = poll
        self.settle = settle
        """Called before a round: waits until the rows just written are committed."""
        self.stored = 0
        """Recordings stored so far."""
        self.failed = 0
        """Failed attempts so far."""
        self.cpu_seconds = 0.0
        """CPU time spent converting recordings."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="helin-uploads", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self.settle is not None:
                    self.settle()
                self.run_once()
            except Exception:  # the database away: try again at the next look
                log.exception("recordings: the upload round failed")
            self._wake.wait(self._wait())

    def _wait(self) -> float:
        try:
            with self.sessions() as session:
                due = rows.next_attempt(session)
        except Exception:
            return self.poll
        if due is None:
            return self.poll
        return max(0.05, min(self.poll, due.timestamp() - self.clock()))

    def run_once(self) -> int:
        """Store every recording that is due now; how many were stored."""
        done = 0
        while not self._stop.is_set():
            now = _utc(self.clock())
            with self.sessions() as session:
                batch = rows.pending(session, now, limit=20)
            if not batch:
                return done
            for item in batch:
                done += self._upload(item)
        return done

    def _upload(self, item: rows.Pending) -> int:
        wav = Path(item.path)
        now = _utc(self.clock())
        if not wav.is_file():
            log.error("recording %d: its spool file %s is gone", item.id, wav)
            with self.sessions.begin() as session:
                rows.mark_failed(
                    session,
                    item.id,
                    attempts=item.upload_attempts + 1,
                    retry_at=None,
                    error="the spool file is gone",
                    now=now,
                )
            return 0
        key = policy.object_key(item.tenant_id, item.created_at, item.call_id or wav.stem, self.fmt)
        target = policy.FORMATS[self.fmt]
        converted = wav.with_name(f"{wav.stem}.upload.{target.extension}")
        try:
            started = time.thread_time()
            encoded = encode(wav, converted, self.fmt)
            self.cpu_seconds += time.thread_time() - started
            self.storage.put(key, converted, target.media_type)
        except (OSError, RuntimeError) as exc:  # soundfile raises RuntimeError (LibsndfileError)
            self.failed += 1
            attempts = item.upload_attempts + 1
            retry = now + timedelta(seconds=policy.backoff(attempts))
            log.warning(
                "recording %d: upload %d failed (%s); again at %s",
                item.id,
                attempts,
                exc,
                retry.isoformat(timespec="seconds"),
            )
            converted.unlink(missing_ok=True)
            with self.sessions.begin() as session:
                rows.mark_failed(
                    session, item.id, attempts=attempts, retry_at=retry, error=str(exc), now=now
                )
            return 0
        with self.sessions.begin() as session:
            rows.mark_stored(
                session,
                item.id,
                key=key,
                storage=self.storage.name,
                fmt=self.fmt,
                size=encoded.size,
                sha256=encoded.sha256,
                now=_utc(self.clock()),
            )
        converted.unlink(missing_ok=True)
        wav.unlink(missing_ok=True)
        self.stored += 1
        return 1


def sweep(sessions: sessionmaker[Session], spool: Path) -> list[Path]:
    """Tidy ``spool`` at start, before the uploader runs: remove half-converted files and the
    WAVs of recordings already stored (a crash after their row was committed); return the
    WAVs no row names at all (a crash before their row was written), to be adopted."""
    if not spool.exists():
        return []
    with sessions() as session:
        waiting = rows.spool_paths(session)
        wavs = [p for p in spool.rglob("*.wav") if p.is_file() and str(p) not in waiting]
        known = rows.known_calls(session, [p.stem for p in wavs])
    for path in spool.rglob("*.upload.*"):
        path.unlink(missing_ok=True)
    orphans = []
    for path in wavs:
        if path.stem in known:
            path.unlink(missing_ok=True)
        else:
            orphans.append(path)
    return orphans
