"""The tenant admin's and the operator's API over real HTTP against a whole running helin:
users, devices (that then register over SIP), numbers, tenants; other companies' objects are
404, users without the right 403, invalid input 422 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helin.store.tables import AuditLog, Device, Number, Tenant, User
from tests.api.test_agent_api import signed_in
from tests.calls.conftest import DOMAIN, Peers
from tests.calls.node import Node

CONFIG = f"""\
version: 1
operators:
  - username: olga
    password: "olga-password-1"
tenants:
  - name: Alpha OÜ
    sip_domain: {DOMAIN}
    call_center: true
    users:
      - username: aadu
        password: "aadu-password-1"
        rights: [tenant_admin]
      - username: ann
        password: "ann-password-1"
        rights: [agent]
        numbers: ["+3725000001"]
        devices: [{{kind: softphone, sip_username: ann-desk, password: "ann-sip-secret"}}]
      - username: mart
        password: "mart-password-1"
        rights: [manager]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        members: [ann]
  - name: Beta AS
    sip_domain: beta.test
    call_center: true
    users:
      - username: bea
        password: "bea-password-1"
        rights: [tenant_admin]
      - username: bert
        password: "bert-password-1"
        rights: [agent]
        numbers: ["+3725000009"]
        devices: [{{kind: mobile, sip_username: bert-mobile, password: "bert-sip-secret"}}]
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
def peers(tmp_path: Path) -> Iterator[Peers]:
    made = Peers(tmp_path)
    yield made
    made.close()


def snapshot(node: Node) -> dict[str, Any]:
    """Everything the admin endpoints may change, to prove a refused request changed nothing."""

    def read(s: Session) -> dict[str, Any]:
        return {
            "users": [
                (
                    u.username,
                    u.display_name,
                    u.email,
                    u.tenant_admin,
                    u.manager,
                    u.agent,
                    u.disabled,
                    u.presented_number,
                    u.password_hash,
                )
                for u in s.scalars(select(User).order_by(User.id))
            ],
            "devices": [(d.sip_username, d.ha1_md5) for d in s.scalars(select(Device))],
            "numbers": [(n.e164, n.user_id, n.group_id) for n in s.scalars(select(Number))],
            "tenants": [
                (t.name, t.call_center, t.recording, t.recording_retention_days)
                for t in s.scalars(select(Tenant))
            ],
            "audit": s.scalar(
                select(func.count(AuditLog.id)).where(AuditLog.action != "auth.login")
            ),
        }

    return node.query(read)


def audited(node: Node) -> list[str]:
    return node.query(lambda s: list(s.scalars(select(AuditLog.action).order_by(AuditLog.id))))


def sip_phones(node: Node) -> set[str]:
    helin = node.helin
    assert helin is not None and helin.sip is not None
    sip = helin.sip
    return node.call(lambda: set(sip.devices))


def directory_owner(node: Node, number: str) -> str | None:
    helin = node.helin
    assert helin is not None and helin.calls is not None
    calls = helin.calls
    owner = node.call(lambda: calls.directory.owner(number))
    return None if owner is None else owner.id


