"""The statistics page in a real Chromium: a manager reads a group's figures for today, sees
the chart uPlot draws from the API's JSON (within the strict CSP), picks another formula and
interval, downloads the CSV, and reads the page in Estonian."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.store import db
from helin.store.calls import records
from tests.calls.node import Node
from tests.web.conftest import CONFIG, Pages

MakeNode = Callable[[str], Node]


def _today_at_ten(node: Node) -> float:
    zone = ZoneInfo("Europe/Tallinn")
    today = datetime.now(zone).date()
    return datetime(today.year, today.month, today.day, 10, 0, tzinfo=zone).timestamp()


def _calls(node: Node) -> None:
    """Three answered calls (waits 5, 10 and 40 s) and one abandoned after 30 s, at 10:00."""
    group, ten = node.group_id("Support"), _today_at_ten(node)
    made = []
    for n, (outcome, wait) in enumerate(
        [
            (Outcome.ANSWERED, 5),
            (Outcome.ANSWERED, 10),
            (Outcome.ANSWERED, 40),
            (Outcome.ABANDONED, 30),
        ]
    ):
        at = ten + 60 * n
        answered = at + wait if outcome is Outcome.ANSWERED else None
        made.append(
            CallRecord(
                call_id=f"web{n}",
                segment=0,
                group_id=group,
                caller="+3725550000",
                number="+3726000100",
                outcome=outcome,
                arrived_at=at,
                queued_at=at,
                answered_at=answered,
                ended_at=(answered or at + wait) + 120,
            )
        )
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, made)
    engine.dispose()


def test_a_manager_reads_todays_figures_with_a_chart(make_node: MakeNode, pages: Pages) -> None:
    node = make_node(CONFIG)
    _calls(node)
    pages.base = node.http
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Group statistics").click()
    expect(page).to_have_url(re.compile(r"/manager/stats$"))
    expect(page.get_by_role("heading", name="Statistics")).to_be_visible()
    page.get_by_label("Group").select_option(label="Support")  # Sales comes first
    page.get_by_role("button", name="Show").click()
    table = page.locator(".stats-table")
    ten = table.locator("tbody tr", has_text=" 10:00")
    expect(ten).to_have_count(1)
    cells = ten.locator("td")
    expect(cells.nth(1)).to_have_text("4")  # offered
    expect(cells.nth(2)).to_have_text("3")  # answered
    expect(cells.nth(5)).to_have_text("50 %")  # 2 of 4 answered within the group's 20 s
    expect(page.locator(".method").first).to_contain_text(
        "answered within T / (offered − short abandons)"
    )
    expect(page.locator(".method").first).to_contain_text("T = 20 s")
    chart = page.locator(".group-chart")
    expect(chart).to_have_attribute("data-drawn", "24")  # every hour of today
    expect(chart.locator("canvas")).to_have_count(1)
    pages.screenshot(page, "manager-stats")

    page.get_by_label("Service level formula").select_option("answered")
    page.get_by_label("By").select_option("day")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"interval=day"))
    day = table.locator("tbody tr").first
    expect(day.locator("td").nth(5)).to_have_text("67 %")  # 2 of 3 answered within 20 s
    expect(page.locator(".method").first).to_contain_text("answered within T / answered")

    link = page.get_by_role("link", name="Download as CSV (opens in a spreadsheet)")
    answer = page.request.get(node.http + str(link.get_attribute("href")))
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "Support,total" in answer.text()

    page.get_by_label("Group").select_option(label=["Sales", "Support"])
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".stats-group")).to_have_count(2)  # side by side
    expect(page.locator(".stats-group h2").first).to_contain_text("Sales")
    expect(page.locator(".group-chart[data-drawn]")).to_have_count(2)
    support = page.locator(".stats-group", has_text="Support")
    expect(support.locator("tfoot td").nth(1)).to_have_text("3")  # answered today

    # only some hours of the day, and only another weekday
    page.get_by_label("From hour").select_option("11")
    page.get_by_role("button", name="Show").click()
    expect(support.locator("tfoot td").nth(1)).to_have_text("0")  # the calls came at 10:00
    page.get_by_label("From hour").select_option("10")
    page.get_by_label("To hour").select_option("11")
    today = datetime.now(ZoneInfo("Europe/Tallinn")).isoweekday()
    other = 1 if today != 1 else 2
    page.locator(f"input[name=weekday][value='{other}']").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"from_hour=10"))
    expect(support.locator("tfoot td").nth(1)).to_have_text("0")  # not on that weekday
    page.locator(f"input[name=weekday][value='{today}']").check()
    page.get_by_role("button", name="Show").click()
    expect(support.locator("tfoot td").nth(1)).to_have_text("3")

    page.get_by_role("link", name="Eesti").click()
    expect(page.get_by_role("heading", name="Statistika")).to_be_visible()
    expect(page.locator(".method").first).to_contain_text("Teenindustase")


def test_agent_statistics_for_the_manager_and_the_agent(make_node: MakeNode, pages: Pages) -> None:
    from tests.api.test_agent_stats_api import DAY, TEN, an_hour

    node = make_node(CONFIG)
    hour = an_hour(node.user_id("ann"), node.group_id("Support"), TEN)  # a week from now
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, hour)
    engine.dispose()

    pages.base = node.http
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Agent statistics").click()
    expect(page).to_have_url(re.compile(r"/manager/stats/agents$"))
    page.goto(f"{node.http}/manager/stats/agents?since={DAY['since']}&until={DAY['until']}")
    ann = page.locator(".agent-stats tbody tr", has_text="Ann Agent")
    expect(ann).to_have_count(1)
    cells = ann.locator("td")
    expect(cells.nth(0)).to_have_text("1:00:00")  # logged in
    expect(cells.nth(3)).to_have_text("5:00")  # on a call
    expect(cells.nth(4)).to_have_text("1:00")  # wrap-up
    expect(cells.nth(6)).to_have_text("15:00")  # DND
    expect(page.locator(".agent-stats tbody tr", has_text="Bob Agent")).to_have_count(1)
    chart = page.locator("#agent-chart")
    expect(chart).to_have_attribute("data-drawn", "2")  # a bar per agent
    expect(chart.locator("canvas")).to_have_count(1)
    pages.screenshot(page, "manager-agent-stats")
    page.get_by_label("Group").select_option(label="Sales")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"group_id="))
    expect(ann.locator("td").nth(0)).to_have_text("0:00")  # never logged in to Sales

    mine = pages.open()
    pages.sign_in(mine, "ann", "ann-web-pass")
    mine.get_by_role("link", name="My statistics").click()
    mine.get_by_role("link", name="Eesti").click()
    mine.goto(node.http + "/agent/stats?since=" + DAY["since"] + "&until=" + DAY["until"])
    expect(mine.get_by_role("heading", name="Teenindajate statistika")).to_be_visible()
    rows = mine.locator(".agent-stats tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(3)).to_have_text("5:00")
    expect(mine.locator("#agent-chart")).to_have_attribute("data-drawn", "1")  # one day
