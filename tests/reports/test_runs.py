"""The reports' loop on a fake clock against a real SMTP server on loopback: a weekly order
runs at 07:00 local on both sides of the spring clock change, runs missed while helin was
down are each sent once and marked late, a restart between a run's row and its message
sends it exactly once, and a server that keeps answering 4xx fails the run after a day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from helin.api.schemas.reports import OrderFields
from helin.api.services import reports
from helin.reports.mailer import SmtpSettings
from helin.reports.runs import ReportRunner, retry_delay
from helin.store.tables import ReportRun
from helin.store.tables.reports import RunState
from tests.reports.smtp import SmtpServer


def tick(runner: ReportRunner) -> int:
    return asyncio.run(runner.tick())


def runs_of(sessions: Any) -> list[ReportRun]:
    with sessions() as session:
        return list(session.scalars(select(ReportRun).order_by(ReportRun.scheduled_at)))


def test_a_weekly_order_runs_at_seven_local_on_both_sides_of_the_clock_change(
    world: Any, smtp: SmtpServer
) -> None:
    ctx, me, clock, runner, sessions = world
    body = OrderFields(
        report="group_summary",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        frequency="weekly",  # type: ignore[arg-type]
        weekday=1,
        send_at="07:00",
        formats=["csv"],  # type: ignore[list-item]
        interval="day",  # type: ignore[arg-type]
    )
    made = reports.create(ctx, me, body)
    assert made.next_run_at == datetime(2026, 3, 23, 5, 0, tzinfo=UTC)  # 07:00 EET
    loop = runner()
    clock.at = datetime(2026, 3, 23, 4, 59, tzinfo=UTC)
    assert tick(loop) == 0
    clock.at = datetime(2026, 3, 23, 5, 0, tzinfo=UTC)
    assert tick(loop) == 1
    clock.at = datetime(2026, 3, 30, 3, 59, tzinfo=UTC)  # 06:59 EEST
    assert tick(loop) == 0
    clock.at = datetime(2026, 3, 30, 4, 0, tzinfo=UTC)  # 07:00 EEST
    assert tick(loop) == 1
    found = runs_of(sessions)
    assert [(r.first, r.last, r.state, r.late) for r in found] == [
        (date(2026, 3, 16), date(2026, 3, 22), RunState.SENT, False),
        (date(2026, 3, 23), date(2026, 3, 29), RunState.SENT, False),
    ]
    assert [m["Subject"] for m in smtp.sink.received] == [
        "Group summary: 2026-03-16 – 2026-03-22",
        "Group summary: 2026-03-23 – 2026-03-29",
    ]


def test_runs_missed_while_down_are_each_sent_once_and_late(world: Any, smtp: SmtpServer) -> None:
    ctx, me, clock, runner, sessions = world
    clock.at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    body = OrderFields(
        report="service_level",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        frequency="daily",  # type: ignore[arg-type]
        formats=["csv"],  # type: ignore[list-item]
    )
    reports.create(ctx, me, body)
    clock.at = datetime(2026, 6, 4, 12, 0, tzinfo=UTC)  # helin was down for three days
    assert tick(runner()) == 3
    assert tick(runner()) == 0
    found = runs_of(sessions)
    assert [(r.first, r.late, r.state) for r in found] == [
        (date(2026, 6, 1), True, RunState.SENT),
        (date(2026, 6, 2), True, RunState.SENT),
        (date(2026, 6, 3), True, RunState.SENT),
    ]
    assert len(smtp.sink.received) == 3
    body_text = smtp.sink.received[0].get_body(preferencelist=("plain",)).get_content()
    assert "sent late" in body_text


def test_a_restart_between_the_run_row_and_the_message_sends_it_exactly_once(
    world: Any, smtp: SmtpServer
) -> None:
    ctx, me, _, runner, sessions = world
    body = OrderFields(
        report="abandoned_calls",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        since=date(2026, 3, 1),
        until=date(2026, 3, 19),
        formats=["pdf", "csv"],  # type: ignore[list-item]
    )
    reports.create(ctx, me, body)  # the run's row is committed; no runner has seen it
    [waiting] = runs_of(sessions)
    assert waiting.state is RunState.PENDING and waiting.attempts == 0
    assert tick(runner()) == 1  # the first runner after the restart
    assert tick(runner()) == 0
    assert tick(runner()) == 0
    assert len(smtp.sink.received) == 1
    [sent] = runs_of(sessions)
    assert sent.state is RunState.SENT and sent.attempts == 1
    assert smtp.sink.received[0]["Message-ID"] == f"<helin-report-run-{sent.id}@localhost>"


def test_a_server_that_keeps_refusing_for_now_fails_the_run_after_a_day(
    world: Any, smtp: SmtpServer
) -> None:
    ctx, me, clock, runner, sessions = world
    smtp.sink.replies += ["421 4.7.0 try again later"] * 30
    body = OrderFields(
        report="call_detail",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        since=date(2026, 3, 19),
        until=date(2026, 3, 19),
        formats=["xlsx"],  # type: ignore[list-item]
    )
    reports.create(ctx, me, body)
    loop = runner()
    waits = []
    for _ in range(40):
        if tick(loop) == 0 and runs_of(sessions)[0].state is not RunState.PENDING:
            break
        [run] = runs_of(sessions)
        if run.state is not RunState.PENDING:
            break
        assert run.next_attempt_at is not None
        waits.append((run.next_attempt_at - clock.at).total_seconds())
        clock.at = run.next_attempt_at
    [run] = runs_of(sessions)
    assert run.state is RunState.FAILED and run.error is not None and run.error.startswith("421")
    assert waits[:4] == [60.0, 120.0, 240.0, 480.0] and max(waits) == 3600.0
    assert clock.at - run.scheduled_at >= timedelta(days=1)
    assert smtp.sink.received == []
    assert [retry_delay(n) for n in (1, 2, 7, 8, 20)] == [60, 120, 3600, 3600, 3600]


def test_files_over_the_limit_are_linked_not_attached(world: Any, smtp: SmtpServer) -> None:
    ctx, me, clock, _, sessions = world
    body = OrderFields(
        report="group_summary",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        since=date(2026, 3, 1),
        until=date(2026, 3, 19),
        formats=["pdf", "xlsx"],  # type: ignore[list-item]
        interval="day",  # type: ignore[arg-type]
    )
    reports.create(ctx, me, body)
    small = ReportRunner(
        sessions,
        ctx,
        SmtpSettings(host="127.0.0.1", port=smtp.port, security="none", timeout=5),
        public_url="https://helin.example/",
        attachment_limit=1000,
        clock=clock,
    )
    assert tick(small) == 1
    [mail] = smtp.sink.received
    [run] = runs_of(sessions)
    assert run.state is RunState.SENT and run.linked
    assert list(mail.iter_attachments()) == []
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"https://helin.example/manager/reports/runs/{run.id}" in text


def test_a_451_then_250_delivers_the_message_once(world: Any, smtp: SmtpServer) -> None:
    ctx, me, clock, runner, sessions = world
    smtp.sink.replies.append("451 4.3.0 mailbox busy")
    body = OrderFields(
        report="group_summary",  # type: ignore[arg-type]
        recipients=["boss@alpha.test"],
        since=date(2026, 3, 19),
        until=date(2026, 3, 19),
        formats=["csv"],  # type: ignore[list-item]
    )
    reports.create(ctx, me, body)
    loop = runner()
    assert tick(loop) == 1
    [run] = runs_of(sessions)
    assert (run.state, run.attempts, run.error) == (RunState.PENDING, 1, "451 4.3.0 mailbox busy")
    assert tick(loop) == 0  # not yet: the next try is a minute away
    clock.at += timedelta(seconds=60)
    assert tick(loop) == 1
    [run] = runs_of(sessions)
    assert (run.state, run.attempts, run.error) == (RunState.SENT, 2, None)
    assert tick(loop) == 0
    assert smtp.sink.tries == 2 and len(smtp.sink.received) == 1
