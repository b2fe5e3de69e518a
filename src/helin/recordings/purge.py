"""The purge: expired recordings deleted in batches, the file or object first, the row second.

Theory of operation. ``purge`` goes tenant by tenant with the tenant's retention as it is now
(so a shortened retention applies at the next run); for each batch of expired rows
(``store.recordings.expired``, ``policy`` decides what has expired) it deletes the stored
files or objects (one ``DeleteObjects`` per 1,000 on an object store; the spool file for a
recording never stored), and only then marks the batch's rows deleted in one transaction.
Deleting a missing file or object is no error, so a crash anywhere is safe: a row is never
marked deleted while its file is still there, and rows whose files went just before a crash
are expired, so not listed, and are marked at the next run. ``PurgeJob`` runs it at start and
then every hour on its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from helin.recordings.storage import Storage, StorageError
from helin.store import recordings as rows

log = logging.getLogger(__name__)

BATCH = 500
"""Rows per batch: one query, one delete request per storage, one transaction."""


@dataclass(slots=True)
class PurgeResult:
    deleted: int = 0
    batches: int = 0
    failed: int = 0
    """Batches left for the next run because their storage refused."""


def purge(
    sessions: sessionmaker[Session],
    storages: Mapping[str, Storage],
    now: datetime,
    *,
    batch: int = BATCH,
    after_files: Callable[[int], None] | None = None,
) -> PurgeResult:
    """Delete every recording expired at ``now``. ``after_files`` is called with each batch's
    size once its files are gone and before its rows are marked (tests crash there)."""
    result = PurgeResult()
    with sessions() as session:
        tenants = rows.tenants_with_recordings(session)
    for tenant_id, days in tenants:
        while True:
            with sessions() as session:
                found = rows.expired(session, tenant_id, days, now, batch)
            if not found:
                break
            try:
                _delete_files(storages, found)
            except (StorageError, OSError) as exc:
                log.warning("recordings of tenant %d: purge batch failed: %s", tenant_id, exc)
                result.failed += 1
                break
            if after_files is not None:
                after_files(len(found))
            with sessions.begin() as session:
                rows.mark_deleted(session, [r.id for r in found], now)
            result.deleted += len(found)
            result.batches += 1
            if len(found) < batch:
                break
    return result


def _delete_files(storages: Mapping[str, Storage], found: list[rows.Expired]) -> None:
    by_storage: dict[str, list[str]] = {}
    for item in found:
        if item.stored:
            by_storage.setdefault(item.storage, []).append(item.path)
        else:
            Path(item.path).unlink(missing_ok=True)  # never stored: the spool's WAV
    for name, keys in by_storage.items():
        storage = storages.get(name)
        if storage is None:
            raise StorageError(f"recordings are in storage {name!r}, which is not configured")
        storage.delete(keys)


class PurgeJob:
    """``purge`` at start and then every ``interval`` seconds, on its own thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        storages: Mapping[str, Storage],
        *,
        interval: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.storages = storages
        self.interval = interval
        self.clock = clock
        self.runs = 0
        self.last: PurgeResult | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="helin-purge", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> PurgeResult:
        result = purge(self.sessions, self.storages, datetime.fromtimestamp(self.clock(), UTC))
        self.runs += 1
        self.last = result
        if result.deleted:
            log.info("recordings: purged %d expired in %d batches", result.deleted, result.batches)
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("recordings: the purge failed; trying again at the next hour")
            self._stop.wait(self.interval)
