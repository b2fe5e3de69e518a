"""Every predefined report, made from hand-written traffic: its figures are the statistics
services' (the API's), intervals under the target are marked, the lists hold the calls they
should, and each renders as PDF (text read back), XLSX and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from helin.acd.model import Outcome
from helin.api.services import agent_stats, stats
from helin.reports import content, render
from helin.reports.catalog import Format, ReportKind
from helin.reports.schedule import Span
from helin.stats.rollup import Period
from helin.store.calls import records
from helin.store.tables import Group
from tests.api.test_stats_api import TEN, segment

DAY = date(2026, 10, 26)


def traffic(sessions: Any) -> int:
    with sessions.begin() as session:
        support = session.scalars(select(Group.id).where(Group.name == "Support")).one()
        records.write(
            session,
            [
                segment(str(support), 1, Outcome.ANSWERED, TEN + 60, wait=10, talk=100),
                segment(str(support), 2, Outcome.ANSWERED, TEN + 120, wait=40, talk=300),
                segment(str(support), 3, Outcome.ABANDONED, TEN + 180, wait=3),
                segment(str(support), 4, Outcome.ABANDONED, TEN + 240, wait=50),
                segment(str(support), 5, Outcome.ANSWERED, TEN + 3600, wait=5, talk=60),
            ],
        )
    return support


def request(kind: ReportKind, group: int, **more: Any) -> content.Request:
    return content.Request(
        kind=kind, span=Span(DAY, DAY), timezone="Europe/Tallinn", group_ids=(group,), **more
    )


def pdf_text(document: content.Document) -> str:
    reader = PdfReader(io.BytesIO(render.render(document, Format.PDF)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_service_level_report_marks_the_intervals_under_target(world: Any) -> None:
    ctx, me, _, _, sessions = world
    support = traffic(sessions)
    made = content.build(
        ctx, me, "Alpha OÜ", request(ReportKind.SERVICE_LEVEL, support, threshold=20)
    )
    [section] = made.sections
    api = stats.group_stats(
        ctx, me, stats.StatsQuery(group_ids=[support], since=DAY, until=DAY, threshold=20)
    ).groups[0]
    rows = section.table.rows
    assert len(rows) == len(api.periods) + 1  # 24 hours and the total
    ten = next(i for i, p in enumerate(api.periods) if p.start.hour == 10)
    # 10:00: offered 4, a short abandon, 1 of 3 answered within 20 s: 33% < 80%
    assert rows[ten][1:6] == [4, 1, 2, 1, pytest.approx(1 / 3)]
    assert ten in section.marked and rows[ten][-1] == "×"
    eleven = ten + 1
    assert rows[eleven][5] == 1.0 and eleven not in section.marked
    assert rows[-1][5] == pytest.approx(api.total.service_level)
    assert section.chart is not None and section.chart.target == 0.8
    text = pdf_text(made)
    assert "Service level by interval" in text and "33.3%" in text and "T = 20 s" in text


def test_the_agent_activity_report_has_the_agent_statistics_totals(world: Any) -> None:
    ctx, me, _, _, sessions = world
    support = traffic(sessions)
    made = content.build(ctx, me, "Alpha OÜ", request(ReportKind.AGENT_ACTIVITY, support))
    [section] = made.sections
    query = agent_stats.AgentQuery(
        stats.StatsQuery(group_ids=[], since=DAY, until=DAY, interval=Period.DAY), support
    )
    api = agent_stats.agent_stats(ctx, me, query)
    assert [r[0] for r in section.table.rows] == [a.name for a in api.agents] == ["ann"]
    names = [c.name for c in section.table.columns]
    assert names[:3] == ["Agent", "Logged in", "Available"]
    assert section.table.rows[0][1] == api.agents[0].total.logged_in
    assert any("occupancy" in line for line in made.lines)
    book = load_workbook(io.BytesIO(render.render(made, Format.XLSX)))
    assert book.active["A2"].value == "ann"


def test_the_lists_hold_their_calls(world: Any) -> None:
    ctx, me, _, _, sessions = world
    support = traffic(sessions)
    abandoned = content.build(ctx, me, "Alpha OÜ", request(ReportKind.ABANDONED_CALLS, support))
    [section] = abandoned.sections
    assert [(r[2], r[3]) for r in section.table.rows] == [
        ("+3725550000", 3.0),
        ("+3725550000", 50.0),
    ]
    assert section.heading == "Calls: 2"
    detail = content.build(ctx, me, "Alpha OÜ", request(ReportKind.CALL_DETAIL, support))
    [calls] = detail.sections
    assert len(calls.table.rows) == 5
    table = list(csv.reader(io.StringIO(render.render(detail, Format.CSV).decode("utf-8"))))
    assert table[0][0] == "arrived_at" and len([r for r in table[1:6] if r]) == 5
    assert "+3725550000" in pdf_text(detail)


def test_an_estonian_group_summary_in_every_format(world: Any) -> None:
    ctx, me, _, _, sessions = world
    support = traffic(sessions)
    made = content.build(
        ctx, me, "Šokolaadi OÜ", request(ReportKind.GROUP_SUMMARY, support, language="et")
    )
    text = pdf_text(made)
    assert "Grupi kokkuvõte" in text and "Šokolaadi OÜ" in text and "Ajavöönd" in text
    assert render.file_name(made, Format.PDF) == "group_summary-2026-10-26.pdf"
    book = load_workbook(io.BytesIO(render.render(made, Format.XLSX)))
    sheet = book["Support"]
    notes = [row[0].value for row in sheet.iter_rows() if row[0].value]
    assert "Grupi kokkuvõte" in notes and "Šokolaadi OÜ" in notes
    assert render.cell(content.Kind.SECONDS, 3725.0) == "1:02:05"
    assert render.cell(content.Kind.PERCENT, 0.8125) == "81.2%"
    assert render.cell(content.Kind.NUMBER, None) == "–"
