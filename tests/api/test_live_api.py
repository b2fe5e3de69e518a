"""Live state over GET and the WebSocket, against a whole running helin over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.api.test_agent_api import CONFIG, signed_in
from tests.calls.node import Node


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


def support(state: dict[str, Any]) -> dict[str, Any]:
    [group] = [g for g in state["groups"] if g["name"] == "Support"]
    return group


def test_managers_see_every_group_agents_only_theirs_other_tenants_nothing(node: Node) -> None:
    manager = signed_in(node, "mart", "mart-password-1").get("/api/v1/live").json()
    assert [g["name"] for g in manager["groups"]] == ["Sales", "Support"]
    group = support(manager)
    assert group["open"] is True and group["queued"] == 0
    [ann] = group["members"]
    assert ann["name"] == "ann" and ann["logged_in"] is False
    assert [d["status"] for d in ann["devices"]] == ["unregistered"]
    agent = signed_in(node, "ann", "ann-password-1").get("/api/v1/live").json()
    assert [g["name"] for g in agent["groups"]] == ["Support"]
    other = signed_in(node, "bert", "bert-password-1").get("/api/v1/live").json()
    assert [g["name"] for g in other["groups"]] == ["Beta support"]


def test_the_websocket_pushes_a_change_at_once(node: Node) -> None:
    manager = signed_in(node, "mart", "mart-password-1")
    cookie = f"helin_session={manager.cookies['helin_session']}"
    url = node.http.replace("http://", "ws://") + "/api/v1/live/ws"
    with connect(url, additional_headers={"Cookie": cookie}, open_timeout=10) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert support(first)["agents"]["logged_in"] == 0
        agent = signed_in(node, "ann", "ann-password-1")
        support_id = support(first)["id"]
        assert (
            agent.put(f"/api/v1/me/groups/{support_id}", json={"logged_in": True}).status_code
            == 204
        )
        pushed = json.loads(socket.recv(timeout=5))
        assert support(pushed)["agents"]["logged_in"] == 1
        assert support(pushed)["members"][0]["logged_in"] is True


def test_the_websocket_refuses_strangers_and_other_sites(node: Node) -> None:
    url = node.http.replace("http://", "ws://") + "/api/v1/live/ws"
    with pytest.raises(InvalidStatus), connect(url, open_timeout=10) as socket:
        socket.recv(timeout=5)
    manager = signed_in(node, "mart", "mart-password-1")
    cookie = f"helin_session={manager.cookies['helin_session']}"
    headers = {"Cookie": cookie, "Origin": "http://evil.example"}
    with (
        pytest.raises(InvalidStatus),
        connect(url, additional_headers=headers, open_timeout=10) as s,
    ):
        s.recv(timeout=5)
    with httpx.Client(base_url=node.http) as anonymous:
        assert anonymous.get("/api/v1/live").status_code == 401
