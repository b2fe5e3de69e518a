"""Pauses in a real Chromium against a whole helin: the tenant admin adds and renames a pause
reason, an agent pauses for it from the agent page and ends the pause, and a manager sees
the reason live in the group's detail and the count on the overview. Every expectation
waits (bounded) for the page."""

from __future__ import annotations

import re
from collections.abc import Callable

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from helin.acd import events as ev
from tests.calls.company import company
from tests.calls.node import Node
from tests.web.conftest import GROUPS, USERS, Pages, api_client
from tests.web.test_admin import ADA

MakeNode = Callable[[str], Node]
CONFIG = company(USERS + ADA, GROUPS, pause_reasons="[{code: 1, name: Lunch}]")


def test_an_agent_pauses_for_a_reason_the_admin_added_and_a_manager_sees_it(
    make_node: MakeNode, pages: Pages
) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    admin = pages.open()
    pages.sign_in(admin, "ada", "ada-web-pass")
    admin.goto(node.http + "/admin")
    reasons = admin.locator("#pause-reasons")
    new = reasons.locator("form#new-reason")
    new.get_by_label("Code").fill("3")
    new.get_by_label("Reason").fill("Back ofice")
    new.get_by_role("button", name="Add the reason").click()
    row = reasons.locator('tr.pause-reason[data-code="3"]')
    expect(row).to_have_count(1)
    row.get_by_label("Reason: Back ofice").fill("Back office")
    row.get_by_role("button", name="Save: Back ofice").click()
    expect(reasons.get_by_label("Reason: Back office")).to_have_value("Back office")
    new = reasons.locator("form#new-reason")  # the page was loaded again
    new.get_by_label("Code").fill("1")
    new.get_by_label("Reason").fill("Second lunch")
    new.get_by_role("button", name="Add the reason").click()
    expect(new.locator(".form-error")).to_contain_text("Lunch")
    pages.screenshot(admin, "admin-pause-reasons")

    node.feed(ev.DevicesReachable(agent_id=node.user_id("ann"), count=1))
    support = node.group_id("Support")
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        assert ann.put(f"/api/v1/me/groups/{support}", json={"logged_in": True}).status_code == 204
    agent = pages.open()
    pages.sign_in(agent, "ann", "ann-web-pass")
    expect(agent.locator("#my-state")).to_have_text("Available")
    agent.get_by_label("Pause").select_option(label="3 · Back office")
    expect(agent.locator("#my-state")).to_have_text("Paused")
    expect(agent.locator("#pause-note")).to_contain_text("Paused since")
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        assert ann.get("/api/v1/me").json()["pause"]["name"] == "Back office"
    pages.screenshot(agent, "agent-paused")

    manager = pages.open()
    pages.sign_in(manager, "mart", "mart-web-pass")
    card = manager.locator(f'.group-card[data-group-id="{support}"]')
    expect(card.locator('[data-field="paused"]')).to_have_text("1")
    card.click()
    expect(manager).to_have_url(re.compile(rf"/manager/groups/{support}$"))
    state = manager.locator("#detail tr", has_text="Ann Agent").locator('[data-field="state"]')
    expect(state).to_have_text("Paused · Back office")

    agent.get_by_label("Pause").select_option(label="Not paused: taking calls")
    expect(agent.locator("#my-state")).to_have_text("Available")
    expect(agent.locator("#pause-note")).to_have_text("")
    expect(state).to_have_text("Available")  # the manager's page follows live
    agent.reload()  # what was chosen is what helin stored
    expect(agent.get_by_label("Pause")).to_have_value("")
