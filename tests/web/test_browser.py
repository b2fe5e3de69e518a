"""The web app in a real Chromium against a whole helin with real SIP traffic from sipp.

sipp plays the trunk on 127.0.0.2 calling the groups' numbers. Nobody's phone is registered,
so a logged-in agent is unreachable and a caller waits in the queue until they hang up: the
call is then missed. Every expectation waits (bounded) for the page to follow helin; nothing
asserts on time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page
try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from tests.calls.conftest import Peers
from tests.calls.node import Node
from tests.web.conftest import CONFIG, SALES, SUPPORT, Pages, api_client

MakeNode = Callable[[str], Node]
CLOSED = re.compile(r"\bclosed\b")
MISSED = re.compile(r"\bmissed\b")


def test_an_agent_logs_in_to_a_group_and_sees_a_missed_call_arrive_in_its_log(
    make_node: MakeNode, peers: Peers, pages: Pages
) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    page = pages.open()
    pages.screenshot(_login_page(page, node), "login")
    pages.sign_in(page, "ann", "ann-web-pass")
    expect(page).to_have_url(re.compile(r"/agent$"))
    support = page.locator(f'section.group[data-group-id="{node.group_id("Support")}"]')
    expect(support.locator('[data-field="status"]')).to_have_text("Open")
    toggle = support.get_by_label("Logged in")
    expect(toggle).not_to_be_checked()
    expect(support.locator("tbody.calllog-rows")).to_contain_text("No calls yet.")

    toggle.check()
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        node.until(
            lambda: (
                [g["logged_in"] for g in ann.get("/api/v1/me/groups").json()] == [False, True]
            ),  # Sales, Support
            "ann logged in to Support",
        )
    page.get_by_label("Number shown when I call out").select_option(SUPPORT)
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        node.until(
            lambda: ann.get("/api/v1/me").json()["presented_number"] == SUPPORT,
            "the presented number stored",
        )

    caller = peers.call(node, SUPPORT, caller="+3725550123", talk_ms=5000)
    expect(support.locator('[data-field="queued"]')).to_have_text("1")
    assert caller.wait() == 0, caller.report()
    row = support.locator("tr.call", has_text="+3725550123")
    expect(row).to_have_class(MISSED)
    expect(row).to_contain_text("Missed")
    expect(row).to_contain_text("Caller hung up")
    expect(support.locator('[data-field="queued"]')).to_have_text("0")
    pages.screenshot(page, "agent")

    page.reload()  # what was chosen is what helin stored
    expect(support.get_by_label("Logged in")).to_be_checked()
    expect(page.get_by_label("Number shown when I call out")).to_have_value(SUPPORT)
    expect(support.locator("tr.call.missed")).to_have_count(1)

    phone = pages.open(phone=True, language="et")
    pages.sign_in_as(
        phone, "ann", "ann-web-pass", button="Logi sisse", user="Kasutajanimi", password="Parool"
    )
    expect(phone.locator("tr.call.missed")).to_have_count(1)
    expect(phone.locator("h1")).to_have_text("Minu grupid")
    pages.screenshot(phone, "agent-phone-et")


def test_a_manager_sees_agents_log_in_and_a_call_queue_then_closes_the_group(
    make_node: MakeNode, peers: Peers, pages: Pages
) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    support = node.group_id("Support")
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    expect(page).to_have_url(re.compile(r"/manager$"))
    card = page.locator(f'.group-card[data-group-id="{support}"]')
    expect(card.locator('[data-field="logged_in"]')).to_have_text("0")
    expect(card.locator('[data-field="queued"]')).to_have_text("0")
    expect(card).not_to_have_class(CLOSED)

    with api_client(node.http, "ann", "ann-web-pass") as ann:  # ann logs in through the API
        done = ann.put(f"/api/v1/me/groups/{support}", json={"logged_in": True})
        assert done.status_code == 204
    expect(card.locator('[data-field="logged_in"]')).to_have_text("1")

    bob = pages.open(phone=True)  # bob logs in on his phone's browser
    pages.sign_in(bob, "bob", "bob-web-pass")
    bob.locator(f'section.group[data-group-id="{support}"]').get_by_label("Logged in").check()
    expect(card.locator('[data-field="logged_in"]')).to_have_text("2")

    caller = peers.call(node, SUPPORT, caller="+3725550999", talk_ms=120_000, timeout=150)
    expect(card.locator('[data-field="queued"]')).to_have_text("1")
    expect(card.locator('[data-field="longest"]')).not_to_have_text("0:00")
    pages.screenshot(page, "manager-overview")

    card.click()
    expect(page).to_have_url(re.compile(rf"/manager/groups/{support}$"))
    detail = page.locator("#detail")
    ann_row = detail.locator("tr", has_text="Ann Agent")
    expect(ann_row.locator('[data-field="login"]')).to_have_text("yes")
    expect(ann_row.locator('[data-field="state"]')).to_have_text("No phone reachable")
    expect(ann_row.locator('[data-field="device"]')).to_have_text("Not registered")
    expect(detail.locator('[data-field="queued"]')).to_have_text("1")
    expect(detail).to_contain_text(SUPPORT)
    pages.screenshot(page, "manager-group")

    detail.get_by_role("button", name="Close the group now").click()
    section = detail.locator("section.group")
    expect(section).to_have_class(CLOSED)
    expect(section.locator('[data-field="status"]')).to_have_text("Closed")
    expect(detail.locator("#override")).to_have_text("Held closed")
    pages.screenshot(page, "manager-group-closed")

    page.get_by_role("link", name="All groups").click()
    expect(card).to_have_class(CLOSED)
    expect(card.locator('[data-field="status"]')).to_have_text("Closed")
    pages.screenshot(page, "manager-overview-closed")
    caller.kill()

    page.goto(f"{node.http}/manager/groups/{node.group_id('Sales')}")
    expect(page.locator("#detail")).to_contain_text("08:00-17:00")
    expect(page.locator("#detail")).to_contain_text("Christmas Eve")
    expect(page.locator("#detail")).to_contain_text(SALES)
    pages.screenshot(page, "manager-group-hours")


def _login_page(page: Page, node: Node) -> Page:
    page.goto(node.http + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    return page
