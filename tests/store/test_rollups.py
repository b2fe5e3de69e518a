"""The statistics rollups kept as records are written equal the rollups rebuilt from raw rows.

Traffic: the real engine's records from ``helin simulate`` and random segments of every
outcome spread over days around a DST change, in two groups of different time zones, some
opened first by the call layer, some outbound, some left open by a "crash".
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome, OverflowReason
from helin.records import CallClosed, CallOpened, Record
from helin.stats.metrics import THRESHOLDS
from helin.stats.simulator import SimulationParams, simulated_records
from helin.store.calls import calllog, records
from helin.store.provisioning.file import provision_file
from helin.store.stats import rollups
from helin.store.tables import Group, Tenant, group_days, group_intervals, group_months
from helin.store.tables.statistics import named
from tests.store.conftest import EXAMPLE

DST_END = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
"""Europe/Tallinn goes from UTC+3 to UTC+2 (04:00 -> 03:00 local)."""


def _groups(session: Session, url: str) -> tuple[int, Group, Group]:
    provision_file(url, EXAMPLE)
    tenant = session.scalar(select(Tenant.id))
    support, sales = (
        session.scalar(select(Group).where(Group.name == name)) for name in ("Support", "Sales")
    )
    assert tenant is not None and support is not None and sales is not None
    support.timezone, sales.timezone = "Europe/Tallinn", "America/New_York"
    sales.short_abandon = 8.0
    session.commit()
    return tenant, support, sales


def _random_segments(rng: random.Random, group: Group, count: int) -> list[CallRecord]:
    out = []
    base = DST_END.timestamp() - 2 * 86400
    for n in range(count):
        at = base + rng.uniform(0, 4 * 86400)
        wait = rng.choice([0.0, 4.99, 5.0, 8.0, 20.0, 20.01, 300.0, 301.0, rng.uniform(0, 400)])
        outcome = rng.choice(list(Outcome)[:5])
        answered = at + wait if outcome is Outcome.ANSWERED else None
        reason = rng.choice(list(OverflowReason)) if outcome is Outcome.OVERFLOWED else None
        out.append(
            CallRecord(
                call_id=f"r{group.id}-{n}",
                segment=0,
                group_id=str(group.id),
                caller="+3725550000",
                number="+3726000000",
                outcome=outcome,
                arrived_at=at,
                queued_at=at if outcome is not Outcome.CLOSED else None,
                answered_at=answered,
                ended_at=(answered or at + wait) + rng.uniform(0, 900),
                overflow_reason=reason,
            )
        )
    return out


def _opened(record: CallRecord, tenant: int, direction: str = "inbound") -> CallOpened:
    return CallOpened(
        call_id=record.call_id,
        direction=direction,  # type: ignore[arg-type]
        tenant_id=str(tenant),
        group_id=record.group_id,
        agent_id=None,
        caller=record.caller,
        number=record.number,
        arrived_at=record.arrived_at,
    )


def _unpacked(row: dict[str, Any]) -> dict[str, Any]:
    """A row with a 15-minute row's packed counts by name."""
    counts = row.pop("counts", None)
    return row if counts is None else row | named(counts)


def _snapshot(session: Session) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: [
            _unpacked(dict(row._mapping))
            for row in session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in (group_intervals, group_days, group_months)
    }


def _assert_same(live: dict[str, list[dict[str, Any]]], rebuilt: dict[str, Any]) -> None:
    assert live.keys() == rebuilt.keys()
    for name in live:
        assert len(live[name]) == len(rebuilt[name]), name
        for mine, theirs in zip(live[name], rebuilt[name], strict=True):
            assert mine.keys() == theirs.keys()
            for key, value in mine.items():
                # sums of floats added in another order may differ in the last bits
                assert theirs[key] == (pytest.approx(value) if isinstance(value, float) else value)


