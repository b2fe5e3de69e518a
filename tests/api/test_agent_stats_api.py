"""Agent statistics over real HTTP: an hour of an agent's records worked out by hand, the
agent's own view and the manager's, exports, and who may see what."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from helin.acd.commands import AgentEventRecord, AgentStateRecord, CallRecord, OfferRecord
from helin.acd.model import AgentState, OfferResult, Outcome
from helin.records import Record
from helin.store import db
from helin.store.calls import records
from helin.store.tables import PauseReason, User
from tests.api.test_agent_api import CONFIG, signed_in
from tests.calls.node import Node

ZONE = ZoneInfo("Europe/Tallinn")
LATER = datetime.now(ZONE).date() + timedelta(days=7)
TEN = datetime.combine(LATER, time(10), ZONE).timestamp()
"""10:00 local a week from now: after what the node reports of its agents when it starts
(records reach the store in time order, as the engine emits them)."""
DAY = {"since": LATER.isoformat(), "until": LATER.isoformat()}


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def an_hour(agent: str, group: str, start: float = TEN) -> list[Record]:
    """An hour from ``start``: a call rung 20 s, talked 5 min, wrapped up 1 min; DND for a
    quarter of an hour."""

    def state(minutes: float, state: AgentState, in_group: bool = False) -> AgentStateRecord:
        return AgentStateRecord(
            agent_id=agent,
            at=start + minutes * 60,
            state=state,
            group_id=group if in_group else None,
        )

    def event(minutes: float, kind: str, in_group: bool = True) -> AgentEventRecord:
        return AgentEventRecord(
            agent_id=agent, at=start + minutes * 60, kind=kind, group_id=group if in_group else None
        )

    return [
        state(0, AgentState.AVAILABLE),
        event(0, "login"),
        state(10, AgentState.RINGING, True),
        OfferRecord(
            call_id="c1",
            segment=0,
            group_id=group,
            agent_id=agent,
            started_at=start + 600,
            ended_at=start + 620,
            result=OfferResult.ANSWERED,
        ),
        state(10 + 1 / 3, AgentState.ON_CALL, True),
        CallRecord(
            call_id="c1",
            segment=0,
            group_id=group,
            caller="+3725550000",
            number="+3726000100",
            outcome=Outcome.ANSWERED,
            arrived_at=start + 590,
            queued_at=start + 590,
            first_offered_at=start + 600,
            answered_at=start + 620,
            ended_at=start + 920,
            agent_id=agent,
            offers=1,
        ),
        state(15 + 1 / 3, AgentState.WRAP_UP, True),
        event(15 + 1 / 3, "wrap_up_start"),
        event(16 + 1 / 3, "wrap_up_end", in_group=False),
        state(16 + 1 / 3, AgentState.AVAILABLE),
        state(30, AgentState.DND),
        event(30, "dnd_on", in_group=False),
        state(45, AgentState.AVAILABLE),
        event(45, "dnd_off", in_group=False),
        event(60, "logout"),
    ]


def write(node: Node, items: list[Record]) -> None:
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, items)
    engine.dispose()


def test_an_agents_hour_worked_out_by_hand(node: Node) -> None:
    ann, support = node.user_id("ann"), node.group_id("Support")
    write(node, an_hour(ann, support))
    mart = signed_in(node, "mart", "mart-password-1")
    answer = mart.get(
        "/api/v1/stats/agents", params={**DAY, "group_id": support, "interval": "hour"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["group_name"] == "Support" and body["timezone"] == "Europe/Tallinn"
    assert [a["name"] for a in body["agents"]] == ["ann"]
    total = body["agents"][0]["total"]
    assert total["logged_in"] == 3600
    assert total["available"] == 600 + 820 + 900
    assert (total["ringing"], total["on_call"], total["wrap_up"], total["dnd"]) == (
        20,
        300,
        60,
        900,
    )
    assert (total["offers"], total["offers_answered"], total["missed"], total["answered"]) == (
        1,
        1,
        0,
        1,
    )
    assert total["talk"] == 300 and total["aht"] == 360
    assert total["occupancy"] == pytest.approx(380 / 2700)
    assert total["agent_answer_rate"] == 1
    hours = {p["start"][11:16]: p for p in body["agents"][0]["periods"]}
    assert len(hours) == 24 and hours["10:00"]["logged_in"] == 3600
    assert hours["11:00"]["logged_in"] == 0
    assert "occupancy" in body["formulas"]

    everywhere = mart.get("/api/v1/stats/agents", params=DAY).json()
    assert everywhere["group_id"] is None
    assert everywhere["agents"][0]["total"]["logged_in"] == 3600
    # the group's AHT now has the wrap-up too
    groups = mart.get("/api/v1/stats/groups", params={**DAY, "group_id": support}).json()
    assert groups["groups"][0]["total"]["aht"] == 360


def test_an_agent_sees_only_their_own_figures(node: Node) -> None:
    ann, mart_id = node.user_id("ann"), node.user_id("mart")
    support = node.group_id("Support")
    write(node, an_hour(ann, support))
    agent = signed_in(node, "ann", "ann-password-1")
    own = agent.get("/api/v1/stats/agents", params=DAY)
    assert own.status_code == 200, own.text
    assert [a["agent_id"] for a in own.json()["agents"]] == [int(ann)]
    assert own.json()["agents"][0]["total"]["on_call"] == 300
    other = agent.get("/api/v1/stats/agents", params={**DAY, "agent_id": mart_id})
    assert other.status_code == 403
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get("/api/v1/stats/agents", params={**DAY, "group_id": support}).status_code == 404
    assert bert.get("/api/v1/stats/agents", params={**DAY, "agent_id": ann}).status_code == 404
    beta = bert.get("/api/v1/stats/agents", params=DAY).json()
    assert [a["name"] for a in beta["agents"]] == ["bert"]
    assert beta["agents"][0]["total"]["logged_in"] == 0


def test_exports_and_bad_requests(node: Node) -> None:
    ann, support = node.user_id("ann"), node.group_id("Support")
    write(node, an_hour(ann, support))
    mart = signed_in(node, "mart", "mart-password-1")
    params = {**DAY, "group_id": support}
    text = mart.get("/api/v1/stats/agents", params={**params, "format": "csv"}).text
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:3] == ["agent", "logged_in", "available"]
    assert rows[1][0] == "ann" and float(rows[1][header.index("on_call")]) == 300
    assert ["time zone", "Europe/Tallinn"] in rows
    xlsx = mart.get("/api/v1/stats/agents", params={**params, "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["agents"]
    assert sheet.cell(2, 1).value == "ann"
    occupancy = sheet.cell(2, header.index("occupancy") + 1)
    assert occupancy.number_format == "0.0%"
    assert book["periods"].max_row == 2  # one day
    bad = mart.get("/api/v1/stats/agents", params={"since": "2026-10-26", "until": "2026-10-01"})
    assert bad.status_code == 422 and "until" in bad.text
    worse = mart.get("/api/v1/stats/agents", params={**DAY, "interval": "fortnight"})
    assert worse.status_code == 422


def test_paused_time_in_all_and_by_reason_worked_out_by_hand(node: Node) -> None:
    ann, support = node.user_id("ann"), node.group_id("Support")
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        tenant = session.get(User, int(ann)).tenant_id  # type: ignore[union-attr]
        lunch, training = (
            PauseReason(tenant_id=tenant, code=1, name="Lunch"),
            PauseReason(tenant_id=tenant, code=2, name="Training"),
        )
        session.add_all([lunch, training])
        session.flush()
        ids = {"lunch": str(lunch.id), "training": str(training.id)}
    engine.dispose()

    def state(minutes: float, state: AgentState, reason: str | None = None) -> AgentStateRecord:
        return AgentStateRecord(
            agent_id=ann, at=TEN + minutes * 60, state=state, reason=reason and ids[reason]
        )

    login = AgentEventRecord(agent_id=ann, at=TEN, kind="login", group_id=support)
    logout = AgentEventRecord(agent_id=ann, at=TEN + 3600, kind="logout", group_id=support)
    write(
        node,
        [
            state(0, AgentState.AVAILABLE),
            login,
            state(5, AgentState.PAUSED, "lunch"),
            state(25, AgentState.PAUSED, "training"),
            state(35, AgentState.AVAILABLE),
            state(50, AgentState.PAUSED, "lunch"),
            logout,
        ],
    )
    mart = signed_in(node, "mart", "mart-password-1")
    everywhere = mart.get("/api/v1/stats/agents", params=DAY).json()["agents"][0]
    assert everywhere["total"]["paused"] == 40 * 60
    assert everywhere["total"]["available"] == 20 * 60
    assert [(p["name"], p["code"], p["seconds"]) for p in everywhere["paused_by_reason"]] == [
        ("Lunch", 1, 30 * 60),
        ("Training", 2, 10 * 60),
    ]
    one_group = mart.get("/api/v1/stats/agents", params={**DAY, "group_id": support}).json()
    assert one_group["agents"][0]["total"]["paused"] == 40 * 60
    assert one_group["agents"][0]["paused_by_reason"] is None
