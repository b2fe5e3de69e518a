"""The call log over HTTP: keyset pages by a sorted column, a call's detail with its rings
and recording, exports as CSV and XLSX; the agent log of a day; other companies and other
agents kept out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from helin.acd.commands import AgentEventRecord, CallRecord, OfferRecord
from helin.acd.model import OfferResult, Outcome, OverflowReason
from helin.records import RecordingMade
from helin.store import db
from helin.store.calls import records
from tests.api.test_agent_api import CONFIG, signed_in
from tests.calls.node import Node

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC).timestamp()  # 12:00 in Tallinn


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def write(node: Node, made: list[Any]) -> None:
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, made)
    engine.dispose()


def traffic(node: Node) -> None:
    """12 calls into Support from four callers, answered by ann after 5 or 20 s; one more
    overflowed from Support to Sales, where ann missed a ring and then answered, recorded."""
    support, sales, ann = node.group_id("Support"), node.group_id("Sales"), node.user_id("ann")
    made: list[Any] = []
    for n in range(12):
        at = T0 + 60 * (n // 2)  # two calls a minute: ties
        wait = 5 if n % 3 else 20
        made.append(
            CallRecord(
                call_id=f"c{n}",
                segment=0,
                group_id=support,
                caller=f"+37255500{n % 4}",
                number="+3726000100",
                outcome=Outcome.ANSWERED,
                arrived_at=at,
                queued_at=at,
                answered_at=at + wait,
                ended_at=at + wait + 60,
                agent_id=ann,
            )
        )
    at = T0 + 3600
    made += [
        CallRecord(
            call_id="ov",
            segment=0,
            group_id=support,
            caller="+3725559999",
            number="+3726000100",
            outcome=Outcome.OVERFLOWED,
            arrived_at=at,
            queued_at=at,
            ended_at=at + 30,
            overflow_reason=OverflowReason.TIMEOUT,
            overflow_group=sales,
        ),
        OfferRecord(
            call_id="ov",
            segment=1,
            group_id=sales,
            agent_id=ann,
            started_at=at + 31,
            ended_at=at + 39,
            result=OfferResult.NO_ANSWER,
        ),
        OfferRecord(
            call_id="ov",
            segment=1,
            group_id=sales,
            agent_id=ann,
            started_at=at + 41,
            ended_at=at + 45,
            result=OfferResult.ANSWERED,
        ),
        CallRecord(
            call_id="ov",
            segment=1,
            group_id=sales,
            caller="+3725559999",
            number="+3726000100",
            outcome=Outcome.ANSWERED,
            arrived_at=at + 30,
            queued_at=at + 30,
            answered_at=at + 45,
            ended_at=at + 100,
            agent_id=ann,
            offers=2,
        ),
        RecordingMade(
            call_id="ov",
            tenant_id=node.query(lambda s: _tenant(s, support)),
            path="x.wav",
            size=10,
            sha256="0" * 64,
            duration=55.0,
            made_at=at + 101,
        ),
        AgentEventRecord(agent_id=ann, at=T0 - 60, kind="login", group_id=support),
        AgentEventRecord(agent_id=ann, at=at + 100, kind="wrap_up_start", group_id=sales),
        AgentEventRecord(agent_id=ann, at=at + 110, kind="wrap_up_end"),
    ]
    write(node, made)


def _tenant(session: Any, group_id: str) -> str:
    from helin.store.tables import Group

    group = session.get(Group, int(group_id))
    return str(group.tenant_id)


def walk(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every page after the first, following next_cursor; then back with previous_cursor."""
    pages = [client.get("/api/v1/calls", params={**params, "limit": 5}).json()]
    while pages[-1]["next_cursor"]:
        cursor = pages[-1]["next_cursor"]
        pages.append(
            client.get("/api/v1/calls", params={**params, "limit": 5, "cursor": cursor}).json()
        )
    back = [pages[-1]]
    while back[0]["previous_cursor"]:
        cursor = back[0]["previous_cursor"]
        back.insert(
            0, client.get("/api/v1/calls", params={**params, "limit": 5, "cursor": cursor}).json()
        )
    forward = [item for page in pages for item in page["items"]]
    assert [item for page in back for item in page["items"]] == forward
    return forward


def test_keyset_pages_sorted_by_any_column_over_http(node: Node) -> None:
    traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    newest = walk(mart)
    assert len(newest) == 14 and len({i["id"] for i in newest}) == 14
    assert [i["arrived_at"] for i in newest] == sorted(
        (i["arrived_at"] for i in newest), reverse=True
    )
    by_wait = walk(mart, sort="wait", order="asc")
    assert [(i["wait"], i["id"]) for i in by_wait] == sorted((i["wait"], i["id"]) for i in by_wait)
    assert {i["id"] for i in by_wait} == {i["id"] for i in newest}
    by_caller = walk(mart, sort="caller", order="desc", caller="5550")
    assert len(by_caller) == 12 and all("5550" in i["caller"] for i in by_caller)
    assert [(i["caller"], i["id"]) for i in by_caller] == sorted(
        ((i["caller"], i["id"]) for i in by_caller), reverse=True
    )
    first = mart.get("/api/v1/calls", params={"limit": 5}).json()
    assert first["items"][0]["agent_name"] == "ann" and first["items"][0]["group_name"] == "Sales"
    cursor = first["next_cursor"]
    bad = mart.get("/api/v1/calls", params={"cursor": cursor, "sort": "talk"})
    assert bad.status_code == 422 and "another order" in bad.text
    assert mart.get("/api/v1/calls", params={"cursor": "garbage"}).status_code == 422
    assert mart.get("/api/v1/calls", params={"cursor": cursor, "offset": 5}).status_code == 422
    assert mart.get("/api/v1/calls", params={"sort": "secret"}).status_code == 422
    old = mart.get("/api/v1/calls", params={"limit": 5, "offset": 5}).json()  # older clients
    after = mart.get("/api/v1/calls", params={"limit": 5, "cursor": cursor}).json()
    assert old["items"] == after["items"]
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.get("/api/v1/calls", params={"format": "csv"}).status_code == 403
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get("/api/v1/calls").json()["total"] == 0


