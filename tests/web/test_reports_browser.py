"""Reports in a real Chromium: a manager orders a one-time report on the reports page, it
reaches the SMTP server on loopback, and the order's history shows it sent with its files;
a recurring order shows its next run, can be changed and paused."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from tests.calls.node import Node
from tests.reports.conftest import smtp, smtp_server  # noqa: F401  (the SMTP server)
from tests.reports.smtp import SmtpServer
from tests.web.conftest import CONFIG, Pages

MakeNode = Callable[..., Node]


def test_a_manager_orders_reports_and_sees_them_sent(
    make_node: MakeNode,
    pages: Pages,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    node = make_node(
        CONFIG,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        reports_interval=0.2,
    )
    pages.base = node.http
    page = pages.open()
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/manager/reports$"))
    expect(page.locator("#no-orders")).to_be_visible()

    page.get_by_label("Report", exact=True).select_option("service_level")
    page.get_by_label("Groups").select_option(label="Support")
    page.get_by_label("From").fill("2026-03-02")
    page.get_by_label("To").fill("2026-03-08")
    page.get_by_label("By").select_option("day")
    page.get_by_label("CSV").check()
    page.get_by_label("Recipients").fill("boss@alpha.test, deputy@alpha.test")
    page.get_by_role("button", name="Order", exact=True).click()
    row = page.locator("#orders tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Service level by interval")
    expect(row).to_contain_text("Support")
    deadline = time.monotonic() + 20
    while not smtp.sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp.sink.received) == 1
    page.reload()
    expect(row.locator(".run-state")).to_have_text("sent")

    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/manager/reports/\d+$"))
    run = page.locator("#runs tbody tr")
    expect(run).to_have_count(1)
    expect(run).to_have_attribute("data-state", "sent")
    expect(run.get_by_role("link")).to_have_count(2)  # the PDF and the CSV
    pages.screenshot(page, "manager-report")

    page.goto(node.http + "/manager/reports")
    page.get_by_label("How often").select_option("weekly")
    expect(page.get_by_label("From")).to_be_hidden()
    page.get_by_label("On", exact=True).select_option(label="Monday")
    page.get_by_label("Recipients").fill("boss@alpha.test")
    page.get_by_role("button", name="Order", exact=True).click()
    expect(row).to_have_count(2)
    weekly = row.nth(1)
    expect(weekly).to_contain_text("Weekly 07:00")
    expect(weekly.locator("time")).to_have_count(1)  # its next run
    weekly.get_by_role("button", name="Change").click()
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    expect(page.get_by_label("Recipients")).to_have_value("boss@alpha.test")
    page.get_by_label("Recipients").fill("boss@alpha.test, night@alpha.test")
    page.get_by_label("Send at").fill("06:30")
    page.get_by_role("button", name="Save").click()
    expect(row).to_have_count(2)
    expect(row.nth(1)).to_contain_text("Weekly 06:30")
    expect(row.nth(1)).to_contain_text("night@alpha.test")
    weekly = row.nth(1)
    weekly.get_by_role("button", name="Pause").click()
    expect(row.nth(1)).to_contain_text("paused")
    expect(row.nth(1).locator("time")).to_have_count(0)
    pages.screenshot(page, "manager-reports")
