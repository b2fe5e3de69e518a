"""Reports ordered over the API of a running helin and delivered to a real SMTP server on
loopback: the figures in the PDF, the XLSX and the CSV are the statistics API's, a 4xx is
tried again and delivered once, a 5xx fails the run with the server's reason, and nobody
orders reports about another company's groups."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from helin.acd.model import Outcome
from tests.api.test_agent_api import CONFIG, signed_in
from tests.api.test_stats_api import TEN, segment, write
from tests.calls.node import Node
from tests.reports.smtp import SmtpServer

DAY = "2026-10-26"


@pytest.fixture
def node(tmp_path: Path, smtp: SmtpServer) -> Iterator[Node]:
    made = Node(
        tmp_path,
        CONFIG,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_sender="reports@alpha.test",
        reports_interval=0.2,
    ).start()
    yield made
    made.stop()


def until(check: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def traffic(node: Node) -> str:
    support = node.group_id("Support")
    write(
        node,
        [
            segment(support, 1, Outcome.ANSWERED, TEN + 60, wait=10, talk=100),
            segment(support, 2, Outcome.ANSWERED, TEN + 120, wait=30, talk=300),
            segment(support, 3, Outcome.ABANDONED, TEN + 180, wait=3),
            segment(support, 4, Outcome.ABANDONED, TEN + 240, wait=50),
            segment(support, 5, Outcome.ANSWERED, TEN + 3600, wait=5, talk=60),
        ],
    )
    return support


def order(client: httpx.Client, **fields: object) -> dict:
    body = {"report": "group_summary", "recipients": ["boss@alpha.test"], **fields}
    answer = client.post("/api/v1/report-orders", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_one_time_report_arrives_with_the_api_figures_in_every_format(
    node: Node, smtp: SmtpServer
) -> None:
    support = traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    made = order(
        mart,
        group_ids=[int(support)],
        since=DAY,
        until=DAY,
        formats=["pdf", "xlsx", "csv"],
        threshold=20,
        recipients=["boss@alpha.test", "deputy@alpha.test"],
        language="et",
    )
    assert made["frequency"] == "once" and made["timezone"] == "Europe/Tallinn"
    until(lambda: len(smtp.sink.received) == 1, "the report's message")
    [mail] = smtp.sink.received
    assert sorted(smtp.sink.recipients[0]) == ["boss@alpha.test", "deputy@alpha.test"]
    assert mail["Subject"] == f"Grupi kokkuvõte: {DAY}"
    files = {a.get_filename(): a.get_content() for a in mail.iter_attachments()}
    assert sorted(files) == [f"group_summary-{DAY}.{ext}" for ext in ("csv", "pdf", "xlsx")]

    api = mart.get(
        "/api/v1/stats/groups",
        params={"group_id": support, "since": DAY, "until": DAY, "threshold": 20},
    ).json()["groups"][0]
    ten = next(p for p in api["periods"] if p["start"] == "2026-10-26T10:00:00+02:00")
    total = api["total"]
    assert (ten["offered"], ten["answered"], total["offered"]) == (4, 2, 5)

    book = load_workbook(io.BytesIO(files[f"group_summary-{DAY}.xlsx"]))
    sheet = book["Support"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Algus", "Pakutud", "Vastatud", "Katkestatud"]
    assert sheet.freeze_panes == "A2"
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2) if r[0].value is not None}
    at_ten = next(r for k, r in rows.items() if getattr(k, "hour", None) == 10)
    named = dict(zip(header, at_ten, strict=False))
    assert named["Pakutud"].value == ten["offered"] and named["Vastatud"].value == ten["answered"]
    assert named["Teenindustase"].value == pytest.approx(ten["service_level"])
    assert named["Teenindustase"].number_format == "0.0%"
    assert named["Keskm. ooteaeg"].value == timedelta(seconds=ten["asa"])
    totals = dict(zip(header, rows["Kokku"], strict=False))
    assert totals["Pakutud"].value == total["offered"]
    assert totals["Teenindustase"].value == pytest.approx(total["service_level"])

    text_csv = files[f"group_summary-{DAY}.csv"]  # a text part: the e-mail decodes it
    table = list(csv.reader(io.StringIO(text_csv)))
    assert table[0][:3] == ["Algus", "Pakutud", "Vastatud"]
    csv_ten = next(r for r in table if r and r[0].startswith("2026-10-26T10:00"))
    assert int(csv_ten[1]) == ten["offered"]
    assert float(csv_ten[6]) == pytest.approx(ten["service_level"])
    assert any("answered within T / (offered − short abandons)" in " ".join(r) for r in table)

    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(files[f"group_summary-{DAY}.pdf"])).pages
    )
    assert "Grupi kokkuvõte" in text and "Alpha OÜ" in text and "Support" in text
    assert f"{100 * total['service_level']:.1f}%" in text  # the total's service level
    assert "T = 20 s" in text and "alla 5 s" in text

    runs = mart.get(f"/api/v1/report-orders/{made['id']}/runs").json()["items"]
    assert [(r["state"], r["attempts"], len(r["files"])) for r in runs] == [("sent", 1, 3)]
    pdf = next(f for f in runs[0]["files"] if f["name"].endswith(".pdf"))
    again = mart.get(pdf["url"])
    assert again.status_code == 200 and again.content == files[pdf["name"]]


def test_a_4xx_is_tried_again_and_sent_once_a_5xx_fails_with_the_reason(
    node: Node, smtp: SmtpServer
) -> None:
    traffic(node)
    mart = signed_in(node, "mart", "mart-password-1")
    smtp.sink.replies.append("451 4.3.0 mailbox busy")
    first = order(mart, since=DAY, until=DAY, formats=["csv"])
    until(lambda: smtp.sink.tries >= 1, "the first try")
    run = mart.get(f"/api/v1/report-orders/{first['id']}/runs").json()["items"][0]
    until(
        lambda: (
            mart.get(f"/api/v1/report-orders/{first['id']}/runs").json()["items"][0]["attempts"]
            == 1
        ),
        "the failed try recorded",
    )
    run = mart.get(f"/api/v1/report-orders/{first['id']}/runs").json()["items"][0]
    assert run["state"] == "pending" and run["error"].startswith("451")
    assert run["next_attempt_at"] > run["scheduled_at"]

    smtp.sink.replies.append("550 5.1.1 no such mailbox")
    second = order(mart, since=DAY, until=DAY, formats=["csv"])
    until(
        lambda: (
            mart.get(f"/api/v1/report-orders/{second['id']}/runs").json()["items"][0]["state"]
            == "failed"
        ),
        "the refused run failed",
    )
    failed = mart.get(f"/api/v1/report-orders/{second['id']}/runs").json()["items"][0]
    assert "no such mailbox" in failed["error"]
    # the first run's retry is a minute away: "send now" is a run of its own, sent at once
    now = mart.post(f"/api/v1/report-orders/{first['id']}/send")
    assert now.status_code == 202 and now.json()["manual"] is True
    until(lambda: len(smtp.sink.received) == 1, "the manual run's message")


def test_orders_are_checked_and_kept_to_the_company(node: Node) -> None:
    mart = signed_in(node, "mart", "mart-password-1")
    beta = node.group_id("Beta support")
    bad = mart.post(
        "/api/v1/report-orders",
        json={
            "report": "group_summary",
            "recipients": ["not an address"],
            "group_ids": [int(beta)],
            "since": DAY,
            "until": "2026-10-01",
            "threshold": 7,
        },
    )
    assert bad.status_code == 422
    where = {tuple(e["loc"][1:2]) for e in bad.json()["detail"]}
    assert ("recipients",) in where
    fixed = mart.post(
        "/api/v1/report-orders",
        json={
            "report": "group_summary",
            "recipients": ["boss@alpha.test"],
            "group_ids": [int(beta)],
            "since": DAY,
            "until": "2026-10-01",
            "threshold": 7,
        },
    )
    assert fixed.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in fixed.json()["detail"]}
    assert {("group_ids", 0), ("threshold",), ("until",)} <= fields
    mine = order(mart, frequency="weekly", weekday=1, send_at="07:00")
    assert mine["covers"] == "week" and mine["next_run_at"] is not None
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get(f"/api/v1/report-orders/{mine['id']}").status_code == 404
    assert bert.get("/api/v1/report-orders").json()["items"] == []
    assert bert.delete(f"/api/v1/report-orders/{mine['id']}").status_code == 404
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.get("/api/v1/report-orders").status_code == 403
    paused = mart.put(
        f"/api/v1/report-orders/{mine['id']}",
        json={
            "report": "group_summary",
            "recipients": ["boss@alpha.test"],
            "frequency": "weekly",
            "paused": True,
        },
    )
    assert (
        paused.status_code == 200
        and paused.json()["paused"]
        and paused.json()["next_run_at"] is None
    )
    assert mart.delete(f"/api/v1/report-orders/{mine['id']}").status_code == 204
    assert mart.get(f"/api/v1/report-orders/{mine['id']}").status_code == 404