def test_a_calls_detail_with_its_path_rings_and_recording(node: Node) -> None:
    traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    rows = mart.get("/api/v1/calls", params={"caller": "9999"}).json()["items"]
    assert [r["segment"] for r in rows] == [1, 0]
    for row in rows:  # either segment opens the whole call
        detail = mart.get(f"/api/v1/calls/{row['id']}").json()
        assert detail["call_id"] == "ov"
        assert [(s["group_name"], s["outcome"]) for s in detail["segments"]] == [
            ("Support", "overflowed"),
            ("Sales", "answered"),
        ]
        assert [
            (o["agent_name"], o["result"], o["seconds"], o["missed"]) for o in detail["offers"]
        ] == [
            ("ann", "no_answer", 8.0, True),
            ("ann", "answered", 4.0, False),
        ]
        recording = detail["segments"][1]["recording"]
        assert recording["duration"] == 55.0 and recording["deleted_at"] is None
        # written but not stored yet: shown as being stored, not linked (it cannot be opened)
        assert recording["stored_at"] is None
        assert detail["segments"][1]["recording_id"] is None
        assert detail["segments"][1]["recording_state"] == "storing"
        assert detail["segments"][0]["recording"] is None
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get(f"/api/v1/calls/{rows[0]['id']}").status_code == 404
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.get(f"/api/v1/calls/{rows[0]['id']}").status_code == 403
    assert mart.get("/api/v1/calls/999999").status_code == 404


def test_the_call_log_exports_as_csv_and_xlsx(node: Node) -> None:
    traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    response = mart.get("/api/v1/calls", params={"format": "csv", "sort": "wait", "limit": 1})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="calls.csv"' in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    header = lines[0]
    assert header[:8] == [
        "arrived_at",
        "timezone",
        "group",
        "agent",
        "caller",
        "number",
        "direction",
        "outcome",
    ]
    rows = [dict(zip(header, line, strict=True)) for line in lines[1:15]]
    assert len(rows) == 14  # every call, not one page
    assert [float(r["wait"]) for r in rows] == sorted(
        (float(r["wait"]) for r in rows), reverse=True
    )
    assert rows[-1]["arrived_at"].endswith("+03:00") and rows[-1]["timezone"] == "Europe/Tallinn"
    assert lines[16] == ["sorted by wait, descending"]
    xlsx = mart.get("/api/v1/calls", params={"format": "xlsx", "caller": "9999"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book["calls"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:3] == ("arrived_at", "timezone", "group") and len(cells) == 5
    arrived = datetime.fromtimestamp(T0 + 3600 + 30, UTC) + timedelta(hours=3)
    assert cells[1][0] == arrived.replace(tzinfo=None)  # local time, a real date
    assert cells[1][9] == timedelta(seconds=15)  # the wait, a duration
    assert sheet.cell(2, 10).number_format == "[h]:mm:ss"


def test_the_agent_log_of_a_day_for_managers_and_the_agent(node: Node) -> None:
    traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    ann_id = node.user_id("ann")
    log = mart.get("/api/v1/agent-log", params={"agent_id": ann_id, "day": "2026-06-01"}).json()
    assert log["timezone"] == "Europe/Tallinn" and log["agent_name"] == "ann"
    assert [(e["kind"], e["at"][11:19]) for e in log["entries"]] == [
        ("login", "11:59:00"),
        ("missed_offer", "13:00:31"),
        ("wrap_up", "13:01:40"),
    ]
    assert log["entries"][1]["caller"] == "+3725559999" and log["entries"][2]["seconds"] == 10
    ann = signed_in(node, "ann", "ann-password-1")
    mine = ann.get("/api/v1/agent-log", params={"day": "2026-06-01"}).json()
    assert mine["entries"] == log["entries"]
    assert (
        ann.get("/api/v1/agent-log", params={"agent_id": node.user_id("mart")}).status_code == 403
    )
    assert (
        ann.get("/api/v1/agent-log", params={"agent_id": node.user_id("bert")}).status_code == 403
    )
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get("/api/v1/agent-log", params={"agent_id": ann_id}).status_code == 404
    other_day = mart.get("/api/v1/agent-log", params={"agent_id": ann_id, "day": "2026-06-02"})
    assert other_day.json()["entries"] == []
    exported = mart.get(
        "/api/v1/agent-log", params={"agent_id": ann_id, "day": "2026-06-01", "format": "csv"}
    )
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0] == ["at", "kind", "group", "until", "seconds", "result", "caller", "reason"]
    assert lines[2][:2] == ["2026-06-01T13:00:31+03:00", "missed_offer"]
    assert ["time zone", "Europe/Tallinn"] in lines
    book = openpyxl.load_workbook(
        io.BytesIO(
            mart.get(
                "/api/v1/agent-log",
                params={"agent_id": ann_id, "day": "2026-06-01", "format": "xlsx"},
            ).content
        )
    )
    sheet = book.worksheets[0]
    assert sheet.cell(1, 1).value == "at" and sheet.cell(4, 2).value == "wrap_up"
    assert sheet.cell(4, 5).value == timedelta(seconds=10)