def test_a_tenant_admin_manages_users(node: Node) -> None:
    admin = signed_in(node, "aadu", "aadu-password-1")
    listed = admin.get("/api/v1/users").json()
    assert [u["username"] for u in listed] == ["aadu", "ann", "mart"]
    assert all("password_hash" not in u for u in listed)
    made = admin.post(
        "/api/v1/users",
        json={"username": "kati", "display_name": "Kati", "email": "kati@alpha.test"}
        | {"rights": ["agent", "manager"]},
    )
    assert made.status_code == 201, made.text
    kati = made.json()
    assert kati["rights"] == ["manager", "agent"] and len(kati["password"]) >= 8
    signed_in(node, "kati", kati["password"]).close()  # the generated password works
    given = admin.post("/api/v1/users", json={"username": "leo", "password": "leo-password-1"})
    assert given.status_code == 201 and given.json()["password"] is None
    assert given.json()["rights"] == []
    duplicate = admin.post("/api/v1/users", json={"username": "bert"})  # Beta's user
    assert duplicate.status_code == 409 and "taken" in duplicate.json()["detail"]

    ann = node.user_id("ann")
    changed = admin.patch(
        f"/api/v1/users/{ann}",
        json={"display_name": "Ann A.", "rights": ["agent", "manager"]}
        | {"presented_number": "+3726000100"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["display_name"], body["rights"]) == ("Ann A.", ["manager", "agent"])
    assert body["presented_number"] == "+3726000100" and body["numbers"] == ["+3725000001"]
    assert admin.get(f"/api/v1/users/{ann}").json() == body
    foreign = admin.patch(f"/api/v1/users/{ann}", json={"presented_number": "+3726000900"})
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"][-1] == (
        "presented_number"
    )
    new_password = admin.patch(f"/api/v1/users/{ann}", json={"password": "ann-password-2"})
    assert new_password.status_code == 200
    signed_in(node, "ann", "ann-password-2").close()

    session_of_ann = signed_in(node, "ann", "ann-password-2")
    assert admin.patch(f"/api/v1/users/{ann}", json={"disabled": True}).json()["disabled"]
    assert session_of_ann.get("/api/v1/me").status_code == 401  # a disabled user is signed out
    node.until(lambda: "ann-desk" not in sip_phones(node), "ann's phone dropped")
    assert admin.patch(f"/api/v1/users/{ann}", json={"disabled": False}).status_code == 200
    node.until(lambda: "ann-desk" in sip_phones(node), "ann's phone back")

    me = node.user_id("aadu")
    for change in ({"rights": ["agent"]}, {"disabled": True}):
        refused = admin.patch(f"/api/v1/users/{me}", json=change)
        assert refused.status_code == 409, change
    assert admin.delete(f"/api/v1/users/{me}").status_code == 409

    leo = given.json()["id"]
    assert admin.delete(f"/api/v1/users/{leo}").status_code == 204
    assert admin.get(f"/api/v1/users/{leo}").status_code == 404
    assert admin.delete(f"/api/v1/users/{leo}").status_code == 404
    assert admin.delete(f"/api/v1/users/{ann}").status_code == 204  # with phone and number
    assert (
        node.query(lambda s: s.scalar(select(Number).where(Number.e164 == "+3725000001"))) is None
    )
    node.until(lambda: "ann-desk" not in sip_phones(node), "deleted user's phone dropped")
    assert directory_owner(node, "+3725000001") is None
    actions = audited(node)
    assert actions.count("user.create") == 2 and actions.count("user.delete") == 2
    assert actions.count("user.update") == 4


def test_a_device_made_over_the_api_registers(node: Node, peers: Peers) -> None:
    admin = signed_in(node, "aadu", "aadu-password-1")
    mart = node.user_id("mart")
    made = admin.post(
        f"/api/v1/users/{mart}/devices",
        json={"kind": "ip_phone", "sip_username": "mart-desk", "label": "room 2"},
    )
    assert made.status_code == 201, made.text
    device = made.json()
    password = device["password"]
    assert device["sip_domain"] == DOMAIN and device["status"] == "unregistered"
    assert not any("ha1" in key for key in device)
    node.until(lambda: "mart-desk" in sip_phones(node), "the SIP side knows the phone")
    register = peers.sipp(
        "mart-register",
        "register",
        f"127.0.0.1:{node.port}",
        *("-s", "mart-desk", "-au", "mart-desk", "-ap", password, "-key", "domain", DOMAIN),
        *("-m", "1"),
        timeout=15,
    )
    assert register.run() == 0, register.report()
    node.until(
        lambda: admin.get(f"/api/v1/users/{mart}/devices").json()[0]["status"] == "reachable",
        "the phone reachable",
    )
    listed = admin.get(f"/api/v1/users/{mart}/devices").json()
    assert [(d["sip_username"], d["kind"], d["label"]) for d in listed] == [
        ("mart-desk", "ip_phone", "room 2")
    ]
    assert "password" not in listed[0]

    given = admin.post(
        f"/api/v1/users/{mart}/devices",
        json={"kind": "mobile", "sip_username": "mart-mobile", "password": "mart-sip-secret"},
    )
    assert given.status_code == 201 and given.json()["password"] == "mart-sip-secret"
    for taken in ("mart-desk", "bert-mobile"):  # own company's, another company's
        again = admin.post(
            f"/api/v1/users/{mart}/devices", json={"kind": "mobile", "sip_username": taken}
        )
        assert again.status_code == 409 and "taken" in again.json()["detail"]
    desk = device["id"]
    ann = node.user_id("ann")
    assert admin.delete(f"/api/v1/users/{ann}/devices/{desk}").status_code == 404  # not ann's
    assert admin.delete(f"/api/v1/users/{mart}/devices/{desk}").status_code == 204
    node.until(lambda: "mart-desk" not in sip_phones(node), "the phone forgotten")
    assert node.devices("mart") == ["mart-mobile"]
    actions = audited(node)
    assert actions.count("device.create") == 2 and actions.count("device.delete") == 1