def test_the_rollups_kept_live_equal_the_rollups_rebuilt(
    session: Session, migrated_url: str
) -> None:
    tenant, support, sales = _groups(session, migrated_url)
    rng = random.Random(7)
    params = SimulationParams(agents=3, calls_per_hour=60, aht=120, hours=6, seed=3)
    shift = DST_END.timestamp() - 3 * 3600 - 1_704_067_200.0  # the run spans the DST change
    simulated = [
        replace(
            r,
            group_id=str(support.id),
            agent_id=None,  # the simulator's agents are not users here
            arrived_at=r.arrived_at + shift,
            ended_at=r.ended_at + shift,
            queued_at=None if r.queued_at is None else r.queued_at + shift,
            first_offered_at=None if r.first_offered_at is None else r.first_offered_at + shift,
            answered_at=None if r.answered_at is None else r.answered_at + shift,
        )
        for r in simulated_records(params)
    ]
    assert len(simulated) > 300
    segments = simulated + _random_segments(rng, support, 300) + _random_segments(rng, sales, 300)
    written: list[Record] = []
    for n, record in enumerate(segments):
        if n % 3 == 0:
            written.append(_opened(record, tenant))  # the call layer opened the row first
        written.append(record)
    for n in range(40):  # calls out presenting Sales' number
        out = _random_segments(rng, sales, 1)[0]
        out = replace(out, call_id=f"out{n}")
        written.append(_opened(out, tenant, "outbound"))
        written.append(
            CallClosed(
                call_id=f"out{n}",
                ended_at=out.ended_at,
                answered_at=None,
                outcome=Outcome.UNANSWERED,
            )
        )
    crashed = _random_segments(rng, sales, 5)
    written += [_opened(replace(r, call_id=f"crash{n}"), tenant) for n, r in enumerate(crashed)]
    rng.shuffle(written[: len(written) // 2])  # order of arrival must not matter
    for start in range(0, len(written), 50):
        records.write(session, written[start : start + 50])
    assert calllog.fail_open_calls(session, DST_END.timestamp() + 3 * 86400) == 5
    session.commit()
    live = _snapshot(session)
    assert sum(row["arrived"] for row in live["group_days"]) == len(segments) + 5
    assert sum(row["outbound"] for row in live["group_intervals"]) == 40

    assert rollups.rebuild(session) == len(segments) + 5 + 40
    session.commit()
    _assert_same(live, _snapshot(session))

    rollups.rebuild(session, tenant_id=tenant, since=date(2026, 10, 25))
    session.commit()
    _assert_same(live, _snapshot(session))

    # 15-minute periods (read row by row) add up to the days (summed by the database), in
    # each group's own zone, across the DST change
    from helin.stats.metrics import GroupCounts
    from helin.stats.rollup import Period
    from helin.store.stats.series import Slice, series_of

    view = Slice(date(2026, 10, 22), date(2026, 10, 28))
    owners = [(support.id, support.timezone), (sales.id, sales.timezone)]
    quarters = series_of(session, owners, view, Period.QUARTER)
    days = series_of(session, owners, view, Period.DAY)
    for group_id, _ in owners:
        fine = sum((r.counts for r in quarters[group_id]), GroupCounts())
        coarse = sum((r.counts for r in days[group_id]), GroupCounts())
        assert fine.arrived == coarse.arrived > 0
        assert (fine.answered_waits, fine.abandoned_waits) == (
            coarse.answered_waits,
            coarse.abandoned_waits,
        )
        assert fine.wait_max == coarse.wait_max
        assert fine.talk_sum == pytest.approx(coarse.talk_sum)
    # the week has a 25-hour day in Tallinn (25 October), none in New York (1 November)
    assert sum(r.seconds for r in quarters[support.id]) == 7 * 86400 + 3600
    assert sum(r.seconds for r in quarters[sales.id]) == 7 * 86400


def test_a_dst_day_has_its_hours_in_local_days(session: Session, migrated_url: str) -> None:
    _, support, _ = _groups(session, migrated_url)
    # 23:30 local on 24 October (UTC+3) and 23:30 local on 25 October (UTC+2)
    late = [datetime(2026, 10, 24, 20, 30, tzinfo=UTC), datetime(2026, 10, 25, 21, 30, tzinfo=UTC)]
    base = _random_segments(random.Random(1), support, 1)[0]
    for n, at in enumerate(late):
        t = at.timestamp()
        records.write(
            session,
            [
                replace(
                    base,
                    call_id=f"d{n}",
                    outcome=Outcome.ABANDONED,
                    arrived_at=t,
                    queued_at=t,
                    answered_at=None,
                    ended_at=t + 10,
                    overflow_reason=None,
                )
            ],
        )
    days = [row.day for row in session.execute(select(group_days.c.day).order_by("day"))]
    assert days == [date(2026, 10, 24), date(2026, 10, 25)]
    assert THRESHOLDS[0] == 5


def test_weeks_months_and_days_sum_alike_on_both_databases(
    session: Session, migrated_url: str
) -> None:
    from helin.stats.rollup import Period
    from helin.store.stats.series import Slice, series_of

    _, support, sales = _groups(session, migrated_url)
    base = _random_segments(random.Random(3), support, 1)[0]
    monday = datetime(2026, 10, 26, 8, 0, tzinfo=UTC).timestamp()  # 10:00 in Tallinn
    made = [
        replace(
            base,
            call_id=f"w{n}-{g.id}",
            group_id=str(g.id),
            arrived_at=monday + n * 86400,
            queued_at=monday + n * 86400,
            answered_at=None,
            outcome=Outcome.ABANDONED,
            ended_at=monday + n * 86400 + 30,
            overflow_reason=None,
        )
        for n in range(14)
        for g in (support, sales)
    ]
    records.write(session, made)
    session.commit()
    view = Slice(date(2026, 10, 26), date(2026, 11, 8))
    groups = [(support.id, support.timezone), (sales.id, sales.timezone)]
    for period, expected in (
        (Period.WEEK, [7, 7]),
        (Period.MONTH, [6, 8]),
        (Period.DAY, [1] * 14),
    ):
        found = series_of(session, groups, view, period)
        assert [r.counts.abandoned for r in found[support.id]] == expected, period
        assert sum(r.counts.abandoned for r in found[sales.id]) == 14, period
    kept = Slice(date(2026, 10, 26), date(2026, 11, 8), weekdays=frozenset({0}))
    assert [
        r.counts.abandoned for r in series_of(session, groups, kept, Period.WEEK)[support.id]
    ] == [1, 1]
