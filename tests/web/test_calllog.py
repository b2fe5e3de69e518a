"""The call log and agent log pages over real HTTP (no browser): who may open them, the
rows in the group's time zone, sorting and paging links, a call's detail, and both
languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from helin.acd.commands import AgentEventRecord, CallRecord, OfferRecord
from helin.acd.model import OfferResult, Outcome
from helin.store import db
from helin.store.calls import records
from tests.calls.node import Node
from tests.web.conftest import CONFIG, api_client

MakeNode = Callable[[str], Node]
ZONE = ZoneInfo("Europe/Tallinn")


def ten_today() -> float:
    today = datetime.now(ZONE).date()
    return datetime(today.year, today.month, today.day, 10, 0, tzinfo=ZONE).timestamp()


def calls(node: Node, count: int = 60) -> None:
    """``count`` calls today from 10:00, one a minute, ann answering; ann missed the first."""
    support, ann, ten = node.group_id("Support"), node.user_id("ann"), ten_today()
    made: list[Any] = [
        CallRecord(
            call_id=f"w{n}",
            segment=0,
            group_id=support,
            caller=f"+3725550{n:03d}",
            number="+3726000100",
            outcome=Outcome.ANSWERED,
            arrived_at=ten + 60 * n,
            answered_at=ten + 60 * n + n % 7,
            ended_at=ten + 60 * n + 40,
            agent_id=ann,
            offers=1,
        )
        for n in range(count)
    ]
    made += [
        OfferRecord(
            call_id="w0",
            segment=0,
            group_id=support,
            agent_id=ann,
            started_at=ten - 20,
            ended_at=ten - 12,
            result=OfferResult.NO_ANSWER,
        ),
        AgentEventRecord(agent_id=ann, at=ten - 600, kind="login", group_id=support),
        AgentEventRecord(agent_id=ann, at=ten + 100, kind="dnd_on"),
    ]
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, made)
    engine.dispose()


def links(html: str, rel: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a rel="{rel}" href="([^"]+)"', html)]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ("Call log", "Arrived", "Next")), ("et", ("Kõnelogi", "Saabus", "Järgmine"))],
)
def test_the_call_log_pages_sorts_and_opens_a_call(
    make_node: MakeNode, language: str, words: tuple[str, ...]
) -> None:
    node = make_node(CONFIG)
    calls(node)
    with api_client(node.http, "mart", "mart-web-pass") as mart:
        mart.cookies.set("helin_lang", language)
        first = mart.get("/manager/calls")
        assert first.status_code == 200
        html = first.text
        assert all(word in html for word in words)
        assert html.count('<tr class="call') == 50 and not links(html, "prev")
        assert "10:59:00" in html  # the newest, in the group's time zone
        second = mart.get(links(html, "next")[0]).text
        assert second.count('<tr class="call') == 10 and not links(second, "next")
        shown = re.findall(r"\+3725550\d{3}", html + second)
        assert len(shown) == 60 == len(set(shown))
        assert mart.get(links(second, "prev")[0]).text.count('<tr class="call') == 50
        by_caller = mart.get("/manager/calls", params={"sort": "caller", "order": "asc"}).text
        assert re.findall(r"\+3725550\d{3}", by_caller)[:2] == ["+3725550000", "+3725550001"]
        assert 'aria-sort="ascending"' in by_caller
        assert re.search(r'href="/api/v1/calls\?[^"]*format=csv', html)
        row = re.search(r'data-href="(/manager/calls/\d+)"', html)
        assert row is not None
        detail = mart.get(row.group(1))
        assert detail.status_code == 200 and "Europe/Tallinn" in detail.text
        assert mart.get("/manager/calls/999999").status_code == 404
        junk = mart.get("/manager/calls", params={"cursor": "junk"})
        assert junk.status_code == 200 and 'role="alert"' in junk.text
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        for page in ("/manager/calls", "/manager/agent-log"):
            assert ann.get(page, follow_redirects=False).headers["location"] == "/agent"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Agent log", "Missed a call", "Logged in")),
        ("et", ("Teenindaja logi", "Vastamata kõne", "Logis sisse")),
    ],
)
def test_the_agent_log_for_a_manager_and_for_the_agent(
    make_node: MakeNode, language: str, words: tuple[str, ...]
) -> None:
    node = make_node(CONFIG)
    calls(node, 2)
    with api_client(node.http, "mart", "mart-web-pass") as mart:
        mart.cookies.set("helin_lang", language)
        page = mart.get("/manager/agent-log", params={"agent_id": node.user_id("ann")})
        assert page.status_code == 200
        assert all(word in page.text for word in words)
        kinds = re.findall(r'data-kind="([a-z_]+)"', page.text)
        assert kinds == ["login", "missed_offer", "dnd_on"]
        assert "09:50:00" in page.text  # the log-in, in the agent's time zone
        bob = mart.get("/manager/agent-log", params={"agent_id": node.user_id("bob")}).text
        assert re.findall(r'data-kind="([a-z_]+)"', bob) == []
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        assert "/agent/log" in ann.get("/agent").text
        mine = ann.get("/agent/log")
        assert re.findall(r'data-kind="([a-z_]+)"', mine.text) == kinds
        assert 'id="l-agent"' not in mine.text  # no picker: only their own