def test_a_tenant_admin_assigns_numbers(node: Node) -> None:
    admin = signed_in(node, "aadu", "aadu-password-1")
    numbers = admin.get("/api/v1/numbers").json()
    assert [(n["e164"], n["owner"]) for n in numbers] == [
        ("+3725000001", "ann"),
        ("+3726000100", "Support"),
    ]
    support, mart, ann = node.group_id("Support"), node.user_id("mart"), node.user_id("ann")
    to_group = admin.post("/api/v1/numbers", json={"e164": "+3726000101", "group_id": support})
    assert to_group.status_code == 201, to_group.text
    assert to_group.json()["owner"] == "Support"
    node.until(lambda: directory_owner(node, "+3726000101") == support, "group number routed")
    to_user = admin.post("/api/v1/numbers", json={"e164": "+3725000002", "user_id": mart})
    assert to_user.status_code == 201 and to_user.json()["user_id"] == int(mart)
    node.until(lambda: directory_owner(node, "+3725000002") == mart, "direct number routed")

    ours = admin.post("/api/v1/numbers", json={"e164": "+3726000100", "user_id": mart})
    assert ours.status_code == 409 and "group 'Support'" in ours.json()["detail"]
    theirs = admin.post("/api/v1/numbers", json={"e164": "+3726000900", "user_id": mart})
    assert theirs.status_code == 409 and "another company" in theirs.json()["detail"]

    assert admin.patch(f"/api/v1/users/{ann}", json={"presented_number": "+3726000101"}).is_success
    moved = admin.put(f"/api/v1/numbers/{to_group.json()['id']}", json={"user_id": mart})
    assert moved.status_code == 200 and moved.json()["owner"] == "mart"
    assert admin.get(f"/api/v1/users/{ann}").json()["presented_number"] is None
    node.until(lambda: directory_owner(node, "+3726000101") == mart, "moved number routed")
    assert admin.delete(f"/api/v1/numbers/{to_user.json()['id']}").status_code == 204
    node.until(lambda: directory_owner(node, "+3725000002") is None, "number released")
    assert admin.delete(f"/api/v1/numbers/{to_user.json()['id']}").status_code == 404
    actions = audited(node)
    assert [a for a in actions if a.startswith("number.")] == [
        "number.assign",
        "number.assign",
        "number.move",
        "number.unassign",
    ]


def test_an_operator_manages_tenants(node: Node) -> None:
    olga = signed_in(node, "olga", "olga-password-1")
    tenants = olga.get("/api/v1/tenants").json()
    assert [(t["name"], t["users"]) for t in tenants] == [("Alpha OÜ", 3), ("Beta AS", 2)]
    made = olga.post(
        "/api/v1/tenants",
        json={"name": "Gamma", "sip_domain": "Gamma.Test", "recording": True},
    )
    assert made.status_code == 201, made.text
    gamma = made.json()
    assert (gamma["sip_domain"], gamma["recording_retention_days"]) == ("gamma.test", 30)
    assert (gamma["call_center"], gamma["recording"]) == (False, True)
    for again in (
        {"name": "Gamma", "sip_domain": "other.test"},
        {"name": "G", "sip_domain": "gamma.test"},
    ):
        assert olga.post("/api/v1/tenants", json=again).status_code == 409
    tid = gamma["id"]
    changed = olga.patch(
        f"/api/v1/tenants/{tid}", json={"call_center": True, "recording_retention_days": 60}
    )
    assert changed.status_code == 200
    assert (changed.json()["call_center"], changed.json()["recording_retention_days"]) == (True, 60)
    assert olga.get(f"/api/v1/tenants/{tid}").json() == changed.json()
    for wrong in ({"recording_retention_days": 45}, {"sip_domain": "x.test"}, {"recording": "x"}):
        refused = olga.patch(f"/api/v1/tenants/{tid}", json=wrong)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] in wrong
    assert olga.get("/api/v1/tenants/99999").status_code == 404

    first = olga.post(f"/api/v1/tenants/{tid}/admins", json={"username": "gert"})
    assert first.status_code == 201 and first.json()["rights"] == ["tenant_admin"]
    second = olga.post(f"/api/v1/tenants/{tid}/admins", json={"username": "gus"})
    assert second.status_code == 409
    gert = signed_in(node, "gert", first.json()["password"])
    assert [u["username"] for u in gert.get("/api/v1/users").json()] == ["gert"]
    agent = gert.post("/api/v1/users", json={"username": "gia", "rights": ["agent"]})
    assert agent.status_code == 201
    assert olga.get("/api/v1/users").status_code == 403  # operators do not run companies
    actions = audited(node)
    assert actions.count("tenant.create") == 1 and actions.count("tenant.update") == 1


