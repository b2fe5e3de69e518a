"""Disposition codes over real HTTP against a whole running helin: a manager keeps a group's
codes, an agent codes the call they answered last (the engine records it on the call's row),
the call log filters by code, statistics count by code, and every refusal says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.records import CallOpened
from helin.store import db
from helin.store.calls import records
from helin.store.tables import AuditLog, Call, DispositionCode
from tests.api.test_agent_api import signed_in
from tests.calls.node import Node

CONFIG = """\
version: 1
tenants:
  - name: Alpha OÜ
    sip_domain: alpha.test
    call_center: true
    users:
      - username: ann
        password: "ann-password-1"
        rights: [agent]
      - username: mart
        password: "mart-password-1"
        rights: [manager]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        members: [ann]
        dispositions: [{code: 1, name: Solved}, {code: 2, name: Call back}]
      - name: Sales
        numbers: ["+3726000200"]
        members: [ann]
"""
T0 = 1_900_000_000.0  # 2030-03-17


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def answered(node: Node, call_id: str, group: str, at: float) -> None:
    """A call of ``group`` ann answered at ``at`` and talked on for a minute, as the switch
    and the engine record it."""
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(
            session,
            [
                CallOpened(call_id=call_id, direction="inbound", tenant_id="1", group_id=group,
                           agent_id=None, caller="+3725550001", number="+3726000100",
                           arrived_at=at - 10),
                CallRecord(call_id=call_id, segment=0, group_id=group, caller="+3725550001",
                           number="+3726000100", outcome=Outcome.ANSWERED, arrived_at=at - 10,
                           queued_at=at - 10, first_offered_at=at - 8, answered_at=at,
                           ended_at=at + 60, agent_id=node.user_id("ann"), offers=1),
            ],
        )  # fmt: skip
    engine.dispose()


def test_a_manager_keeps_the_codes_and_an_agent_codes_the_last_call(node: Node) -> None:
    mart = signed_in(node, "mart", "mart-password-1")
    ann = signed_in(node, "ann", "ann-password-1")
    support, sales = node.group_id("Support"), node.group_id("Sales")
    made = mart.post(f"/api/v1/groups/{support}/dispositions", json={"code": 3, "name": "Sale"})
    assert made.status_code == 201, made.text
    taken = mart.post(f"/api/v1/groups/{support}/dispositions", json={"code": 1, "name": "x"})
    assert taken.status_code == 409 and "Solved" in taken.text
    assert (
        ann.post(
            f"/api/v1/groups/{support}/dispositions", json={"code": 4, "name": "x"}
        ).status_code
        == 404
    )
    listed = ann.get(f"/api/v1/groups/{support}/dispositions").json()  # its agents read them
    assert [(c["code"], c["name"]) for c in listed] == [
        (1, "Solved"),
        (2, "Call back"),
        (3, "Sale"),
    ]
    detail = mart.get(f"/api/v1/groups/{support}").json()
    assert [c["code"] for c in detail["dispositions"]] == [1, 2, 3]

    assert ann.get("/api/v1/me/last-call").json() is None
    nothing = ann.put("/api/v1/me/last-call/disposition", json={"code": 1})
    assert nothing.status_code == 409 and "no group call" in nothing.text
    answered(node, "first", support, T0)
    answered(node, "second", support, T0 + 100)
    last = ann.get("/api/v1/me/last-call").json()
    assert last["group_name"] == "Support" and last["disposition"] is None
    assert [c["code"] for c in last["codes"]] == [1, 2, 3] and last["required"] is False
    wrong = ann.put("/api/v1/me/last-call/disposition", json={"code": 9})
    assert wrong.status_code == 422 and "Support" in wrong.text
    assert ann.put("/api/v1/me/last-call/disposition", json={"code": 2}).status_code == 204
    node.until(
        lambda: ann.get("/api/v1/me/last-call").json()["disposition"] is not None, "the code stored"
    )
    assert ann.get("/api/v1/me/last-call").json()["disposition"]["name"] == "Call back"
    coded = node.query(lambda s: {c.call_id: c.disposition_id for c in s.scalars(select(Call))})
    call_back = node.query(
        lambda s: s.scalar(select(DispositionCode.id).where(DispositionCode.name == "Call back"))
    )
    assert coded == {"first": None, "second": call_back}

    calls = mart.get("/api/v1/calls", params={"disposition_id": call_back}).json()["items"]
    assert [(c["call_id"], c["disposition"]) for c in calls] == [("second", "2 · Call back")]
    day = {"since": "2030-03-17", "until": "2030-03-17"}
    counted = mart.get("/api/v1/stats/dispositions", params={**day, "group_id": support}).json()
    [group] = counted["groups"]
    assert group["answered"] == 2
    assert [(c["code"], c["calls"]) for c in group["codes"]] == [(1, 0), (2, 1), (3, 0), (None, 1)]
    assert ann.get("/api/v1/stats/dispositions", params=day).status_code == 403

    answered(node, "third", sales, T0 + 200)  # Sales has no codes
    refused = ann.put("/api/v1/me/last-call/disposition", json={"code": 1})
    assert refused.status_code == 422 and "Sales" in refused.text
    retired = mart.patch(
        f"/api/v1/groups/{support}/dispositions/{call_back}", json={"active": False}
    )
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert (
        mart.patch(
            f"/api/v1/groups/{sales}/dispositions/{call_back}", json={"active": True}
        ).status_code
        == 404
    )
    actions = node.query(
        lambda s: [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    )
    assert "disposition_code.create" in actions and "call.disposition" in actions
    assert "disposition_code.update" in actions


def test_codes_are_for_agents_and_bodies_are_checked(node: Node) -> None:
    mart = signed_in(node, "mart", "mart-password-1")
    ann = signed_in(node, "ann", "ann-password-1")
    support = node.group_id("Support")
    assert mart.get("/api/v1/me/last-call").status_code == 403
    for body in ({"code": 0}, {"code": 100}, {}, {"code": 1, "call": 2}):
        answer = ann.put("/api/v1/me/last-call/disposition", json=body)
        assert answer.status_code == 422, (body, answer.text)
    for body in ({"code": 5}, {"code": 5, "name": " "}, {"code": 5, "name": "x" * 101}):
        answer = mart.post(f"/api/v1/groups/{support}/dispositions", json=body)
        assert answer.status_code == 422, (body, answer.text)
