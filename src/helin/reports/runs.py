"""Making and sending the runs that are due: the reports' loop.

Theory of operation. Every ``interval`` seconds (and at once when woken: a new order, "send
now") the runner plans the recurring orders' runs that are due (``store.reports.plan``: a row
per run, committed before anything is made, so a restart neither skips nor repeats one), then
takes the pending runs whose time has come, oldest first. A run's files are made once, by the
manager who ordered it with their rights at the time, and kept with the run; the message is
then handed to the SMTP server. A transient refusal (4xx, no connection) is tried again after
1, 2, 4 ... minutes (at most an hour apart) until a day has passed since the run was due; a
permanent one (5xx), or a report its manager may no longer make, fails the run at once with
the reason, which the run's history shows. A crash after the server accepted a message and
before the run was marked sent sends it again at the next start: the message keeps its
Message-ID, so a receiving system can drop the repeat.

Rendering and the database work run on a worker thread; only the SMTP conversation is on the
event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from sqlalchemy.orm import Session, sessionmaker

from helin.api.context import ApiContext
from helin.api.services.errors import ServiceError
from helin.api.services.security import Principal, may_manage
from helin.reports import content, render
from helin.reports.catalog import MEDIA_TYPES, Format
from helin.reports.mailer import SmtpSettings, Verdict, send
from helin.reports.schedule import Span
from helin.reports.words import words
from helin.store import reports as rows
from helin.store.tables import ReportOrder, ReportRun, Tenant, User
from helin.store.tables.reports import RunState

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=1)
FIRST_RETRY = 60.0
LONGEST_RETRY = 3600.0


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` transient failures."""
    return float(min(LONGEST_RETRY, FIRST_RETRY * 2.0 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Prepared:
    """A run ready to send, or the reason it cannot be."""

    run_id: int
    message: EmailMessage | None
    linked: bool = False
    failure: str | None = None


def request_of(order: ReportOrder, span: Span) -> content.Request:
    return content.Request(
        kind=order.report,
        span=span,
        timezone=order.timezone,
        group_ids=tuple(order.group_ids),
        interval=order.interval,
        threshold=order.threshold,
        formula=order.formula,
        language=order.language,
        title=order.title,
    )


def make_files(
    ctx: ApiContext, me: Principal, tenant: str, order: ReportOrder, span: Span
) -> list[tuple[str, str, bytes]]:
    """(name, media type, bytes) of each format the order asks for."""
    document = content.build(ctx, me, tenant, request_of(order, span))
    made = []
    for name in order.formats:
        form = Format(name)
        made.append(
            (render.file_name(document, form), MEDIA_TYPES[form], render.render(document, form))
        )
    return made


class ReportRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ctx: ApiContext,
        smtp: SmtpSettings | None,
        *,
        public_url: str,
        attachment_limit: int = 10_000_000,
        interval: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.ctx = ctx
        self.smtp = smtp
        self.public_url = public_url.rstrip("/")
        self.attachment_limit = attachment_limit
        self.interval = interval
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    def wake(self) -> None:
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the loop must outlive one bad run
                log.exception("reports: a round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def tick(self) -> int:
        """Plan what is due and send every run whose time has come; how many were tried."""
        now = self.now()
        await asyncio.to_thread(self._plan, now)
        due = await asyncio.to_thread(self._due, now)
        for run_id in due:
            try:
                prepared = await asyncio.to_thread(self._prepare, run_id)
            except Exception as exc:  # a report that cannot be made must not block the rest
                log.exception("report run %d could not be made", run_id)
                prepared = Prepared(run_id, None, failure=f"the report could not be made: {exc}")
            if prepared.failure is not None or prepared.message is None:
                await asyncio.to_thread(self._fail, run_id, prepared.failure or "nothing to send")
                continue
            if self.smtp is None:
                outcome = Verdict.TEMPORARY, "no SMTP server is configured (HELIN_SMTP_HOST)"
            else:
                delivery = await send(self.smtp, prepared.message)
                outcome = delivery.verdict, delivery.detail
            await asyncio.to_thread(self._record, run_id, *outcome, prepared.linked)
        return len(due)

    def _plan(self, now: datetime) -> None:
        with self.sessions.begin() as session:
            made = rows.plan(session, now)
        if made:
            log.info("reports: %d runs due", len(made))

    def _due(self, now: datetime) -> list[int]:
        with self.sessions() as session:
            return [run.id for run in rows.due_runs(session, now)]

    def _prepare(self, run_id: int) -> Prepared:
        with self.sessions.begin() as session:
            run = session.get(ReportRun, run_id)
            if run is None:
                return Prepared(run_id, None, failure="the run is gone")
            order = session.get(ReportOrder, run.order_id)
            tenant = session.get(Tenant, run.tenant_id)
            assert order is not None and tenant is not None
            owner = session.get(User, order.owner_id) if order.owner_id is not None else None
            me = Principal.of(owner, 0, False) if owner and not owner.disabled else None
            if me is None or not may_manage(me) or me.tenant_id != order.tenant_id:
                return Prepared(run_id, None, failure="the manager who ordered it may not any more")
            made = [(f.name, f.media_type, f.data) for f in rows.files(session, run.id)]
            span = Span(run.first, run.last)
            if not made:
                try:
                    made = make_files(self.ctx, me, tenant.name, order, span)
                except ServiceError as exc:
                    return Prepared(run_id, None, failure=f"the report cannot be made: {exc}")
                rows.keep_files(session, run.id, made)
            message, linked = self._message(order, run, tenant.name, made)
            return Prepared(run_id, message, linked)

    def _message(
        self,
        order: ReportOrder,
        run: ReportRun,
        tenant: str,
        made: list[tuple[str, str, bytes]],
    ) -> tuple[EmailMessage, bool]:
        w = words(order.language)
        title = order.title or w[order.report]
        period = Span(run.first, run.last).printed()
        message = EmailMessage()
        message["Subject"] = w["subject"].format(title=title, period=period)
        message["From"] = self.smtp.sender if self.smtp else "helin@localhost"
        message["To"] = ", ".join(order.recipients)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<helin-report-run-{run.id}@{_domain(message['From'])}>"
        body = [w["body"].format(title=title, period=period, zone=order.timezone), ""]
        if run.late:
            body += [w["body_late"], ""]
        linked = sum(len(data) for _, _, data in made) > self.attachment_limit
        if linked:
            body.append(w["body_linked"])
            body.append(f"{self.public_url}/manager/reports/runs/{run.id}")
        body += ["", f"{tenant} · helin"]
        message.set_content("\n".join(body))
        if not linked:
            for name, media_type, data in made:
                main, sub = media_type.split(";")[0].split("/")
                if main == "text":  # with its charset, so mail readers decode it right
                    message.add_attachment(data.decode("utf-8"), subtype=sub, filename=name)
                else:
                    message.add_attachment(data, maintype=main, subtype=sub, filename=name)
        return message, linked

    def _fail(self, run_id: int, reason: str) -> None:
        with self.sessions.begin() as session:
            run = session.get(ReportRun, run_id)
            if run is not None:
                run.state, run.error, run.next_attempt_at = RunState.FAILED, reason[:1000], None
                run.attempts += 1
        log.warning("report run %d failed: %s", run_id, reason)

    def _record(self, run_id: int, verdict: Verdict, detail: str, linked: bool) -> None:
        now = self.now()
        with self.sessions.begin() as session:
            run = session.get(ReportRun, run_id)
            if run is None:
                return
            run.attempts += 1
            run.linked = linked
            run.error = detail[:1000] or None
            if verdict is Verdict.SENT:
                run.state, run.sent_at, run.next_attempt_at = RunState.SENT, now, None
            elif verdict is Verdict.PERMANENT or now - run.scheduled_at >= GIVE_UP_AFTER:
                run.state, run.next_attempt_at = RunState.FAILED, None
            else:
                run.next_attempt_at = now + timedelta(seconds=retry_delay(run.attempts))
        log.info("report run %d: %s %s", run_id, verdict.value, detail)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip("> ") or "localhost"
