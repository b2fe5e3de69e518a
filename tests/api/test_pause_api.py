"""Pause reasons and pauses over real HTTP against a whole running helin: the tenant admin's
list, an agent pausing and resuming, what the live view and the agent's own view show, the
audit, and every refusal with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from helin.acd import events as ev
from helin.store.tables import AuditLog, PauseReason
from tests.api.test_agent_api import signed_in
from tests.calls.node import Node

CONFIG = """\
version: 1
tenants:
  - name: Alpha OÜ
    sip_domain: alpha.test
    call_center: true
    pause_reasons:
      - {code: 1, name: Lunch}
      - {code: 2, name: Training}
      - {code: 9, name: Old reason, active: false}
    users:
      - username: ann
        password: "ann-password-1"
        rights: [agent]
      - username: tiina
        password: "tiina-password-1"
        rights: [tenant_admin, manager]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        override: open
        members: [ann]
"""


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def reasons(client: httpx.Client) -> dict[str, int]:
    answer = client.get("/api/v1/pause-reasons")
    assert answer.status_code == 200, answer.text
    return {r["name"]: r["id"] for r in answer.json()}


def live_ann(client: httpx.Client) -> dict[str, object]:
    group = client.get("/api/v1/live").json()["groups"][0]
    member: dict[str, object] = group["members"][0]
    return member | {"paused_count": group["agents"]["paused"]}


def test_an_agent_pauses_for_a_reason_changes_it_and_resumes(node: Node) -> None:
    ann = signed_in(node, "ann", "ann-password-1")
    boss = signed_in(node, "tiina", "tiina-password-1")
    listed = ann.get("/api/v1/pause-reasons").json()
    assert [(r["code"], r["name"], r["active"]) for r in listed] == [
        (1, "Lunch", True),
        (2, "Training", True),
        (9, "Old reason", False),
    ]
    ids = reasons(ann)
    node.feed(ev.DevicesReachable(agent_id=node.user_id("ann"), count=1))
    assert ann.put("/api/v1/me/groups", json={"logged_in": True}).status_code == 204
    assert ann.put("/api/v1/me/pause", json={"reason_id": ids["Lunch"]}).status_code == 204
    me = ann.get("/api/v1/me").json()
    assert me["state"] == "paused"
    assert me["pause"]["name"] == "Lunch" and me["pause"]["code"] == 1
    assert me["pause"]["pending"] is False and me["pause"]["since"]
    seen = live_ann(boss)
    assert (seen["state"], seen["pause"], seen["paused_count"]) == ("paused", "Lunch", 1)
    assert seen["paused_since"] == me["pause"]["since"]

    assert ann.put("/api/v1/me/pause", json={"reason_id": ids["Training"]}).status_code == 204
    assert ann.get("/api/v1/me").json()["pause"]["name"] == "Training"
    assert ann.put("/api/v1/me/pause", json={"reason_id": None}).status_code == 204
    me = ann.get("/api/v1/me").json()
    assert me["state"] == "available" and me["pause"] is None
    seen = live_ann(boss)
    assert (seen["pause"], seen["paused_since"], seen["paused_count"]) == (None, None, 0)

    log = ann.get("/api/v1/agent-log").json()
    pauses = [(e["kind"], e["reason"]) for e in log["entries"] if e["kind"] == "pause"]
    assert pauses == [("pause", "Lunch"), ("pause", "Training")]
    audited = node.query(
        lambda s: [
            a.details for a in s.scalars(select(AuditLog).where(AuditLog.action == "agent.pause"))
        ]
    )
    assert audited == [
        {"reason_id": ids["Lunch"]},
        {"reason_id": ids["Training"]},
        {"reason_id": None},
    ]


def test_a_pause_survives_a_restart(node: Node) -> None:
    ann = signed_in(node, "ann", "ann-password-1")
    lunch = reasons(ann)["Lunch"]
    assert ann.put("/api/v1/me/pause", json={"reason_id": lunch}).status_code == 204
    node.stop()
    node.start()  # a new helin on the same store restores the pause
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.get("/api/v1/me").json()["pause"]["name"] == "Lunch"
    node.feed(ev.DevicesReachable(agent_id=node.user_id("ann"), count=1))
    assert node.agent_state("ann") == "paused"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"reason_id": 999999}, 422, "active pause reasons"),
        ({"reason_id": "lunch"}, 422, "reason_id"),
        ({}, 422, "reason_id"),
        ({"reason_id": 1, "extra": True}, 422, "extra"),
    ],
)
def test_a_bad_pause_is_refused_with_its_reason(
    node: Node, body: dict[str, object], status: int, says: str
) -> None:
    ann = signed_in(node, "ann", "ann-password-1")
    answer = ann.put("/api/v1/me/pause", json=body)
    assert answer.status_code == status and says in answer.text, answer.text
    assert ann.get("/api/v1/me").json()["pause"] is None


def test_a_retired_reason_cannot_be_chosen_and_only_agents_pause(node: Node) -> None:
    ann = signed_in(node, "ann", "ann-password-1")
    old = reasons(ann)["Old reason"]
    answer = ann.put("/api/v1/me/pause", json={"reason_id": old})
    assert answer.status_code == 422 and "active" in answer.text
    boss = signed_in(node, "tiina", "tiina-password-1")
    lunch = reasons(boss)["Lunch"]
    answer = boss.put("/api/v1/me/pause", json={"reason_id": lunch})
    assert answer.status_code == 403 and "agents" in answer.text


def test_the_tenant_admin_keeps_the_list(node: Node) -> None:
    boss = signed_in(node, "tiina", "tiina-password-1")
    made = boss.post("/api/v1/pause-reasons", json={"code": 5, "name": "  Back office "})
    assert made.status_code == 201, made.text
    assert made.json() | {"id": 0} == {"id": 0, "code": 5, "name": "Back office", "active": True}
    reason = made.json()["id"]
    taken = boss.post("/api/v1/pause-reasons", json={"code": 1, "name": "Second lunch"})
    assert taken.status_code == 409 and "Lunch" in taken.text
    for bad in ({"code": 0, "name": "x"}, {"code": 100, "name": "x"}, {"code": 3, "name": " "}):
        answer = boss.post("/api/v1/pause-reasons", json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    renamed = boss.patch(f"/api/v1/pause-reasons/{reason}", json={"name": "Admin work", "code": 6})
    assert renamed.status_code == 200 and renamed.json()["code"] == 6
    assert boss.patch(f"/api/v1/pause-reasons/{reason}", json={"code": 2}).status_code == 409
    assert boss.patch(f"/api/v1/pause-reasons/{reason}", json={"name": None}).status_code == 422
    retired = boss.patch(f"/api/v1/pause-reasons/{reason}", json={"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert boss.patch("/api/v1/pause-reasons/999999", json={"active": True}).status_code == 404
    ann = signed_in(node, "ann", "ann-password-1")
    assert ann.post("/api/v1/pause-reasons", json={"code": 7, "name": "x"}).status_code == 403
    assert ann.patch(f"/api/v1/pause-reasons/{reason}", json={"active": True}).status_code == 403
    row = node.query(lambda s: s.get(PauseReason, reason))
    assert (row.code, row.name, row.active) == (6, "Admin work", False)
    actions = node.query(
        lambda s: [
            a.action
            for a in s.scalars(select(AuditLog).where(AuditLog.object_type == "pause_reason"))
        ]
    )
    assert actions == ["pause_reason.create", "pause_reason.update", "pause_reason.update"]