def alpha_paths(node: Node) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every tenant-admin route, aimed at Alpha's objects."""
    ann, support = node.user_id("ann"), node.group_id("Support")
    device = node.query(
        lambda s: s.scalar(select(Device.id).where(Device.sip_username == "ann-desk"))
    )
    number = node.query(lambda s: s.scalar(select(Number.id).where(Number.e164 == "+3725000001")))
    return [
        ("GET", f"/api/v1/users/{ann}", None),
        ("PATCH", f"/api/v1/users/{ann}", {"display_name": "x"}),
        ("DELETE", f"/api/v1/users/{ann}", None),
        ("GET", f"/api/v1/users/{ann}/devices", None),
        ("POST", f"/api/v1/users/{ann}/devices", {"kind": "mobile", "sip_username": "zz-1"}),
        ("DELETE", f"/api/v1/users/{ann}/devices/{device}", None),
        ("PUT", f"/api/v1/numbers/{number}", {"group_id": int(support)}),
        ("DELETE", f"/api/v1/numbers/{number}", None),
    ]


def test_other_companies_objects_are_not_found(node: Node) -> None:
    before = snapshot(node)
    bea = signed_in(node, "bea", "bea-password-1")
    for method, path, body in alpha_paths(node):
        answer = bea.request(method, path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
    bert = node.user_id("bert")
    bert_device = node.query(
        lambda s: s.scalar(select(Device.id).where(Device.sip_username == "bert-mobile"))
    )
    admin = signed_in(node, "aadu", "aadu-password-1")
    assert admin.delete(f"/api/v1/users/{bert}/devices/{bert_device}").status_code == 404
    for body in (
        {"e164": "+3725000077", "user_id": int(bert)},
        {"e164": "+3725000077", "group_id": int(node.group_id("Beta support"))},
    ):
        refused = admin.post("/api/v1/numbers", json=body)
        assert refused.status_code == 422, refused.text  # a body naming Beta's user or group
    assert {u["username"] for u in bea.get("/api/v1/users").json()} == {"bea", "bert"}
    assert {n["e164"] for n in bea.get("/api/v1/numbers").json()} == {
        "+3725000009",
        "+3726000900",
    }
    assert snapshot(node) == before


def test_users_without_the_right_are_refused(node: Node) -> None:
    before = snapshot(node)
    tenant_routes = [
        *alpha_paths(node),
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {"username": "zed"}),
        ("GET", "/api/v1/numbers", None),
        ("POST", "/api/v1/numbers", {"e164": "+3725000077", "user_id": 1}),
    ]
    operator_routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/v1/tenants", None),
        ("POST", "/api/v1/tenants", {"name": "Z", "sip_domain": "z.test"}),
        ("GET", "/api/v1/tenants/1", None),
        ("PATCH", "/api/v1/tenants/1", {"recording": True}),
        ("POST", "/api/v1/tenants/1/admins", {"username": "zed"}),
    ]
    who: list[tuple[str, str, list[tuple[str, str, dict[str, Any] | None]]]] = [
        ("ann", "ann-password-1", tenant_routes + operator_routes),  # agent
        ("mart", "mart-password-1", tenant_routes + operator_routes),  # manager
        ("olga", "olga-password-1", tenant_routes),  # operator
        ("aadu", "aadu-password-1", operator_routes),  # tenant admin
    ]
    for username, password, routes in who:
        client = signed_in(node, username, password)
        for method, path, body in routes:
            answer = client.request(method, path, json=body)
            assert answer.status_code == 403, (username, method, path, answer.text)
        # the right is checked before the body: a wrong body is still 403
        assert client.post(routes[-1][1], json={"nonsense": 1}).status_code == 403
    with httpx.Client(base_url=node.http, timeout=10) as anonymous:
        for method, path, body in tenant_routes + operator_routes:
            assert anonymous.request(method, path, json=body).status_code == 401
    assert snapshot(node) == before


