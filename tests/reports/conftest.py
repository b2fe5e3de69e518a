"""The report tests' SMTP server, started once for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
