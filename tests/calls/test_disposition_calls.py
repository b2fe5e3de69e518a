"""Disposition codes end to end: an agent codes the call they are on from the web app; a
group that requires a code keeps its agent in wrap-up after an uncoded call until the agent
dials ``*6<code>`` from a phone, and the caller who waited meanwhile rings the agent then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from helin.store.tables import AgentEvent, Call, DispositionCode
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node
from tests.web.conftest import api_client

MakeNode = Callable[[str], Node]

USERS = agent("alice", "+3725000001", devices=("desk", "mobile"))
GROUP = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  override: open
  queue: {{wrap_up: 1, disposition_required: true, wrap_up_max: 600, greeting_clip: null}}
  members: [alice]
  dispositions: [{{code: 1, name: Solved}}, {{code: 2, name: Call back}}]
"""


def test_codes_from_the_web_app_during_a_call_and_from_a_phone_after_one(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    peers.phone(node, "alice-desk", password("alice-desk"))
    node.until(lambda: node.device_count("alice") == 1, "alice's desk phone registered")
    node.log_in("alice")
    first = peers.call(node, SUPPORT, talk_ms=6000)
    node.until(lambda: node.agent_state("alice") == "on_call", "alice on the first call")
    with api_client(node.http, "alice", "alice-web-pass") as alice:
        last = alice.get("/api/v1/me/last-call").json()
        assert last["caller"] == "+3725550001" and last["required"] is True
        assert alice.put("/api/v1/me/last-call/disposition", json={"code": 1}).status_code == 204
    assert first.wait() == 0, first.report()
    node.until(lambda: node.agent_state("alice") == "available", "coded: the usual 1 s wrap-up")

    second = peers.call(node, SUPPORT, label="second", caller="+3725550002", talk_ms=2000)
    assert second.wait() == 0, second.report()
    node.until(lambda: node.agent_state("alice") == "wrap_up", "alice in wrap-up, uncoded")
    third = peers.call(node, SUPPORT, label="third", caller="+3725550003", talk_ms=2000)
    node.until(lambda: node.queued("Support") == 1, "the third caller waiting")
    began = node.query(
        lambda s: s.scalar(
            select(AgentEvent.at)
            .where(AgentEvent.kind == "wrap_up_start")
            .order_by(AgentEvent.id.desc())
        )
    )
    assert began is not None
    node.until(lambda: datetime.now(UTC) > began + timedelta(seconds=2), "2 s of wrap-up")
    assert node.agent_state("alice") == "wrap_up"  # longer than its 1 s: it waits for the code
    peers.phone(node, "alice-mobile", password("alice-mobile"), dial="*62")
    assert third.wait() == 0, third.report()  # alice's desk phone answered it
    codes = node.query(lambda s: {d.id: d.name for d in s.scalars(select(DispositionCode))})
    coded = node.query(
        lambda s: [
            (c.caller, codes.get(c.disposition_id or 0))
            for c in s.scalars(select(Call).order_by(Call.id))
        ]
    )
    assert coded == [
        ("+3725550001", "Solved"),
        ("+3725550002", "Call back"),
        ("+3725550003", None),
    ]
