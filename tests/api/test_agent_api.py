"""The agent's API over real HTTP against a whole running helin: sign-in, CSRF, tokens,
log-in toggles, DND, presented number, the group call log, other tenants kept out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from helin.store.tables import AuditLog, AuthToken, User
from helin.store.tables.callcenter import Membership
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
        numbers: ["+3725000001"]
        devices: [{kind: softphone, sip_username: ann-desk, password: "ann-sip-secret"}]
      - username: mart
        password: "mart-password-1"
        rights: [manager]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        override: open
        members: [ann]
      - name: Sales
        numbers: ["+3726000200"]
        override: open
        members: []
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


def signed_in(node: Node, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=node.http, timeout=10)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def test_sign_in_session_csrf_and_sign_out(node: Node) -> None:
    with httpx.Client(base_url=node.http, timeout=10) as anonymous:
        assert anonymous.get("/api/v1/me").status_code == 401
        wrong = anonymous.post("/api/v1/auth/login", json={"username": "ann", "password": "x"})
        assert wrong.status_code == 401
        nobody = anonymous.post("/api/v1/auth/login", json={"username": "zed", "password": "x"})
        assert nobody.status_code == 401 and nobody.json() == wrong.json()
    client = signed_in(node, "ann", "ann-password-1")
    me = client.get("/api/v1/me").json()
    assert me["username"] == "ann" and me["rights"] == ["agent"] and me["dnd"] is False
    csrf = client.headers.pop("X-CSRF-Token")
    assert client.put("/api/v1/me/dnd", json={"on": True}).status_code == 403  # no CSRF header
    client.headers["X-CSRF-Token"] = csrf
    assert client.put("/api/v1/me/dnd", json={"on": True}).status_code == 204
    node.until(lambda: node.agent_state("ann") in ("dnd", "unreachable"), "DND in the engine")
    node.until(
        lambda: node.query(lambda s: s.scalar(select(User.dnd).where(User.username == "ann"))),
        "DND stored",
    )
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_personal_tokens_work_until_revoked(node: Node) -> None:
    client = signed_in(node, "ann", "ann-password-1")
    made = client.post("/api/v1/auth/tokens", json={"name": "my script"})
    assert made.status_code == 201
    token, token_id = made.json()["token"], made.json()["id"]
    with httpx.Client(base_url=node.http, timeout=10) as script:
        script.headers["Authorization"] = f"Bearer {token}"
        assert script.get("/api/v1/me").json()["username"] == "ann"
        assert script.put("/api/v1/me/dnd", json={"on": False}).status_code == 204  # no CSRF
        assert client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 204
        assert script.get("/api/v1/me").status_code == 401
    assert client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404
    actions = node.query(lambda s: list(s.scalars(select(AuditLog.action))))
    assert {"auth.login", "token.create", "token.revoke", "user.dnd"} <= set(actions)


def test_an_agent_logs_in_to_a_group_and_sets_the_presented_number(node: Node) -> None:
    client = signed_in(node, "ann", "ann-password-1")
    groups = client.get("/api/v1/me/groups").json()
    assert [(g["name"], g["logged_in"], g["open"]) for g in groups] == [("Support", False, True)]
    support = groups[0]["id"]
    assert client.put(f"/api/v1/me/groups/{support}", json={"logged_in": True}).status_code == 204
    node.until(lambda: node.query(lambda s: s.scalar(select(Membership.logged_in))), "login stored")
    assert client.get("/api/v1/me/groups").json()[0]["logged_in"] is True
    sales = node.group_id("Sales")
    assert client.put(f"/api/v1/me/groups/{sales}", json={"logged_in": True}).status_code == 404
    bad = client.put("/api/v1/me/presented-number", json={"number": "+3726000200"})
    assert bad.status_code == 422
    ok = client.put("/api/v1/me/presented-number", json={"number": "+3726000100"})
    assert ok.status_code == 204
    helin = node.helin
    assert helin is not None and helin.calls is not None
    ann = node.call(lambda: helin.calls.directory.users[node.user_id("ann")])  # type: ignore[union-attr]
    assert ann.presented_number == "+3726000100"
    assert client.put("/api/v1/me/groups", json={"logged_in": "maybe"}).status_code == 422


def test_other_tenants_groups_are_not_found(node: Node) -> None:
    support = node.group_id("Support")
    for username, password in (("bert", "bert-password-1"), ("ann", "ann-password-1")):
        client = signed_in(node, username, password)
        log = client.get(f"/api/v1/groups/{support}/calllog")
        if username == "ann":
            assert log.status_code == 200 and log.json() == []
        else:
            assert log.status_code == 404  # Beta's manager: Alpha's group does not exist
    manager = signed_in(node, "mart", "mart-password-1")
    assert manager.get(f"/api/v1/groups/{support}/calllog").status_code == 200
    beta = node.group_id("Beta support")
    assert manager.get(f"/api/v1/groups/{beta}/calllog").status_code == 404


def test_password_guessing_is_slowed_then_blocked(node: Node) -> None:
    with httpx.Client(base_url=node.http, timeout=30) as client:
        codes = [
            client.post(
                "/api/v1/auth/login", json={"username": "ann", "password": f"guess{n}"}
            ).status_code
            for n in range(10)
        ]
        assert codes == [401] * 10
        blocked = client.post(
            "/api/v1/auth/login", json={"username": "ann", "password": "ann-password-1"}
        )
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def _from(node: Node, address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any of 127.0.0.0/8)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=node.http, timeout=30, transport=transport)


def _sign_in(client: httpx.Client, password: str) -> int:
    body = {"username": "ann", "password": password}
    return client.post("/api/v1/auth/login", json=body).status_code


def test_guesses_from_elsewhere_never_lock_the_user_out_where_they_signed_in(
    tmp_path: Path,
) -> None:
    made = Node(tmp_path, CONFIG)
    made.settings = made.settings.model_copy(update={"signin_max_delay": 0.0})
    node = made.start()
    try:
        with (
            _from(node, "127.0.0.1") as ann,
            _from(node, "127.0.0.2") as attacker,
            _from(node, "127.0.0.3") as stranger,
        ):
            assert _sign_in(ann, "ann-password-1") == 200  # her usual address
            guesses = [_sign_in(attacker, f"guess{n}") for n in range(10)]
            assert guesses == [401] * 10
            # the user name is blocked: right or wrong, guesses from other addresses get 429
            assert _sign_in(attacker, "ann-password-1") == 429
            assert _sign_in(stranger, "ann-password-1") == 429
            assert _sign_in(ann, "ann-password-1") == 200  # ... but not where she signed in
            assert _sign_in(attacker, "guess-again") == 429  # her sign-in lifted nothing
            rows = node.query(
                lambda s: list(s.scalars(select(AuthToken.address).where(AuthToken.address != "")))
            )
            assert rows == ["127.0.0.1", "127.0.0.1"]
    finally:
        node.stop()


def test_the_trusted_address_is_still_blocked_by_its_own_failures(tmp_path: Path) -> None:
    made = Node(tmp_path, CONFIG)
    made.settings = made.settings.model_copy(
        update={"signin_max_delay": 0.0, "signin_block_after": 3}
    )
    node = made.start()
    try:
        with _from(node, "127.0.0.1") as ann:
            assert _sign_in(ann, "ann-password-1") == 200
            assert [_sign_in(ann, f"guess{n}") for n in range(3)] == [401] * 3
            assert _sign_in(ann, "ann-password-1") == 429  # the per-address block holds
    finally:
        node.stop()
