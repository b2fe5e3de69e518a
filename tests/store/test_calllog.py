"""Call rows opened, closed, failed after a crash; recordings; the group call log: all written
through the one writer (``records.write``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.records import CallClosed, CallOpened, RecordingMade
from helin.store.calls import calllog, history, records
from helin.store.provisioning.file import provision_file
from helin.store.tables import Call, Group, Recording, Tenant
from helin.store.tables.enums import Direction
from tests.store.conftest import EXAMPLE

T0 = 1_790_000_000.0


def setup(session: Session, url: str) -> tuple[int, int, int]:
    """The example company; (tenant id, Support's id, Sales' id)."""
    provision_file(url, EXAMPLE)
    tenant = session.scalar(select(Tenant.id))
    groups = {name: id_ for name, id_ in session.execute(select(Group.name, Group.id))}
    assert tenant is not None
    return tenant, groups["Support"], groups["Sales"]


def inbound(session: Session, tenant: int, group: int, call_id: str, at: float) -> None:
    opened = CallOpened(
        call_id=call_id,
        direction="inbound",
        tenant_id=str(tenant),
        group_id=str(group),
        agent_id=None,
        caller="+3725550001",
        number="+3726001000",
        arrived_at=at,
    )
    records.write(session, [opened])


def record(call_id: str, group: int, outcome: Outcome, at: float, **extra: object) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        segment=0,
        group_id=str(group),
        caller="+3725550001",
        number="+3726001000",
        outcome=outcome,
        arrived_at=at,
        ended_at=at + 30,
        **extra,  # type: ignore[arg-type]
    )


def test_open_rows_are_closed_by_the_engine_or_failed_after_a_crash(
    session: Session, migrated_url: str
) -> None:
    tenant, support, _ = setup(session, migrated_url)
    inbound(session, tenant, support, "a", T0)
    inbound(session, tenant, support, "b", T0 + 1)
    records.write(session, [record("a", support, Outcome.ANSWERED, T0)])
    assert calllog.fail_open_calls(session, T0 + 100) == 1
    rows = {c.call_id: c for c in session.scalars(select(Call))}
    assert rows["a"].outcome is Outcome.ANSWERED
    assert rows["b"].outcome is Outcome.FAILED and rows["b"].ended_at is not None
    assert calllog.fail_open_calls(session, T0 + 200) == 0


def test_an_overflow_to_a_group_opens_the_next_segments_row(
    session: Session, migrated_url: str
) -> None:
    tenant, support, sales = setup(session, migrated_url)
    inbound(session, tenant, support, "a", T0)
    records.write(
        session, [record("a", support, Outcome.OVERFLOWED, T0, overflow_group=str(sales))]
    )
    first = session.scalar(select(Call).where(Call.segment == 0))
    assert first is not None and first.overflow_group_id == sales and first.forwarded_to is None
    assert not history.is_missed(first)  # handed on to Sales, not missed in Support
    assert calllog.fail_open_calls(session, T0 + 100) == 1  # the segment in Sales was open
    second = session.scalar(select(Call).where(Call.segment == 1))
    assert second is not None and second.group_id == sales


def test_personal_calls_are_closed_and_recordings_kept_for_the_retention(
    session: Session, migrated_url: str
) -> None:
    tenant, support, _ = setup(session, migrated_url)
    opened = CallOpened(
        call_id="out",
        direction="outbound",
        tenant_id=str(tenant),
        group_id=str(support),
        agent_id=None,
        caller="+3726001000",
        number="+3728000000",
        arrived_at=T0,
    )
    closed = CallClosed(
        call_id="out", ended_at=T0 + 60, answered_at=T0 + 5, outcome=Outcome.ANSWERED
    )
    made = RecordingMade(
        call_id="out",
        tenant_id=str(tenant),
        path="/x/out.wav",
        size=1000,
        sha256="0" * 64,
        duration=55.0,
        made_at=T0 + 61,
    )
    records.write(session, [opened, closed, made])
    recording = session.scalar(select(Recording))
    assert recording is not None
    call = session.scalar(select(Call))
    assert call is not None and call.outcome is Outcome.ANSWERED and call.answered_at is not None
    assert recording.call_row_id == call.id
    days = session.scalar(select(Tenant.recording_retention_days))
    assert recording.retained_until - recording.created_at == timedelta(days=days or 0)


def test_the_group_call_log_is_the_last_99_newest_first_missed_flagged(
    session: Session, migrated_url: str
) -> None:
    tenant, support, sales = setup(session, migrated_url)
    for n in range(105):
        inbound(session, tenant, support, f"c{n}", T0 + n)
        outcome = Outcome.ABANDONED if n % 3 == 0 else Outcome.ANSWERED
        records.write(session, [record(f"c{n}", support, outcome, T0 + n)])
    inbound(session, tenant, sales, "elsewhere", T0 + 500)
    log = calllog.group_call_log(session, support)
    assert len(log) == 99
    assert [e.call_id for e in log[:2]] == ["c104", "c103"]
    assert all(e.missed == (e.outcome is Outcome.ABANDONED) for e in log)
    assert all(e.direction is Direction.INBOUND for e in log)
