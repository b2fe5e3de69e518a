"""Group statistics over real HTTP: figures checked by hand, local days across DST changes,
filters, CSV, the method printed, bad requests refused with the field named."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome, OverflowReason
from helin.store import db
from helin.store.calls import records
from tests.api.test_agent_api import CONFIG, signed_in
from tests.calls.node import Node

# 2026-10-25: Europe/Tallinn goes back from UTC+3 to UTC+2 at 04:00 local (01:00 UTC)
TEN = datetime(2026, 10, 26, 8, 0, tzinfo=UTC).timestamp()  # Monday 10:00 local (UTC+2)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def segment(
    group: str,
    n: int,
    outcome: Outcome,
    at: float,
    wait: float,
    talk: float = 0.0,
    reason: OverflowReason | None = None,
) -> CallRecord:
    answered = at + wait if outcome is Outcome.ANSWERED else None
    return CallRecord(
        call_id=f"c{n}",
        segment=0,
        group_id=group,
        caller="+3725550000",
        number="+3726000100",
        outcome=outcome,
        arrived_at=at,
        queued_at=at,
        answered_at=answered,
        ended_at=(answered or at + wait) + talk,
        overflow_reason=reason,
    )


def write(node: Node, segments: list[CallRecord]) -> None:
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, segments)
    engine.dispose()


def test_an_hour_worked_out_by_hand(node: Node) -> None:
    support = node.group_id("Support")
    write(
        node,
        [
            segment(support, 1, Outcome.ANSWERED, TEN + 60, wait=10, talk=100),
            segment(support, 2, Outcome.ANSWERED, TEN + 120, wait=30, talk=300),
            segment(support, 3, Outcome.ABANDONED, TEN + 180, wait=3),  # short
            segment(support, 4, Outcome.ABANDONED, TEN + 240, wait=50),
            segment(
                support, 5, Outcome.OVERFLOWED, TEN + 300, wait=90, reason=OverflowReason.TIMEOUT
            ),
            segment(support, 6, Outcome.ANSWERED, TEN + 3600, wait=5, talk=60),  # the next hour
        ],
    )
    mart = signed_in(node, "mart", "mart-password-1")
    answer = mart.get(
        "/api/v1/stats/groups",
        params={"group_id": support, "since": "2026-10-26", "until": "2026-10-26", "threshold": 20},
    )
    assert answer.status_code == 200, answer.text
    [group] = answer.json()["groups"]
    assert (
        group["method"]["service_level_formula"] == "answered within T / (offered − short abandons)"
    )
    assert group["method"]["threshold_seconds"] == 20
    assert group["method"]["short_abandon_seconds"] == 5.0
    periods = {p["start"]: p for p in group["periods"]}
    assert len(periods) == 24
    ten = periods["2026-10-26T10:00:00+02:00"]
    assert (ten["offered"], ten["answered"], ten["abandoned"], ten["short_abandoned"]) == (
        5,
        2,
        2,
        1,
    )
    assert ten["overflowed_timeout"] == 1 and ten["answered_within"] == 1
    assert ten["service_level"] == pytest.approx(1 / 4)
    assert ten["abandon_rate"] == pytest.approx(1 / 4)
    assert ten["answer_rate"] == pytest.approx(2 / 5)
    assert ten["asa"] == pytest.approx(20.0)
    assert ten["aht"] == pytest.approx(200.0)
    assert ten["longest_wait"] == 90.0
    assert ten["agents_needed"] >= 1
    total = group["total"]
    assert (total["offered"], total["answered"]) == (6, 3)
    assert total["service_level"] == pytest.approx(2 / 5)  # 10 s and 5 s within 20 of 6 - 1
    nine = periods["2026-10-26T09:00:00+02:00"]
    assert nine["offered"] == 0 and nine["service_level"] is None and nine["agents_needed"] is None

    by_answered = mart.get(
        "/api/v1/stats/groups",
        params={
            "group_id": support,
            "since": "2026-10-26",
            "until": "2026-10-26",
            "interval": "day",
            "threshold": 20,
            "formula": "answered",
        },
    ).json()["groups"][0]
    [day] = by_answered["periods"]
    assert day["service_level"] == pytest.approx(2 / 3)
    assert by_answered["method"]["service_level_formula"] == "answered within T / answered"


def test_days_with_a_clock_change_have_23_or_25_hours(node: Node) -> None:
    support = node.group_id("Support")
    mart = signed_in(node, "mart", "mart-password-1")
    for day, hours in (("2026-03-29", 23), ("2026-10-25", 25), ("2026-10-26", 24)):
        answer = mart.get(
            "/api/v1/stats/groups", params={"group_id": support, "since": day, "until": day}
        )
        periods = answer.json()["groups"][0]["periods"]
        assert len(periods) == hours, day
        assert sum(p["seconds"] for p in periods) == hours * 3600
    october = mart.get(
        "/api/v1/stats/groups",
        params={"group_id": support, "since": "2026-10-25", "until": "2026-10-25"},
    ).json()["groups"][0]["periods"]
    starts = [p["start"] for p in october]
    assert "2026-10-25T03:00:00+03:00" in starts and "2026-10-25T03:00:00+02:00" in starts


def test_weeks_months_weekdays_hours_and_csv(node: Node) -> None:
    support = node.group_id("Support")
    # one answered call at 10:00 local on each day from Monday 26 October to Sunday 8 November
    write(
        node,
        [
            segment(support, n, Outcome.ANSWERED, TEN + n * 86400, wait=5, talk=60)
            for n in range(14)
        ],
    )
    mart = signed_in(node, "mart", "mart-password-1")
    base = {"group_id": support, "since": "2026-10-26", "until": "2026-11-08"}

    def periods(**extra: object) -> list[dict[str, object]]:
        answer = mart.get("/api/v1/stats/groups", params={**base, **extra})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, object]] = answer.json()["groups"][0]["periods"]
        return found

    assert [p["answered"] for p in periods(interval="week")] == [7, 7]
    assert [(p["start"][:10], p["answered"]) for p in periods(interval="month")] == [
        ("2026-10-01", 6),
        ("2026-11-01", 8),
    ]
    workdays = periods(interval="day", weekday=[1, 2, 3, 4, 5])
    assert len(workdays) == 10 and all(p["answered"] == 1 for p in workdays)
    assert sum(p["answered"] for p in periods(interval="week", from_hour=11)) == 0
    assert sum(p["answered"] for p in periods(interval="week", from_hour=10, to_hour=11)) == 14
    text = mart.get("/api/v1/stats/groups", params={**base, "interval": "day", "format": "csv"})
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.text)))
    assert rows[0][:5] == ["group", "start", "seconds", "arrived", "closed"]
    assert len([r for r in rows[1:] if r and r[1][:4] == "2026"]) == 14
    total = next(r for r in rows if len(r) > 1 and r[1] == "total")
    assert total[rows[0].index("answered")] == "14"
    assert any("service level = answered within T" in cell for row in rows for cell in row)


def test_bad_requests_name_the_field(node: Node) -> None:
    mart = signed_in(node, "mart", "mart-password-1")
    support = node.group_id("Support")
    cases = [
        ({"since": "2026-10-02", "until": "2026-10-01"}, "until"),
        ({"since": "2026-01-01", "until": "2026-12-31", "interval": "15min"}, "until"),
        ({"since": "2026-10-01", "until": "2026-10-01", "threshold": 25}, "threshold"),
        ({"since": "2026-10-01", "until": "2026-10-01", "weekday": [8]}, "weekdays"),
        ({"since": "2026-10-01", "until": "2026-10-01", "from_hour": 12, "to_hour": 8}, "hours"),
        ({"since": "yesterday", "until": "2026-10-01"}, "since"),
        # the calendar's first day: its UTC midnight is in year 0 east of Greenwich
        ({"since": "0001-01-01", "until": "0001-01-01"}, "since"),
        ({"since": "2026-10-01", "until": "9999-12-31", "interval": "month"}, "until"),
    ]
    for params, field in cases:
        answer = mart.get("/api/v1/stats/groups", params={"group_id": support, **params})
        assert answer.status_code == 422, (params, answer.text)
        assert field in str(answer.json()["detail"]), (params, answer.text)
    ann = signed_in(node, "ann", "ann-password-1")  # an agent without the manager right
    day = {"since": "2026-10-01", "until": "2026-10-01"}
    assert ann.get("/api/v1/stats/groups", params=day).status_code == 403
    assert mart.get("/api/v1/stats/groups", params={**day, "group_id": 999_999}).status_code == 404
    with httpx.Client(base_url=node.http) as anonymous:
        assert anonymous.get("/api/v1/stats/groups", params=day).status_code == 401


def test_a_group_sets_its_own_threshold_target_and_short_abandons(node: Node) -> None:
    support = node.group_id("Support")
    write(node, [segment(support, 1, Outcome.ABANDONED, TEN, wait=8)])
    mart = signed_in(node, "mart", "mart-password-1")
    wrong = mart.patch(f"/api/v1/groups/{support}", json={"queue": {"service_level_threshold": 25}})
    assert wrong.status_code == 422 and "service_level_threshold" in wrong.text
    changed = mart.patch(
        f"/api/v1/groups/{support}",
        json={
            "queue": {
                "service_level_threshold": 30,
                "service_level_target": 0.9,
                "short_abandon": 10,
            }
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["queue"]["service_level_threshold"] == 30
    write(node, [segment(support, 2, Outcome.ABANDONED, TEN + 60, wait=8)])
    day = {"group_id": support, "since": "2026-10-26", "until": "2026-10-26", "interval": "day"}
    [group] = mart.get("/api/v1/stats/groups", params=day).json()["groups"]
    assert group["method"]["threshold_seconds"] == 30
    assert group["method"]["target"] == 0.9 and group["method"]["short_abandon_seconds"] == 10
    # each abandon was judged by the threshold in force when it ended: 8 s was long, then short
    assert (group["total"]["abandoned"], group["total"]["short_abandoned"]) == (2, 1)


def test_the_xlsx_export_has_typed_cells_and_the_method(node: Node) -> None:
    from datetime import timedelta

    from openpyxl import load_workbook

    support = node.group_id("Support")
    write(node, [segment(support, 1, Outcome.ANSWERED, TEN + 60, wait=10, talk=100)])
    mart = signed_in(node, "mart", "mart-password-1")
    day = {"group_id": support, "since": "2026-10-26", "until": "2026-10-26", "format": "xlsx"}
    answer = mart.get("/api/v1/stats/groups", params=day)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["Support"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["start", "utc_offset", "seconds", "arrived"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    ten = next(r for r in rows if isinstance(r[0], datetime) and r[0].hour == 10)
    assert ten[1] == "+0200" and ten[2] == 3600
    values = dict(zip(header, ten, strict=True))
    assert values["answered"] == 1 and isinstance(values["answered"], int)
    assert values["service_level"] == 1.0
    assert values["asa"] == timedelta(seconds=10)  # a duration, not text
    total = next(r for r in rows if r[0] == "total")
    assert dict(zip(header, total, strict=True))["aht"] == timedelta(seconds=100)
    method = {r[0]: r[1] for r in rows if r and r[0] in ("service level", "T (seconds)")}
    assert method == {
        "service level": "answered within T / (offered − short abandons)",
        "T (seconds)": 20,
    }
