"""The report tests' SMTP server, started once for the session, and a company in a
database of its own (``world``) with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from helin.api.context import ApiContext
from helin.api.services.security import Principal
from helin.reports.mailer import SmtpSettings
from helin.reports.runs import ReportRunner
from helin.store import db
from helin.store.provisioning.file import provision_file
from helin.store.tables import User
from tests.api.test_agent_api import CONFIG
from tests.reports.smtp import SmtpServer


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.reset()
    return smtp_server


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


@pytest.fixture
def world(tmp_path: Path, smtp: SmtpServer, db_url: str) -> Any:
    """(API context, the manager mart, the clock, a runner maker, sessions) on a company
    provisioned into a new database, SQLite and PostgreSQL in turn."""
    url = db_url
    db.migrate(url)
    (tmp_path / "p.yaml").write_text(CONFIG)
    provision_file(url, tmp_path / "p.yaml")
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    clock = Clock(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    ctx = ApiContext(sessions=sessions, live=None, clock=lambda: clock.at)  # type: ignore[arg-type]
    with sessions() as session:
        mart = session.scalars(select(User).where(User.username == "mart")).one()
        me = Principal.of(mart, 0, False)
    smtp_settings = SmtpSettings(host="127.0.0.1", port=smtp.port, security="none", timeout=5)

    def runner() -> ReportRunner:
        return ReportRunner(
            sessions, ctx, smtp_settings, public_url="http://helin.test", clock=clock
        )

    yield ctx, me, clock, runner, sessions
    engine.dispose()
