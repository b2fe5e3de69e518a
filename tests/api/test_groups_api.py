"""The managers' group endpoints over real HTTP against a whole running helin: the overview and
detail, settings, override, opening hours and members reaching the engine, validation that
names the field and changes nothing, and everyone else kept out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from helin.acd.model import Policy
from helin.app import Helin
from helin.store.tables import AuditLog
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
        display_name: Ann Agent
        password: "ann-password-1"
        rights: [agent]
        devices: [{kind: softphone, sip_username: ann-desk, password: "ann-sip-secret"}]
      - username: olga
        password: "olga-password-1"
        rights: [agent]
      - username: pete
        password: "pete-password-1"
        rights: []
      - username: mart
        password: "mart-password-1"
        rights: [manager]
      - username: tiia
        password: "tiia-password-1"
        rights: [tenant_admin]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        policy: regular
        members: [ann]
      - name: Sales
        numbers: ["+3726000200", "+3726000201"]
        hours: {mon-fri: "08:00-17:00"}
        holidays: EE
  - name: Beta AS
    sip_domain: beta.test
    call_center: true
    users:
      - username: bert
        password: "bert-password-1"
        rights: [agent, manager]
    groups:
      - name: Beta support
        numbers: ["+3726000900"]
        members: [bert]
"""


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


@pytest.fixture
def mart(node: Node) -> Iterator[httpx.Client]:
    with closing(signed_in(node, "mart", "mart-password-1")) as client:
        yield client


def helin_of(node: Node) -> Helin:
    assert node.helin is not None
    return node.helin


def engine_open(node: Node, group_id: str) -> bool:
    helin = helin_of(node)
    return node.call(lambda: helin.runtime.engine.group_status(group_id, 0.0)).open


def engine_members(node: Node, group_id: str) -> dict[str, bool]:
    helin = helin_of(node)
    status = node.call(lambda: helin.runtime.engine.group_status(group_id, 0.0))
    return {m.agent_id: m.logged_in for m in status.members}


def engine_config(node: Node, group_id: str) -> Any:
    helin = helin_of(node)
    return node.call(lambda: helin.runtime.engine._groups[group_id].config)


def audit_actions(node: Node) -> list[str]:
    return node.query(lambda s: list(s.scalars(select(AuditLog.action).order_by(AuditLog.id))))


