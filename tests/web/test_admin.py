"""The tenant admin's and the operator's pages in a real Chromium against a whole helin: a
tenant admin creates a user and a phone and sees their passwords once, changes rights, moves
and takes away numbers; an operator changes a company's retention and creates a company with
its first admin. Every expectation waits (bounded) for the page."""

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

from tests.calls.company import DOMAIN, company
from tests.calls.node import Node
from tests.web.conftest import GROUPS, USERS, Pages, api_client

MakeNode = Callable[[str], Node]
ADA = (
    "  - username: ada\n"
    "    password: ada-web-pass\n"
    "    display_name: Ada Admin\n"
    "    rights: [tenant_admin]\n"
)
OLGA = 'operators:\n  - username: olga\n    password: "olga-web-pass"\n'
CONFIG = company(USERS + ADA, GROUPS).replace("tenants:\n", OLGA + "tenants:\n", 1)


def _sign_in(pages: Pages, page: Page, username: str) -> None:
    pages.sign_in(page, username, f"{username}-web-pass")


def test_a_tenant_admin_creates_a_user_and_a_phone(make_node: MakeNode, pages: Pages) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    page = pages.open()
    _sign_in(pages, page, "ada")
    expect(page).to_have_url(re.compile(r"/admin$"))  # no manager right: the admin page
    expect(page.locator("tr.user")).to_have_count(4)  # ann, bob, mart, ada

    form = page.locator("#new-user")
    form.get_by_label("User name").fill("bad name")
    form.get_by_role("button", name="Create").click()
    expect(form.locator('[data-loc="username"] .field-error')).not_to_be_empty()

    form.get_by_label("User name").fill("carl")
    form.get_by_label("Display name").fill("Carl <Agent>")
    form.get_by_label("Manager").check()
    form.get_by_role("button", name="Create").click()
    made = page.locator("#user-made")
    expect(made).to_be_visible()
    expect(made.locator('[data-field="username"]')).to_have_text("carl")
    password = made.locator('[data-field="password"]').inner_text()
    assert len(password) >= 8
    pages.screenshot(page, "admin-user-made")
    with api_client(node.http, "carl", password) as carl:  # the password shown works
        assert carl.get("/api/v1/me").status_code == 200

    made.get_by_role("link", name="Add a phone").click()
    expect(page.locator("h1")).to_have_text("Carl <Agent>: Phones")  # escaped
    phone = page.locator("#new-device")
    phone.get_by_label("Kind").select_option("mobile")
    phone.get_by_label("SIP user name").fill("ann-desk")  # taken
    phone.get_by_role("button", name="Add a phone").click()
    expect(phone.locator(".form-error")).to_contain_text("taken")
    phone.get_by_label("SIP user name").fill("carl-mobile")
    phone.get_by_role("button", name="Add a phone").click()
    shown = page.locator("#device-made")
    expect(shown.locator('[data-field="sip_username"]')).to_have_text("carl-mobile")
    expect(shown.locator('[data-field="sip_domain"]')).to_have_text(DOMAIN)
    sip_password = shown.locator('[data-field="password"]').inner_text()
    assert len(sip_password) >= 8
    pages.screenshot(page, "admin-device-made")

    page.reload()  # shown once: gone after a reload
    expect(page.locator("#device-made")).to_be_hidden()
    assert sip_password not in page.content()
    device = page.locator("tr.device", has_text="carl-mobile")
    expect(device).to_contain_text("Not registered")
    device.get_by_role("button", name="Remove: carl-mobile").click()
    expect(page.locator("tr.device")).to_have_count(0)

    page.goto(f"{node.http}/admin")
    carl = page.locator('tr.user[data-name="carl"]')
    carl.get_by_label("Agent").uncheck()
    carl.get_by_label("Disabled: carl").check()
    carl.get_by_role("button", name="Save: carl").click()
    expect(page.locator('tr.user[data-name="carl"]')).to_have_class(re.compile("is-disabled"))
    ada = page.locator('tr.user[data-name="ada"]')
    ada.get_by_label("Tenant admin").uncheck()
    ada.get_by_role("button", name="Save: ada").click()
    expect(ada.locator(".form-error")).not_to_be_empty()  # no locking oneself out
    with api_client(node.http, "ada", "ada-web-pass") as client:
        users = {u["username"]: u for u in client.get("/api/v1/users").json()}
    assert users["carl"]["rights"] == ["manager"] and users["carl"]["disabled"] is True
    assert "tenant_admin" in users["ada"]["rights"]


