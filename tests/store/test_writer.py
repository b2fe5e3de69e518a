"""The records pipeline: batches off the caller's thread, nothing lost while the database is
away, one bad record dropped alone."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from helin.acd.commands import AgentEventRecord, CallRecord
from helin.acd.model import Outcome
from helin.store.calls.writer import RecordWriter
from helin.store.db import make_engine, migrate, session_factory
from helin.store.provisioning.file import provision_file
from helin.store.tables import AgentEvent, Group, User
from tests.store.conftest import EXAMPLE


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'helin.db'}"
    migrate(url)
    provision_file(url, EXAMPLE)
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def impatient(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=50")  # a locked database fails fast

    yield session_factory(engine)
    engine.dispose()


def _agent(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        return str(session.scalar(select(User.id).where(User.agent)))


def _events(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AgentEvent)) or 0


def test_records_are_written_in_batches_and_flush_waits_for_them(
    sessions: sessionmaker[Session],
) -> None:
    agent = _agent(sessions)
    writer = RecordWriter(sessions, max_batch=1000)
    for n in range(25):
        writer.submit(
            [
                AgentEventRecord(agent_id=agent, at=float(n * 100 + k), kind="dnd_on")
                for k in range(100)
            ]
        )
    assert writer.flush()
    assert _events(sessions) == 2500
    assert 3 <= writer.batches < 2500  # batched, not a transaction per record
    writer.close()


def test_a_bad_record_is_dropped_alone(sessions: sessionmaker[Session]) -> None:
    agent = _agent(sessions)
    writer = RecordWriter(sessions)
    good = [AgentEventRecord(agent_id=agent, at=float(n), kind="login") for n in range(5)]
    bad = AgentEventRecord(agent_id="not-a-row", at=9.0, kind="login")
    writer.submit([*good[:2], bad, *good[2:]])
    assert writer.flush()
    assert _events(sessions) == 5 and writer.dropped == 1
    writer.close()


def test_nothing_is_lost_while_the_database_is_locked(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    agent = _agent(sessions)
    lock = sqlite3.connect(tmp_path / "helin.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    retried = threading.Event()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        retried.set()

    writer = RecordWriter(sessions, sleep=sleep)
    writer.submit([AgentEventRecord(agent_id=agent, at=float(n), kind="login") for n in range(10)])
    assert retried.wait(10)  # the first attempt met the lock
    assert not writer.flush(timeout=0.3)
    lock.execute("ROLLBACK")
    lock.close()
    assert writer.flush()
    assert _events(sessions) == 10 and writer.dropped == 0
    assert waits[:2] == [0.5, 1.0]  # backoff doubles
    writer.close()


def test_close_writes_what_is_queued(sessions: sessionmaker[Session]) -> None:
    agent = _agent(sessions)
    writer = RecordWriter(sessions, max_delay=5.0)
    writer.submit([AgentEventRecord(agent_id=agent, at=1.0, kind="login")])
    writer.close()
    assert _events(sessions) == 1


def test_a_groups_call_log_version_grows_once_its_rows_are_committed(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        group = session.scalar(select(Group.id).order_by(Group.id))
    assert group is not None
    writer = RecordWriter(sessions)
    assert writer.log_versions.get(group, 0) == 0
    writer.submit(
        [
            CallRecord(
                call_id="v1",
                segment=0,
                group_id=str(group),
                caller="+3725550000",
                number="+3726000000",
                outcome=Outcome.ABANDONED,
                arrived_at=1.8e9,
                queued_at=1.8e9,
                ended_at=1.8e9 + 30,
            )
        ]
    )
    assert writer.flush()
    assert writer.log_versions[group] == 1
    writer.submit([AgentEventRecord(agent_id=_agent(sessions), at=1.8e9, kind="dnd_on")])
    assert writer.flush()
    assert writer.log_versions[group] == 1  # no call row of the group changed
    writer.close()
