"""Disposition codes in a real Chromium against a whole helin: a manager adds a code on the
group's settings page, an agent codes the call they answered last from their page, and the
call log shows the code and filters by it. Every expectation waits (bounded) for the page."""

from __future__ import annotations

import time
from collections.abc import Callable

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.records import CallOpened
from helin.store import db
from helin.store.calls import records
from tests.calls.company import company
from tests.calls.node import Node
from tests.web.conftest import GROUPS, SUPPORT, USERS, Pages, api_client

MakeNode = Callable[[str], Node]


def answered_by_ann(node: Node) -> None:
    """A Support call ann answered a minute ago, as the switch and the engine record it."""
    at, group = time.time() - 60, node.group_id("Support")
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(
            session,
            [
                CallOpened(call_id="c1", direction="inbound", tenant_id="1", group_id=group,
                           agent_id=None, caller="+3725550777", number=SUPPORT, arrived_at=at),
                CallRecord(call_id="c1", segment=0, group_id=group, caller="+3725550777",
                           number=SUPPORT, outcome=Outcome.ANSWERED, arrived_at=at,
                           queued_at=at, first_offered_at=at + 2, answered_at=at + 5,
                           ended_at=at + 50, agent_id=node.user_id("ann"), offers=1),
            ],
        )  # fmt: skip
    engine.dispose()


def test_a_manager_adds_a_code_and_an_agent_codes_the_last_call(
    make_node: MakeNode, pages: Pages
) -> None:
    node = make_node(company(USERS, GROUPS))
    pages.base = node.http
    support = node.group_id("Support")
    manager = pages.open()
    pages.sign_in(manager, "mart", "mart-web-pass")
    manager.goto(f"{node.http}/manager/groups/{support}/settings")
    codes = manager.locator("#dispositions")
    new = codes.locator("form#new-disposition")
    new.get_by_label("Code").fill("4")
    new.get_by_label("Disposition").fill("Solved")
    new.get_by_role("button", name="Add the code").click()
    expect(codes.locator('tr.disposition[data-code="4"]')).to_have_count(1)
    pages.screenshot(manager, "manager-dispositions")

    answered_by_ann(node)
    agent = pages.open()
    pages.sign_in(agent, "ann", "ann-web-pass")
    card = agent.locator("#last-call")
    expect(card).to_be_visible()
    expect(card).to_contain_text("+3725550777")
    card.get_by_label("Disposition").select_option(label="4 · Solved")
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        node.until(
            lambda: (
                (ann.get("/api/v1/me/last-call").json()["disposition"] or {}).get("name")
                == "Solved"
            ),
            "the code stored",
        )
    pages.screenshot(agent, "agent-disposition")

    manager.goto(f"{node.http}/manager/calls")
    row = manager.locator("tr.call", has_text="+3725550777")
    expect(row.locator("td.disposition")).to_have_text("4 · Solved")
    manager.get_by_label("Disposition").select_option(label="Support · 4 · Solved")
    manager.get_by_role("button", name="Show").click()
    expect(manager.locator("tr.call")).to_have_count(1)
