"""Tenants never see each other's data, checked for every endpoint of the API.

Beta's boss (agent, manager and tenant admin of Beta) tries every operation on Alpha's
objects, with a valid body, and must be answered 403 or 404 with Alpha's data unchanged; every
list Beta's boss reads must hold nothing of Alpha's. A meta-test keeps this honest: every
operation in the OpenAPI description must be in one of the tables below, so a new endpoint
fails here until its isolation is checked.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile
from sqlalchemy import select

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.store import db
from helin.store.calls import records
from helin.store.tables import (
    AuditLog,
    Call,
    Clip,
    Device,
    DispositionCode,
    Number,
    PauseReason,
    Recording,
    Tenant,
    User,
)
from tests.api.test_agent_api import signed_in
from tests.calls.node import Node

CONFIG = """\
version: 1
operators:
  - username: op
    password: "operator-password-1"
tenants:
  - name: Alpha OÜ
    sip_domain: alpha.test
    call_center: true
    recording: true
    pause_reasons: [{code: 1, name: Alpha lunch}]
    users:
      - username: alpha-boss
        password: "alpha-password-1"
        rights: [agent, manager, tenant_admin]
        numbers: ["+3725000001"]
        devices: [{kind: softphone, sip_username: alpha-desk, password: "alpha-sip-secret"}]
    groups:
      - name: Alpha support
        numbers: ["+3726000100"]
        override: open
        members: [alpha-boss]
        dispositions: [{code: 1, name: Alpha sale}]
  - name: Beta AS
    sip_domain: beta.test
    call_center: true
    recording: true
    users:
      - username: beta-boss
        password: "beta-password-1"
        rights: [agent, manager, tenant_admin]
        numbers: ["+3725000009"]
    groups:
      - name: Beta support
        numbers: ["+3726000900"]
        members: [beta-boss]