def fields(response: httpx.Response) -> list[list[Any]]:
    """The ``loc`` of every error of a 422 answer."""
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def test_overview_and_detail(node: Node, mart: httpx.Client) -> None:
    node.log_in("ann")
    groups = mart.get("/api/v1/groups").json()
    assert [(g["name"], g["numbers"], g["policy"]) for g in groups] == [
        ("Sales", ["+3726000200", "+3726000201"], "simultaneous"),
        ("Support", ["+3726000100"], "regular"),
    ]
    support = groups[1]
    assert support["open"] is True and support["override"] is None
    assert support["queued"] == 0 and support["longest_wait"] == 0.0
    # ann is logged in but no phone is registered: unreachable, neither available nor busy
    assert support["agents"] == {"logged_in": 1, "available": 0, "busy": 0, "paused": 0}

    detail = mart.get(f"/api/v1/groups/{support['id']}").json()
    assert detail["timezone"] == "Europe/Tallinn" and detail["holidays"] is None
    assert detail["hours"] == {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu")} | {
        day: ["00:00-24:00"] for day in ("fri", "sat", "sun")
    }
    assert detail["exceptions"] == []
    assert detail["queue"]["ring_timeout"] == 20 and detail["queue"]["greeting_clip"] == "greeting"
    assert detail["overflow"]["closed"] == {
        "action": "clip_and_end",
        "target": None,
        "clip": "closed",
    }
    [ann] = detail["members"]
    assert ann["username"] == "ann" and ann["name"] == "Ann Agent" and ann["logged_in"] is True
    assert ann["order"] == 0 and ann["weight"] == 1 and ann["state"] == "unreachable"
    assert [(d["kind"], d["status"]) for d in ann["devices"]] == [("softphone", "unregistered")]

    sales = mart.get(f"/api/v1/groups/{groups[0]['id']}").json()
    assert sales["hours"] == {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    assert sales["holidays"] == "EE" and sales["members"] == []
    assert mart.get("/api/v1/groups/999999").status_code == 404


def test_override_reaches_the_engine(node: Node, mart: httpx.Client) -> None:
    support = node.group_id("Support")
    url = f"/api/v1/groups/{support}"
    assert mart.put(f"{url}/override", json={"mode": "closed"}).status_code == 204
    detail = mart.get(url).json()
    assert detail["open"] is False and detail["override"] == "closed"
    assert engine_open(node, support) is False
    assert mart.put(f"{url}/override", json={"mode": None}).status_code == 204
    assert mart.get(url).json()["override"] is None and engine_open(node, support) is True
    assert fields(mart.put(f"{url}/override", json={"mode": "ajar"})) == [["body", "mode"]]
    assert fields(mart.put(f"{url}/override", json={})) == [["body", "mode"]]
    assert audit_actions(node)[-2:] == ["group.override", "group.override"]


def test_settings_change_in_store_and_engine(node: Node, mart: httpx.Client) -> None:
    support, sales = node.group_id("Support"), node.group_id("Sales")
    answer = mart.patch(
        f"/api/v1/groups/{support}",
        json={
            "name": "Helpdesk",
            "policy": "weighted",
            "queue": {"ring_timeout": 15, "max_queue_length": 5, "greeting_clip": None},
            "overflow": {
                "timeout": {"action": "forward_group", "target": "Sales"},
                "full": {"action": "forward_number", "target": "+3725551234"},
            },
        },
    )
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert detail["name"] == "Helpdesk" and detail["policy"] == "weighted"
    assert detail["queue"]["ring_timeout"] == 15 and detail["queue"]["max_queue_length"] == 5
    assert detail["queue"]["greeting_clip"] is None and detail["queue"]["wrap_up"] == 10  # kept
    assert detail["overflow"]["timeout"] == {
        "action": "forward_group",
        "target": "Sales",
        "clip": None,
    }
    assert detail["overflow"]["full"]["target"] == "+3725551234"
    assert detail["overflow"]["closed"]["action"] == "clip_and_end"  # not given: unchanged
    config = engine_config(node, support)
    assert config.name == "Helpdesk" and config.policy is Policy.WEIGHTED
    assert config.queue.ring_timeout == 15 and config.queue.greeting_clip is None
    assert config.on_timeout.target == sales  # the engine forwards by group id
    helin = helin_of(node)
    names = node.call(lambda: {g.id: g.name for g in helin.calls.directory.groups.values()})  # type: ignore[union-attr]
    assert names[support] == "Helpdesk"

    back = mart.patch(f"/api/v1/groups/{support}", json={"overflow": {"timeout": None}})
    assert back.json()["overflow"]["timeout"] == {
        "action": "clip_and_end",
        "target": None,
        "clip": "sorry",
    }
    assert engine_config(node, support).on_timeout.target is None
    assert audit_actions(node)[-2:] == ["group.update", "group.update"]


def test_hours_and_exceptions(node: Node, mart: httpx.Client) -> None:
    support = node.group_id("Support")
    url = f"/api/v1/groups/{support}"
    calendar = {
        "hours": {"mon-fri": "08:00-12:00, 13:00-17:00", "sat": ["10:00-14:00"], "sun": "closed"},
        "exceptions": [
            {"date": "2030-12-24", "hours": "09:00-12:00", "note": "Christmas Eve"},
            {"date": "2030-12-25"},
        ],
        "timezone": "Europe/Helsinki",
        "holidays": "fi",
    }
    assert mart.put(f"{url}/hours", json=calendar).status_code == 204
    detail = mart.get(url).json()
    weekday = ["08:00-12:00", "13:00-17:00"]
    assert detail["hours"] == {d: weekday for d in ("mon", "tue", "wed", "thu", "fri")} | {
        "sat": ["10:00-14:00"]
    }
    assert detail["exceptions"] == [
        {"date": "2030-12-24", "hours": ["09:00-12:00"], "note": "Christmas Eve"},
        {"date": "2030-12-25", "hours": [], "note": ""},
    ]
    assert detail["timezone"] == "Europe/Helsinki" and detail["holidays"] == "FI"
    calendar_in_engine = engine_config(node, support).calendar
    assert calendar_in_engine.weekly[5] == ((600, 840),) and 6 not in calendar_in_engine.weekly
    assert calendar_in_engine.timezone == "Europe/Helsinki"

    # what a detail shows can be sent back as it is
    again = {k: detail[k] for k in ("hours", "exceptions", "timezone", "holidays")}
    assert mart.put(f"{url}/hours", json=again).status_code == 204
    assert mart.get(url).json() == detail

    # closed all week: the engine closes the group at once
    assert mart.put(f"{url}/hours", json={"hours": {}}).status_code == 204
    closed = mart.get(url).json()
    assert closed["hours"] == {} and closed["exceptions"] == [] and closed["open"] is False
    assert closed["timezone"] == "Europe/Helsinki"  # not given: kept
    assert engine_open(node, support) is False
    assert "group.hours" in audit_actions(node)


def test_members_are_added_changed_and_removed(node: Node, mart: httpx.Client) -> None:
    support = node.group_id("Support")
    ann, olga = node.user_id("ann"), node.user_id("olga")
    url = f"/api/v1/groups/{support}/members"
    assert mart.put(f"{url}/{olga}", json={}).status_code == 204
    members = mart.get(f"/api/v1/groups/{support}").json()["members"]
    assert [(m["username"], m["order"], m["weight"]) for m in members] == [
        ("ann", 0, 1),
        ("olga", 1, 1),
    ]
    assert engine_members(node, support) == {ann: False, olga: False}
    helin = helin_of(node)
    groups = node.call(lambda: helin.calls.directory.users[olga].groups)  # type: ignore[union-attr]
    assert support in groups  # olga may now present the group's number
    with closing(signed_in(node, "olga", "olga-password-1")) as client:
        assert [g["name"] for g in client.get("/api/v1/me/groups").json()] == ["Support"]

    assert (
        mart.put(f"{url}/{ann}", json={"order": 5, "weight": 3, "priority": 2}).status_code == 204
    )
    members = mart.get(f"/api/v1/groups/{support}").json()["members"]
    assert [(m["username"], m["order"], m["weight"], m["priority"]) for m in members] == [
        ("olga", 1, 1, 1),
        ("ann", 5, 3, 2),
    ]
    engine = helin_of(node).runtime.engine
    assert node.call(lambda: engine._groups[support].members[ann].priority) == 2
    assert mart.delete(f"{url}/{olga}").status_code == 204
    assert engine_members(node, support) == {ann: False}
    assert mart.delete(f"{url}/{olga}").status_code == 404
    assert [m["username"] for m in mart.get(f"/api/v1/groups/{support}").json()["members"]] == [
        "ann"
    ]
    assert [a for a in audit_actions(node) if a.startswith("group.")] == [
        "group.member_add",
        "group.member_update",
        "group.member_remove",
    ]


def test_invalid_input_names_the_field_and_changes_nothing(node: Node, mart: httpx.Client) -> None:
    support = node.group_id("Support")
    url = f"/api/v1/groups/{support}"
    before = mart.get(url).json()
    config = engine_config(node, support)
    actions = audit_actions(node)
    cases: list[tuple[str, str, Any, list[Any]]] = [
        ("patch", url, {"queue": {"ring_timeout": -1}}, ["body", "queue", "ring_timeout"]),
        (
            "patch",
            url,
            {"queue": {"max_queue_length": "many"}},
            ["body", "queue", "max_queue_length"],
        ),
        (
            "patch",
            url,
            {"queue": {"bounce_after_missed": 2**70}},
            ["body", "queue", "bounce_after_missed"],
        ),
        ("patch", url, {"policy": "random"}, ["body", "policy"]),
        ("patch", url, {"name": ""}, ["body", "name"]),
        ("patch", url, {"name": None}, ["body", "name"]),
        ("patch", url, {"name": "Sales"}, ["body", "name"]),
        ("patch", url, {"colour": "red"}, ["body", "colour"]),
        ("patch", url, {"queue": {"greeting_clip": "nope"}}, ["body", "queue", "greeting_clip"]),
        (
            "patch",
            url,
            {"overflow": {"full": {"action": "forward_number", "target": "12"}}},
            ["body", "overflow", "full"],
        ),
        (
            "patch",
            url,
            {"overflow": {"timeout": {"action": "forward_group", "target": "Nowhere"}}},
            ["body", "overflow", "timeout", "target"],
        ),
        (
            "patch",
            url,
            {"overflow": {"timeout": {"action": "forward_group", "target": "Support"}}},
            ["body", "overflow", "timeout", "target"],
        ),
        (
            "put",
            f"{url}/hours",
            {"hours": {"mon": "09:00-12:00, 11:00-13:00"}},
            ["body", "hours", "mon"],
        ),
        ("put", f"{url}/hours", {"hours": {"mon": "9-17"}}, ["body", "hours", "mon"]),
        ("put", f"{url}/hours", {"hours": {"mon": "08:00-25:00"}}, ["body", "hours", "mon"]),
        ("put", f"{url}/hours", {"hours": {"mon": "17:00-08:00"}}, ["body", "hours", "mon"]),
        (
            "put",
            f"{url}/hours",
            {"hours": {"funday": "08:00-17:00"}},
            ["body", "hours", "funday", "[key]"],
        ),
        (
            "put",
            f"{url}/hours",
            {"hours": {"mon-fri": "closed", "fri": "closed"}},
            ["body", "hours"],
        ),
        ("put", f"{url}/hours", {"hours": {}, "timezone": "Mars/Olympus"}, ["body", "timezone"]),
        ("put", f"{url}/hours", {"hours": {}, "holidays": "XX"}, ["body", "holidays"]),
        (
            "put",
            f"{url}/hours",
            {"hours": {}, "exceptions": [{"date": "2030-13-01"}]},
            ["body", "exceptions", 0, "date"],
        ),
        (
            "put",
            f"{url}/hours",
            {"hours": {}, "exceptions": [{"date": "2030-12-24"}, {"date": "2030-12-24"}]},
            ["body", "exceptions"],
        ),
        ("put", f"{url}/override", {"mode": "ajar"}, ["body", "mode"]),
        ("put", f"{url}/members/{node.user_id('ann')}", {"weight": -1}, ["body", "weight"]),
        ("put", f"{url}/members/{node.user_id('ann')}", {"priority": 0}, ["body", "priority"]),
        ("put", f"{url}/members/{node.user_id('ann')}", {"priority": 10}, ["body", "priority"]),
        ("put", f"{url}/members/{node.user_id('pete')}", {}, ["path", "user_id"]),
    ]
    for method, path, body, loc in cases:
        answer = mart.request(method, path, json=body)
        assert loc in fields(answer), (body, answer.text)
    assert mart.get(url).json() == before
    assert engine_config(node, support) == config
    assert audit_actions(node) == actions


def test_tenant_admins_may_and_other_people_may_not(node: Node) -> None:
    support = node.group_id("Support")
    ann, olga = node.user_id("ann"), node.user_id("olga")
    changes: list[tuple[str, str, Any]] = [
        ("get", f"/api/v1/groups/{support}", None),
        ("patch", f"/api/v1/groups/{support}", {"policy": "uniform"}),
        ("put", f"/api/v1/groups/{support}/override", {"mode": "closed"}),
        ("put", f"/api/v1/groups/{support}/hours", {"hours": {}}),
        ("put", f"/api/v1/groups/{support}/members/{olga}", {}),
        ("delete", f"/api/v1/groups/{support}/members/{ann}", None),
        ("get", f"/api/v1/groups/{support}/candidates", None),
    ]
    # another company's manager, an agent, a user with no right: as if the group did not exist
    for username in ("bert", "ann", "pete"):
        with closing(signed_in(node, username, f"{username}-password-1")) as client:
            for method, path, body in changes:
                answer = client.request(method, path, json=body)
                assert answer.status_code == 404, (username, method, path, answer.text)
    with closing(signed_in(node, "bert", "bert-password-1")) as bert:
        assert [g["name"] for g in bert.get("/api/v1/groups").json()] == ["Beta support"]
        beta = node.group_id("Beta support")
        assert bert.put(f"/api/v1/groups/{beta}/members/{ann}", json={}).status_code == 404
    for username in ("ann", "pete"):
        with closing(signed_in(node, username, f"{username}-password-1")) as client:
            assert client.get("/api/v1/groups").status_code == 403
    with httpx.Client(base_url=node.http, timeout=10) as anonymous:
        assert anonymous.get("/api/v1/groups").status_code == 401
        assert anonymous.get(f"/api/v1/groups/{support}").status_code == 401
    assert engine_open(node, support) is True
    assert set(engine_members(node, support)) == {ann}

    with closing(signed_in(node, "tiia", "tiia-password-1")) as admin:
        assert [g["name"] for g in admin.get("/api/v1/groups").json()] == ["Sales", "Support"]
        for method, path, body in changes:
            answer = admin.request(method, path, json=body)
            assert answer.status_code in (200, 204), (method, path, answer.text)
    assert engine_open(node, support) is False
    assert set(engine_members(node, support)) == {olga}


def test_the_endpoints_are_in_the_openapi_description(node: Node) -> None:
    with httpx.Client(base_url=node.http, timeout=10) as client:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/groups/{group_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/groups/{group_id}/members/{user_id}"]) == {"put", "delete"}
    assert "/api/v1/groups/{group_id}/hours" in paths


def test_managers_see_who_may_be_added(node: Node, mart: httpx.Client) -> None:
    support = node.group_id("Support")
    candidates = mart.get(f"/api/v1/groups/{support}/candidates").json()
    assert [(c["username"], c["member"]) for c in candidates] == [("ann", True), ("olga", False)]
    assert candidates[0]["name"] == "Ann Agent"
    beta = node.group_id("Beta support")
    assert mart.get(f"/api/v1/groups/{beta}/candidates").status_code == 404


def test_tenant_admins_create_and_delete_groups(node: Node) -> None:
    with closing(signed_in(node, "tiia", "tiia-password-1")) as admin:
        made = admin.post("/api/v1/groups", json={"name": "Billing", "policy": "regular"})
        assert made.status_code == 201, made.text
        billing = made.json()["id"]
        assert made.json()["policy"] == "regular"
        helin = node.helin
        assert helin is not None
        engine = helin.runtime.engine
        assert node.call(lambda: engine.group_status(str(billing), 0.0)) is not None
        assert admin.post("/api/v1/groups", json={"name": "Billing"}).status_code == 409
        support = node.group_id("Support")
        refused = admin.delete(f"/api/v1/groups/{support}")
        assert refused.status_code == 409 and "+3726000100" in refused.text
        assert admin.delete(f"/api/v1/groups/{billing}").status_code == 204
        assert admin.get(f"/api/v1/groups/{billing}").status_code == 404
        assert str(billing) not in node.call(lambda: set(engine._groups))
    with closing(signed_in(node, "mart", "mart-password-1")) as manager:
        assert manager.post("/api/v1/groups", json={"name": "Mine"}).status_code == 403
    with closing(signed_in(node, "bert", "bert-password-1")) as other:
        sales = node.group_id("Sales")
        assert other.delete(f"/api/v1/groups/{sales}").status_code == 403  # no admin right
