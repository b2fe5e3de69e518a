"""The records pipeline: records reach the store off the event loop, in batches.

Theory of operation. The engine and the call layer hand their records to ``submit`` on the
event loop; it only puts them on a bounded queue and returns. One thread takes them off:
it waits for the first record, gathers whatever else arrives within ``max_delay`` (up to
``max_batch`` records), writes the whole batch with ``records.write`` and commits it in one
transaction. So a record is in the database about ``max_delay`` after it was emitted (0.2 s
by default), and a crash of helin loses only what was emitted in that last moment; rows a
crash leaves open are closed as failed at the next start.

When the database refuses a batch:

- it is unreachable or busy (``OperationalError``, ``InterfaceError``): the batch is kept and
  tried again with backoff (0.5 s doubling to 30 s) until it goes through. Records wait in
  memory meanwhile; a crash in that time loses them (logged as the queue grows);
- a record itself is wrong (any other error): the batch is written again record by record in
  its own transaction each, and only the records that still fail are dropped, each logged
  with its content, so one bad record never holds up the others.

``flush`` waits until everything submitted so far is committed (the API does this after a
change it makes, so it reads its own writes; ``close`` does it before helin stops). The queue
is bounded (``capacity`` records): a database that stays away long enough makes ``submit``
block, which stops the loop, rather than losing records silently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from helin.store.calls import records

log = logging.getLogger(__name__)

_STOP = object()


class RecordWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_batch: int = 1000,
        max_delay: float = 0.2,
        capacity: int = 200_000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self.max_batch = max_batch
        self.max_delay = max_delay
        self._queue: queue.Queue[object] = queue.Queue(maxsize=capacity)
        self._sleep = sleep
        self._done = threading.Condition()
        self._submitted = 0
        self._committed = 0
        self.batches = 0
        """Transactions committed so far."""
        self.dropped = 0
        """Records refused by the database and dropped (each logged)."""
        self.cpu_seconds = 0.0
        """CPU time the writer thread spent writing (what the store costs, off the loop)."""
        self.log_versions: dict[int, int] = {}
        """Per group, how many committed batches changed its call rows: the live view shows
        it, so a page reloads a group's call log once the rows are really there."""
        self._thread = threading.Thread(target=self._run, name="helin-records", daemon=True)
        self._thread.start()

    def submit(self, items: Sequence[Any]) -> None:
        """Queue ``items`` for writing, in order; returns at once (unless the queue is full)."""
        with self._done:
            self._submitted += len(items)
        for item in items:
            self._queue.put(item)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted before this call is committed; False on timeout."""
        with self._done:
            target = self._submitted
            return self._done.wait_for(lambda: self._committed >= target, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            deadline = time.monotonic() + self.max_delay
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            began = time.thread_time()
            self._write(batch)
            self.cpu_seconds += time.thread_time() - began
            with self._done:
                self._committed += len(batch)
                self._done.notify_all()
            if stop:
                return

    def _write(self, batch: list[Any]) -> None:
        delay = 0.5
        while True:
            try:
                with self._sessions.begin() as session:
                    changed = records.write(session, batch)
                self.batches += 1
                self._changed(changed)
                return
            except (OperationalError, InterfaceError) as exc:
                log.warning(
                    "cannot write %d records (%s); %d more waiting; trying again in %.1f s",
                    len(batch),
                    exc.__class__.__name__,
                    self._queue.qsize(),
                    delay,
                )
                self._sleep(delay)
                delay = min(30.0, delay * 2)
            except Exception:
                log.exception("a batch of %d records failed; writing them one by one", len(batch))
                self._one_by_one(batch)
                return

    def _changed(self, groups: set[int]) -> None:
        for group in groups:
            self.log_versions[group] = self.log_versions.get(group, 0) + 1

    def _one_by_one(self, batch: list[Any]) -> None:
        for item in batch:
            try:
                with self._sessions.begin() as session:
                    self._changed(records.write(session, [item]))
            except Exception:
                self.dropped += 1
                log.exception("record dropped, the database refused it: %r", item)
        self.batches += 1
