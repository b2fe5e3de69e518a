"""Disposition codes end to end: a group that requires a code keeps its agent in wrap-up
after a call until the agent dials ``*6<code>`` from a phone; the code lands on the call's
row, and the next caller, who waited meanwhile, rings the agent then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from helin.store.tables import AgentEvent, Call, DispositionCode
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node

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


def test_a_required_code_keeps_the_wrap_up_until_dialled(make_node: MakeNode, peers: Peers) -> None:
    node = make_node(company(USERS, GROUP))
    peers.phone(node, "alice-desk", password("alice-desk"))
    node.until(lambda: node.device_count("alice") == 1, "alice's desk phone registered")
    node.log_in("alice")
    first = peers.call(node, SUPPORT, talk_ms=2000)
    assert first.wait() == 0, first.report()
    node.until(lambda: node.agent_state("alice") == "wrap_up", "alice in wrap-up after the call")
    second = peers.call(node, SUPPORT, label="second", caller="+3725550002", talk_ms=2000)

    node.until(lambda: node.queued("Support") == 1, "the second caller waiting")
    began = node.query(
        lambda s: s.scalar(select(AgentEvent.at).where(AgentEvent.kind == "wrap_up_start"))
    )
    assert began is not None
    node.until(lambda: datetime.now(UTC) > began + timedelta(seconds=2), "2 s of wrap-up")
    assert node.agent_state("alice") == "wrap_up"  # longer than its 1 s: it waits for the code
    peers.phone(node, "alice-mobile", password("alice-mobile"), dial="*62")
    assert second.wait() == 0, second.report()  # alice's desk phone answered it
    call_back = node.query(
        lambda s: s.scalar(select(DispositionCode.id).where(DispositionCode.name == "Call back"))
    )
    coded = node.query(
        lambda s: [(c.caller, c.disposition_id) for c in s.scalars(select(Call).order_by(Call.id))]
    )
    assert coded == [("+3725550001", call_back), ("+3725550002", None)]