"""

SELF_SCOPED = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/auth/tokens"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/me/groups"),
    ("PUT", "/api/v1/me/groups"),
    ("PUT", "/api/v1/me/dnd"),
    ("PUT", "/api/v1/me/presented-number"),
    ("PUT", "/api/v1/me/pause"),
    ("GET", "/api/v1/me/last-call"),
    ("PUT", "/api/v1/me/last-call/disposition"),
    ("POST", "/api/v1/pause-reasons"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/clips"),
    ("POST", "/api/v1/numbers"),
    ("POST", "/api/v1/groups"),
    ("POST", "/api/v1/report-orders"),
}
"""Operations that act only on the caller or create in the caller's own company; their own
tests check them (the number test below checks POST /numbers with Alpha's number)."""

OPERATOR_ONLY = {
    ("GET", "/api/v1/tenants"),
    ("POST", "/api/v1/tenants"),
    ("GET", "/api/v1/tenants/{tenant_id}"),
    ("PATCH", "/api/v1/tenants/{tenant_id}"),
    ("POST", "/api/v1/tenants/{tenant_id}/admins"),
}
"""The provider's operations: any company's user gets 403."""

LISTS = {
    ("GET", "/api/v1/groups"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/numbers"),
    ("GET", "/api/v1/clips"),
    ("GET", "/api/v1/live"),
    ("GET", "/api/v1/calls"),
    ("GET", "/api/v1/agent-events"),
    ("GET", "/api/v1/recordings"),
    ("GET", "/api/v1/recording-access"),
    ("GET", "/api/v1/report-orders"),
    ("GET", "/api/v1/pause-reasons"),
}


def wav() -> bytes:
    out = io.BytesIO()
    tone = (3000 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype("int16")
    soundfile.write(out, tone, 8000, format="WAV", subtype="PCM_16")
    return out.getvalue()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    made = Node(tmp_path_factory.mktemp("isolation"), CONFIG).start()
    yield made
    made.stop()


@pytest.fixture(scope="module")
def alpha(node: Node) -> dict[str, Any]:
    """Alpha's objects: what Beta must not reach."""
    client = signed_in(node, "alpha-boss", "alpha-password-1")
    clip = client.post("/api/v1/clips", params={"name": "welcome"}, content=wav())
    assert clip.status_code == 201, clip.text
    token = client.post("/api/v1/auth/tokens", json={"name": "alpha's script"})
    assert token.status_code == 201, token.text
    assert client.put("/api/v1/me/groups", json={"logged_in": True}).status_code == 204

    def ids(session: Any) -> dict[str, Any]:
        return {
            "tenant_id": session.scalar(select(Tenant.id).where(Tenant.name == "Alpha OÜ")),
            "user_id": session.scalar(select(User.id).where(User.username == "alpha-boss")),
            "device_id": session.scalar(
                select(Device.id).where(Device.sip_username == "alpha-desk")
            ),
            "number_id": session.scalar(select(Number.id).where(Number.e164 == "+3725000001")),
            "clip_id": session.scalar(select(Clip.id).where(Clip.name == "welcome")),
            "reason_id": session.scalar(select(PauseReason.id)),
            "code_id": session.scalar(select(DispositionCode.id)),
        }

    found = node.query(ids)
    found["group_id"] = int(node.group_id("Alpha support"))

    def a_call(session: Any) -> int:
        records.write(
            session,
            [
                CallRecord(call_id="alpha-call", segment=0, group_id=str(found["group_id"]),
                           caller="+3725550001", number="+3726000100",
                           outcome=Outcome.ANSWERED, arrived_at=1.8e9, ended_at=1.8e9 + 60)
            ],
        )  # fmt: skip
        session.commit()
        row: int = session.scalar(select(Call.id).where(Call.call_id == "alpha-call"))
        return row

    found["row_id"] = node.query(a_call)
    found["token_id"] = token.json()["id"]
    found["recording_id"] = _recording(node, found["tenant_id"], found["group_id"])
    ordered = client.post(
        "/api/v1/report-orders",
        json={"report": "group_summary", "recipients": ["alpha@alpha.test"], "formats": ["csv"],
              "group_ids": [found["group_id"]], **DAY},
    )  # fmt: skip
    assert ordered.status_code == 201, ordered.text
    found["order_id"] = ordered.json()["id"]
    runs = f"/api/v1/report-orders/{found['order_id']}/runs"
    deadline = time.monotonic() + 20
    while not (made := client.get(runs).json()["items"][0]["files"]):
        assert time.monotonic() < deadline, "the report's files were not made"
        time.sleep(0.1)
    found["run_id"] = client.get(runs).json()["items"][0]["id"]
    found["file_id"] = made[0]["id"]
    heard = client.get(f"/api/v1/recordings/{found['recording_id']}/audio")
    assert heard.status_code == 200 and heard.content == RECORDING  # in Alpha's access log
    return found


RECORDING = b"fLaC" + bytes(range(256)) * 4


def _recording(node: Node, tenant_id: int, group_id: int) -> int:
    """A stored recording of Alpha's, as the uploader leaves one."""
    key = f"{tenant_id}/2026/12/10/alpha-call.flac"
    path = node.data / "recordings" / key
    path.parent.mkdir(parents=True)
    path.write_bytes(RECORDING)
    now = datetime.now(UTC)
    with db.session_factory(db.make_engine(node.url)).begin() as session:
        row = Recording(
            tenant_id=tenant_id,
            group_id=group_id,
            call_id="alpha-call",
            caller="+3725550001",
            number="+3726000100",
            path=key,
            storage="files",
            format="flac",
            size_bytes=len(RECORDING),
            sha256="0" * 64,
            duration=1.0,
            created_at=now,
            started_at=now,
            stored_at=now,
            retained_until=now + timedelta(days=30),
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture(scope="module")
def beta(node: Node) -> httpx.Client:
    return signed_in(node, "beta-boss", "beta-password-1")


DAY = {"since": "2026-10-25", "until": "2026-10-25"}


def cases(a: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, request keywords) for every operation on one of Alpha's objects."""
    json = "json"
    return [
        ("DELETE", "/api/v1/auth/tokens/{token_id}", {}),
        ("PUT", "/api/v1/me/groups/{group_id}", {json: {"logged_in": True}}),
        ("GET", "/api/v1/groups/{group_id}/calllog", {}),
        ("GET", "/api/v1/calls/{row_id}", {}),
        ("GET", "/api/v1/agent-log", {"params": {"agent_id": a["user_id"]}}),
        ("GET", "/api/v1/stats/groups", {"params": {"group_id": a["group_id"], **DAY}}),
        ("GET", "/api/v1/stats/agents", {"params": {"group_id": a["group_id"], **DAY}}),
        ("GET", "/api/v1/stats/agents", {"params": {"agent_id": a["user_id"], **DAY}}),
        ("PATCH", "/api/v1/pause-reasons/{reason_id}", {json: {"name": "Mallory"}}),
        ("GET", "/api/v1/groups/{group_id}/dispositions", {}),
        ("POST", "/api/v1/groups/{group_id}/dispositions", {json: {"code": 2, "name": "x"}}),
        ("PATCH", "/api/v1/groups/{group_id}/dispositions/{code_id}", {json: {"name": "x"}}),
        ("GET", "/api/v1/stats/dispositions", {"params": {"group_id": a["group_id"], **DAY}}),
        ("GET", "/api/v1/groups/{group_id}", {}),
        ("PATCH", "/api/v1/groups/{group_id}", {json: {"policy": "uniform"}}),
        ("PUT", "/api/v1/groups/{group_id}/override", {json: {"mode": "closed"}}),
        ("PUT", "/api/v1/groups/{group_id}/hours", {json: {"hours": {}}}),
        ("PUT", "/api/v1/groups/{group_id}/members/{user_id}", {json: {}}),
        ("DELETE", "/api/v1/groups/{group_id}/members/{user_id}", {}),
        ("GET", "/api/v1/groups/{group_id}/candidates", {}),
        ("DELETE", "/api/v1/groups/{group_id}", {}),
        ("PUT", "/api/v1/numbers/{number_id}", {json: {"group_id": None, "user_id": None}}),
        ("DELETE", "/api/v1/numbers/{number_id}", {}),
        ("GET", "/api/v1/users/{user_id}", {}),
        ("PATCH", "/api/v1/users/{user_id}", {json: {"display_name": "Mallory"}}),
        ("DELETE", "/api/v1/users/{user_id}", {}),
        ("GET", "/api/v1/users/{user_id}/devices", {}),
        (
            "POST",
            "/api/v1/users/{user_id}/devices",
            {json: {"kind": "softphone", "sip_username": "planted-phone"}},
        ),
        ("DELETE", "/api/v1/users/{user_id}/devices/{device_id}", {}),
        ("GET", "/api/v1/clips/{clip_id}", {}),
        ("DELETE", "/api/v1/clips/{clip_id}", {}),
        ("PUT", "/api/v1/clips/{clip_id}/file", {"content": wav()}),
        ("GET", "/api/v1/clips/{clip_id}/audio", {}),
        ("GET", "/api/v1/recordings/{recording_id}", {}),
        ("PATCH", "/api/v1/recordings/{recording_id}", {json: {"keep": True}}),
        ("DELETE", "/api/v1/recordings/{recording_id}", {}),
        ("GET", "/api/v1/recordings/{recording_id}/audio", {}),
        ("GET", "/api/v1/report-orders/{order_id}", {}),
        (
            "PUT",
            "/api/v1/report-orders/{order_id}",
            {json: {"report": "call_detail", "recipients": ["mallory@beta.test"], **DAY}},
        ),
        ("DELETE", "/api/v1/report-orders/{order_id}", {}),
        ("POST", "/api/v1/report-orders/{order_id}/send", {}),
        ("GET", "/api/v1/report-orders/{order_id}/runs", {}),
        ("GET", "/api/v1/report-runs/{run_id}/files/{file_id}", {}),
        ("GET", "/api/v1/tenants/{tenant_id}", {}),
        ("PATCH", "/api/v1/tenants/{tenant_id}", {json: {"recording_retention_days": 60}}),
        (
            "POST",
            "/api/v1/tenants/{tenant_id}/admins",
            {json: {"username": "planted-admin", "password": "planted-pass-1"}},
        ),
    ]


def test_every_operation_is_checked_here(node: Node, alpha: dict[str, Any]) -> None:
    with httpx.Client(base_url=node.http, timeout=10) as client:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
    operations = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    checked = SELF_SCOPED | OPERATOR_ONLY | LISTS | {(m, p) for m, p, _ in cases(alpha)}
    assert operations - checked == set(), "operations without an isolation check"
    assert checked - operations == set(), "checks of operations that no longer exist"


def test_another_companys_objects_are_out_of_reach(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    before = node.query(lambda s: len(list(s.scalars(select(AuditLog)))))
    for method, template, request in cases(alpha):
        answer = beta.request(method, template.format(**alpha), **request)
        allowed = {403} if (method, template) in OPERATOR_ONLY else {403, 404}
        assert answer.status_code in allowed, (method, template, answer.status_code, answer.text)
    # nothing of Alpha's changed hands or content
    assert node.query(lambda s: len(list(s.scalars(select(AuditLog))))) == before
    alpha_client = signed_in(node, "alpha-boss", "alpha-password-1")
    assert alpha_client.get(f"/api/v1/clips/{alpha['clip_id']}").status_code == 200
    me = alpha_client.get("/api/v1/me").json()
    assert me["display_name"] != "Mallory"
    group = alpha_client.get(f"/api/v1/groups/{alpha['group_id']}").json()
    assert group["policy"] != "uniform"
    recording = alpha_client.get(f"/api/v1/recordings/{alpha['recording_id']}")
    assert recording.status_code == 200 and recording.json()["kept"] is False


def test_lists_show_nothing_of_another_company(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    for method, path in sorted(LISTS):
        answer = beta.request(method, path)
        assert answer.status_code == 200, (path, answer.text)
        text = answer.text
        for mark in ("Alpha", "alpha-", "+3726000100", "+3725000001", "welcome"):
            assert mark not in text, (path, mark)
    events = beta.get("/api/v1/agent-events").json()["items"]
    assert alpha["user_id"] not in {e["agent_id"] for e in events}
    assert beta.get("/api/v1/agent-events", params={"agent_id": alpha["user_id"]}).json() == {
        "total": 0,
        "items": [],
    }


def test_a_number_of_another_company_cannot_be_taken(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    beta_group = int(node.group_id("Beta support"))
    taken = beta.post("/api/v1/numbers", json={"e164": "+3725000001", "group_id": beta_group})
    assert taken.status_code == 409 and "Alpha" not in taken.text
    # and another company's user cannot be made a member of my group
    member = beta.put(f"/api/v1/groups/{beta_group}/members/{alpha['user_id']}", json={})
    assert member.status_code in (404, 422) and "alpha" not in member.text.lower()


def test_no_report_is_ordered_about_another_companys_group(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    answer = beta.post(
        "/api/v1/report-orders",
        json={"report": "group_summary", "recipients": ["mallory@beta.test"],
              "group_ids": [alpha["group_id"]], **DAY},
    )  # fmt: skip
    assert answer.status_code == 422 and "Alpha" not in answer.text
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", "group_ids", 0]]
    alpha_client = signed_in(node, "alpha-boss", "alpha-password-1")
    order = alpha_client.get(f"/api/v1/report-orders/{alpha['order_id']}").json()
    assert order["report"] == "group_summary" and order["recipients"] == ["alpha@alpha.test"]


def test_statistics_show_only_the_companys_own_groups(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    answer = beta.get("/api/v1/stats/groups", params=DAY)
    assert answer.status_code == 200, answer.text
    names = [group["name"] for group in answer.json()["groups"]]
    assert names == ["Beta support"]
    csv = beta.get("/api/v1/stats/groups", params={**DAY, "format": "csv"}).text
    assert "Alpha" not in csv and "Beta support" in csv
    agents = beta.get("/api/v1/stats/agents", params=DAY)
    assert agents.status_code == 200, agents.text
    assert str(alpha["user_id"]) not in [str(a["agent_id"]) for a in agents.json()["agents"]]
    assert "alpha" not in agents.text.lower()


def test_another_companys_pause_reason_cannot_be_used(
    node: Node, alpha: dict[str, Any], beta: httpx.Client
) -> None:
    answer = beta.put("/api/v1/me/pause", json={"reason_id": alpha["reason_id"]})
    assert answer.status_code == 422, answer.text
    assert beta.get("/api/v1/me").json()["pause"] is None
    assert node.query(lambda s: s.get(PauseReason, alpha["reason_id"]).name) == "Alpha lunch"