def test_a_tenant_admin_moves_and_takes_away_numbers(make_node: MakeNode, pages: Pages) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    page = pages.open(phone=True)
    _sign_in(pages, page, "ada")
    numbers = page.locator("#numbers")
    add = numbers.locator("#new-number")
    add.get_by_label("New number").fill("12345")
    add.get_by_role("button", name="Give the number").click()
    expect(add.locator('[data-loc="e164"] .field-error')).not_to_be_empty()
    add.get_by_label("New number").fill("+3726000300")
    add.get_by_label("Belongs to").select_option(label="Sales (group)")
    add.get_by_role("button", name="Give the number").click()
    row = numbers.locator('tr.number[data-e164="+3726000300"]')
    expect(row.get_by_label("Belongs to: +3726000300")).to_have_value(
        f"group:{node.group_id('Sales')}"
    )
    row.get_by_label("Belongs to: +3726000300").select_option(label="Bob Agent")
    with page.expect_navigation():  # the page is loaded again after the change
        row.get_by_role("button", name="Move: +3726000300").click()
    expect(row.get_by_label("Belongs to: +3726000300")).to_have_value(f"user:{node.user_id('bob')}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    pages.screenshot(page, "admin-phone")
    row.get_by_role("button", name="Take away: +3726000300").click()
    expect(row).to_have_count(0)


def test_an_operator_changes_retention_and_creates_a_company(
    make_node: MakeNode, pages: Pages
) -> None:
    node = make_node(CONFIG)
    pages.base = node.http
    page = pages.open()
    _sign_in(pages, page, "olga")
    expect(page).to_have_url(re.compile(r"/operator$"))
    tenant = page.locator('tr.tenant[data-name="Test OÜ"]')
    retention = tenant.get_by_label("Recordings kept for: Test OÜ")
    expect(retention).to_have_value("30")
    retention.select_option("60")
    with page.expect_navigation():  # the page is loaded again after the change
        tenant.get_by_role("button", name="Save: Test OÜ").click()
    expect(page.locator('tr.tenant[data-name="Test OÜ"] select')).to_have_value("60")
    with api_client(node.http, "olga", "olga-web-pass") as olga:
        (row,) = olga.get("/api/v1/tenants").json()
    assert row["recording_retention_days"] == 60 and row["recording"] is True

    form = page.locator("#new-tenant")
    form.get_by_label("Name").fill("Beta AS")
    form.get_by_label("SIP domain").fill(DOMAIN)  # taken
    form.get_by_role("button", name="Create the company").click()
    expect(form.locator(".form-error")).not_to_be_empty()
    form.get_by_label("SIP domain").fill("beta.test")
    form.get_by_role("button", name="Create the company").click()
    expect(page.locator('tr.tenant[data-name="Beta AS"]')).to_contain_text("beta.test")

    first = page.locator("#first-admin")
    first.get_by_label("Company").select_option(label="Beta AS")
    first.get_by_label("User name").fill("bea")
    first.get_by_role("button", name="Create").click()
    expect(page.locator("#admin-made [data-field='username']")).to_have_text("bea")
    password = page.locator("#admin-made [data-field='password']").inner_text()
    pages.screenshot(page, "operator")
    with api_client(node.http, "bea", password) as bea:
        assert bea.get("/", follow_redirects=False).headers["location"] == "/admin"
