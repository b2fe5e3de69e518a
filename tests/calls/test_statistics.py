"""Statistics from real calls: sipp as the trunk places calls that are abandoned early and
late, overflow on timeout and are answered by an agent's sipp phone; the group and agent
statistics a manager reads over HTTP show each of them where it belongs, and so do the
reports the manager orders by e-mail (to a real SMTP server on loopback)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helin.acd.events import AgentLoggedOut
from helin.store.stats.rebuild import rebuild
from tests.api.test_agent_api import signed_in
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node
from tests.calls.test_group_calls import finished, support
from tests.reports.conftest import smtp, smtp_server  # noqa: F401  (the SMTP server)
from tests.reports.read import attachments, pdf_text, xlsx_rows
from tests.reports.smtp import SmtpServer

MakeNode = Callable[[str], Node]
MANAGER = "  - username: mara\n    password: mara-web-pass-1\n    rights: [manager]\n"


def test_real_calls_show_up_in_the_group_statistics_and_reports(
    make_node: Callable[..., Node],
    peers: Peers,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    users = agent("alice", "+3725000001") + MANAGER
    group = support(members="[alice]", max_wait=9)
    mail = {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none"}
    node = make_node(company(users, group), reports_interval=0.2, **mail)  # nobody logged in
    short = peers.call(node, SUPPORT, label="short", caller="+3725550001", talk_ms=1500)
    late = peers.call(node, SUPPORT, label="late", caller="+3725550002", talk_ms=6500)
    kept = peers.call(
        node, SUPPORT, label="kept", caller="+3725550003", scenario="caller_until_bye"
    )
    for caller in (short, late, kept):
        assert caller.wait() == 0, caller.report()
    finished(node, 3)

    phone = peers.sipp_phone(node, "alice-desk", password("alice-desk"), "device_answers")
    node.until(lambda: node.device_count("alice") == 1, "alice's phone registered")
    node.log_in("alice")
    answered = peers.call(node, SUPPORT, label="answered", caller="+3725550004", talk_ms=2000)
    assert answered.wait() == 0, answered.report()
    assert phone.wait() == 0, phone.report()
    finished(node, 4)

    today = datetime.now(ZoneInfo("Europe/Tallinn")).date().isoformat()
    mara = signed_in(node, "mara", "mara-web-pass-1")
    answer = mara.get(
        "/api/v1/stats/groups",
        params={"since": today, "until": today, "interval": "day", "threshold": 20},
    )
    assert answer.status_code == 200, answer.text
    [group] = answer.json()["groups"]
    day = group["total"]
    assert (day["arrived"], day["closed"], day["offered"]) == (4, 0, 4)
    assert (day["answered"], day["abandoned"], day["short_abandoned"]) == (1, 2, 1)
    assert day["overflowed_timeout"] == 1 and day["failed"] == 0
    assert day["answer_rate"] == pytest.approx(1 / 4)
    assert day["abandon_rate"] == pytest.approx((2 - 1) / (4 - 1))
    assert day["service_level"] == pytest.approx(1 / (4 - 1))  # answered within 20 s
    assert 9 <= day["longest_wait"] < 20  # the caller the timeout sent away
    assert day["aht"] == pytest.approx(2.0, abs=1.5)  # the caller talked 2 s
    assert day["asa"] is not None and day["asa"] < 20

    # alice's own figures: the ring of her phone, the call, and her time logged in
    node.feed(AgentLoggedOut(agent_id=node.user_id("alice")))
    agents = {"since": today, "until": today, "group_id": node.group_id("Support")}
    node.query(lambda session: None)  # every record written
    mine = mara.get("/api/v1/stats/agents", params=agents)
    assert mine.status_code == 200, mine.text
    [alice] = mine.json()["agents"]
    figures = alice["total"]
    assert (figures["offers"], figures["offers_answered"], figures["answered"]) == (1, 1, 1)
    assert figures["missed"] == 0
    assert figures["talk"] == pytest.approx(2.0, abs=1.5)
    assert figures["on_call"] == pytest.approx(figures["talk"], abs=0.5)
    assert 0 < figures["ringing"] < 5  # the phone answered at once
    assert figures["logged_in"] > figures["on_call"] + figures["ringing"]
    states = ("available", "ringing", "on_call", "wrap_up", "busy", "dnd", "unreachable")
    assert sum(figures[s] for s in (*states, "other_group")) == pytest.approx(figures["logged_in"])
    # the reports hold the same figures in every format
    ordered = mara.post(
        "/api/v1/report-orders",
        json={"report": "group_summary", "since": today, "until": today, "interval": "day",
              "threshold": 20, "formats": ["pdf", "xlsx", "csv"],
              "recipients": ["mara@alpha.test"]},
    )  # fmt: skip
    assert ordered.status_code == 201, ordered.text
    node.until(lambda: len(smtp.sink.received) == 1, "the report by e-mail")
    files = attachments(smtp.sink.received[0])
    [total] = [
        r
        for r in xlsx_rows(files[f"group_summary-{today}.xlsx"], "Support")
        if r["Start"] == "Total"
    ]
    assert (total["Offered"], total["Answered"], total["Abandoned"]) == (4, 1, 2)
    assert total["Service level"] == pytest.approx(day["service_level"])
    assert total["Abandon rate"] == pytest.approx(day["abandon_rate"])
    assert total["Longest wait"].total_seconds() == pytest.approx(day["longest_wait"], abs=1e-3)
    assert total["Overflow: time"] == 1
    text = files[f"group_summary-{today}.csv"]
    assert f"Total,4,1,2,{day['answer_rate']}," in text
    pdf = pdf_text(files[f"group_summary-{today}.pdf"])
    assert f"{100 * day['service_level']:.1f}%" in pdf and "Support" in pdf

    # rebuilt from the raw rows, the rollups give the very same answers (once alice's wrap-up
    # is over: its end adds to the group's AHT, and must not fall between the two reads)
    params = {"since": today, "until": today, "interval": "day", "threshold": 20}
    node.until(lambda: node.agent_state("alice") != "wrap_up", "alice's wrap-up over")
    node.query(lambda session: None)  # every record written
    live_groups = mara.get("/api/v1/stats/groups", params=params).json()
    live_agents = mara.get("/api/v1/stats/agents", params=agents).json()
    node.query(lambda session: (rebuild(session), session.commit()))
    assert mara.get("/api/v1/stats/groups", params=params).json() == live_groups
    assert mara.get("/api/v1/stats/agents", params=agents).json() == live_agents
