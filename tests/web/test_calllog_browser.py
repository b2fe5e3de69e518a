"""The call log in a real Chromium: a manager opens it from the menu, sorts by caller, pages
on and back, and opens a call by clicking its row (the page's script, within the CSP)."""

from __future__ import annotations

import re
from collections.abc import Callable

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from tests.calls.node import Node
from tests.web.conftest import CONFIG, Pages
from tests.web.test_calllog import calls

MakeNode = Callable[[str], Node]


def test_a_manager_sorts_pages_and_opens_a_call(make_node: MakeNode, pages: Pages) -> None:
    node = make_node(CONFIG)
    calls(node)
    pages.base = node.http
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Call log").click()
    expect(page).to_have_url(re.compile(r"/manager/calls$"))
    rows = page.locator(".calls-table tbody tr.call")
    expect(rows).to_have_count(50)
    page.get_by_role("link", name="Caller").click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Caller"))
    expect(rows.first.locator(".caller")).to_have_text("+3725550000")
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(rows).to_have_count(10)
    expect(rows.first.locator(".caller")).to_have_text("+3725550050")
    pages.screenshot(page, "manager-calls")
    page.get_by_role("link", name=re.compile("Previous")).click()
    expect(rows).to_have_count(50)
    rows.nth(3).locator(".caller").click()  # the row, not its link
    expect(page).to_have_url(re.compile(r"/manager/calls/\d+$"))
    expect(page.locator(".call-segments tbody tr")).to_have_count(1)
    expect(page.get_by_role("heading", name=re.compile(r"\+3725550003"))).to_be_visible()