BAD: list[tuple[str, Callable[[Node], str], dict[str, Any], str]] = [
    ("POST", lambda n: "/api/v1/users", {"username": "has space"}, "username"),
    ("POST", lambda n: "/api/v1/users", {"username": "zed", "rights": ["operator"]}, "rights"),
    ("POST", lambda n: "/api/v1/users", {"username": "zed", "operator": True}, "operator"),
    ("POST", lambda n: "/api/v1/users", {"username": "zed", "password": "short"}, "password"),
    ("POST", lambda n: "/api/v1/users", {"username": "zed", "email": "nope"}, "email"),
    ("PATCH", lambda n: f"/api/v1/users/{n.user_id('ann')}", {"disabled": "maybe"}, "disabled"),
    (
        "PATCH",
        lambda n: f"/api/v1/users/{n.user_id('ann')}",
        {"display_name": None},
        "display_name",
    ),
    (
        "PATCH",
        lambda n: f"/api/v1/users/{n.user_id('ann')}",
        {"presented_number": "123"},
        "presented_number",
    ),
    (
        "POST",
        lambda n: f"/api/v1/users/{n.user_id('ann')}/devices",
        {"kind": "fax", "sip_username": "ann-fax"},
        "kind",
    ),
    (
        "POST",
        lambda n: f"/api/v1/users/{n.user_id('ann')}/devices",
        {"kind": "mobile", "sip_username": "ann-2", "password": "short"},
        "password",
    ),
    ("POST", lambda n: "/api/v1/numbers", {"e164": "3725000077", "user_id": 1}, "e164"),
    ("POST", lambda n: "/api/v1/numbers", {"e164": "+3725000077"}, "user_id"),
    (
        "POST",
        lambda n: "/api/v1/numbers",
        {
            "e164": "+3725000077",
            "user_id": 1,
            "group_id": 1,
        },
        "group_id",
    ),
    ("POST", lambda n: "/api/v1/numbers", {"e164": "+3725000077", "user_id": 99999}, "user_id"),
]


def test_invalid_input_is_422_and_changes_nothing(node: Node) -> None:
    before = snapshot(node)
    admin = signed_in(node, "aadu", "aadu-password-1")
    for method, path, body, field in BAD:
        answer = admin.request(method, path(node), json=body)
        assert answer.status_code == 422, (path(node), body, answer.text)
        assert field in answer.json()["detail"][0]["loc"], (body, answer.json())
    olga = signed_in(node, "olga", "olga-password-1")
    for body, field in (
        ({"name": "Z", "sip_domain": "not a domain"}, "sip_domain"),
        ({"name": "", "sip_domain": "z.test"}, "name"),
        (
            {"name": "Z", "sip_domain": "z.test", "recording_retention_days": 90},
            "recording_retention_days",
        ),
    ):
        answer = olga.post("/api/v1/tenants", json=body)
        assert answer.status_code == 422 and field in answer.json()["detail"][0]["loc"]
    gamma = olga.post("/api/v1/tenants", json={"name": "Gamma", "sip_domain": "gamma.test"})
    no_call_center = gamma.json()["id"]
    first = olga.post(f"/api/v1/tenants/{no_call_center}/admins", json={"username": "gert"})
    gert = signed_in(node, "gert", first.json()["password"])
    agent = gert.post("/api/v1/users", json={"username": "gia", "rights": ["agent"]})
    assert agent.status_code == 422 and agent.json()["detail"][0]["loc"] == ["body", "rights"]
    after = snapshot(node)
    assert after["users"][: len(before["users"])] == before["users"]
    assert after["numbers"] == before["numbers"] and after["devices"] == before["devices"]
