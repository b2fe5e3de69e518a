"""The call history (filters, pages) and the agent log over real HTTP against a whole helin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.records import CallClosed, CallOpened
from helin.store import db
from helin.store.calls import records
from helin.store.tables import Group
from tests.api.test_agent_api import CONFIG, signed_in
from tests.calls.node import Node

T0 = 1_790_000_000.0


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def make_calls(node: Node, group: str, count: int, *, outbound: int = 0) -> None:
    """``count`` inbound calls into ``group`` (every third abandoned) and ``outbound`` calls
    out with its number, one a minute from T0, written as the call layer and engine do."""
    group_id = int(node.group_id(group))
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        tenant = session.get(Group, group_id)
        assert tenant is not None
        for n in range(count + outbound):
            call_id = f"{group}-{n}"
            at = T0 + 60 * n
            opened = CallOpened(
                call_id=call_id,
                direction="inbound" if n < count else "outbound",
                tenant_id=str(tenant.tenant_id),
                group_id=str(group_id),
                agent_id=None,
                caller=f"+3725{n:07d}",
                number="+3726000100",
                arrived_at=at,
            )
            records.write(session, [opened])
            if n < count:
                outcome = Outcome.ABANDONED if n % 3 == 0 else Outcome.ANSWERED
                record = CallRecord(
                    call_id=call_id,
                    segment=0,
                    group_id=str(group_id),
                    caller=f"+3725{n:07d}",
                    number="+3726000100",
                    outcome=outcome,
                    arrived_at=at,
                    ended_at=at + 30,
                )
                records.write(session, [record])
            else:
                closed = CallClosed(
                    call_id=call_id, ended_at=at + 30, answered_at=at, outcome=Outcome.ANSWERED
                )
                records.write(session, [closed])
    engine.dispose()


def test_the_call_history_filters_and_pages(node: Node) -> None:
    make_calls(node, "Support", 150, outbound=1)
    make_calls(node, "Beta support", 3)
    mart = signed_in(node, "mart", "mart-password-1")
    first = mart.get("/api/v1/calls", params={"limit": 100}).json()
    assert first["total"] == 151 and len(first["items"]) == 100
    assert first["items"][0]["direction"] == "outbound"  # the newest
    times = [item["arrived_at"] for item in first["items"]]
    assert times == sorted(times, reverse=True)
    rest = mart.get("/api/v1/calls", params={"limit": 100, "offset": 100}).json()
    assert len(rest["items"]) == 51
    ids = {i["id"] for i in first["items"]} | {i["id"] for i in rest["items"]}
    assert len(ids) == 151  # pages neither repeat nor skip
    missed = mart.get("/api/v1/calls", params={"missed": "true", "limit": 500}).json()
    assert missed["total"] == 50 and all(i["outcome"] == "abandoned" for i in missed["items"])
    out = mart.get("/api/v1/calls", params={"direction": "outbound"}).json()
    assert out["total"] == 1 and out["items"][0]["missed"] is False
    window = {
        "since": datetime.fromtimestamp(T0 + 600, UTC).isoformat(),
        "until": datetime.fromtimestamp(T0 + 1200, UTC).isoformat(),
    }
    assert mart.get("/api/v1/calls", params=window).json()["total"] == 10
    sales = node.group_id("Sales")
    assert mart.get("/api/v1/calls", params={"group_id": sales}).json()["total"] == 0
    assert mart.get("/api/v1/calls", params={"limit": 0}).status_code == 422
    assert mart.get("/api/v1/calls", params={"outcome": "lost"}).status_code == 422
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.get("/api/v1/calls").status_code == 403
    bert = signed_in(node, "bert", "bert-password-1")
    assert bert.get("/api/v1/calls").json()["total"] == 3


def test_the_agent_log_for_managers_and_for_the_agent_themself(node: Node) -> None:
    ann = signed_in(node, "ann", "ann-password-1")
    support = node.group_id("Support")
    for on in (True, False, True):
        assert ann.put(f"/api/v1/me/groups/{support}", json={"logged_in": on}).status_code == 204
    assert ann.put("/api/v1/me/dnd", json={"on": True}).status_code == 204
    mart = signed_in(node, "mart", "mart-password-1")

    def kinds(client: httpx.Client, **params: str) -> list[str]:
        page = client.get("/api/v1/agent-events", params=params).json()
        return [item["kind"] for item in page["items"]]

    node.until(lambda: len(kinds(mart)) == 4, "four agent events")
    assert kinds(mart) == ["dnd_on", "login", "logout", "login"]
    assert kinds(mart, kind="login") == ["login", "login"]
    assert kinds(ann) == kinds(mart)  # an agent sees their own log
    bert = signed_in(node, "bert", "bert-password-1")
    assert kinds(bert) == []  # another company's manager sees none of it
    page = mart.get("/api/v1/agent-events", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 4 and [i["kind"] for i in page["items"]] == ["login"]
