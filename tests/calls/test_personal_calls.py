"""Direct calls, calls out with a group's number, DND and feature codes, end to end."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import soundfile
from sqlalchemy import select

from helin.acd.model import Outcome
from helin.store.calls import calllog
from helin.store.tables import Call, Recording, User
from helin.store.tables.callcenter import Membership
from helin.store.tables.enums import Direction
from tests.calls.company import OUTSIDE, SALES, SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node

MakeNode = Callable[[str], Node]

USERS = agent("alice", "+3725000001", presented_number=SUPPORT) + agent("bob", "+3725000002")
GROUPS = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: regular
  override: open
  members: [alice, bob]
- name: Sales
  numbers: ["{SALES}"]
  policy: regular
  override: open
  members: [bob]
"""


def calls(node: Node) -> list[Call]:
    return node.query(lambda s: list(s.scalars(select(Call).order_by(Call.id))))


def stored_recordings(node: Node, count: int = 1) -> list[Recording]:
    """The recordings stored so far, once ``count`` are."""

    def stored() -> list[Recording]:
        query = select(Recording).where(Recording.stored_at.is_not(None))
        return node.query(lambda s: list(s.scalars(query)))

    node.until(lambda: len(stored()) >= count, "the recording stored")
    return stored()


def closed_calls(node: Node, count: int = 1) -> list[Call]:
    node.until(lambda: sum(c.outcome is not None for c in calls(node)) >= count, "call records")
    return calls(node)


def test_a_direct_call_rings_the_users_phone_and_keeps_them_from_group_calls(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS))
    phone = peers.sipp_phone(node, "bob-desk", password("bob-desk"), "device_answers")
    node.until(lambda: node.device_count("bob") == 1, "bob's phone registered")
    node.log_in("bob")
    caller = peers.call(node, "+3725000002", talk_ms=3000)
    node.until(lambda: node.agent_state("bob") == "busy", "bob busy on his own call")
    assert caller.wait() == 0, caller.report()
    assert phone.wait() == 0, phone.report()
    [call] = closed_calls(node)
    assert call.direction is Direction.DIRECT and call.outcome is Outcome.ANSWERED
    assert call.agent_id == int(node.user_id("bob")) and call.group_id is None
    node.until(lambda: node.agent_state("bob") == "available", "bob free again")


def test_dnd_from_a_phone_refuses_direct_calls_with_486(make_node: MakeNode, peers: Peers) -> None:
    node = make_node(company(USERS, GROUPS))
    peers.phone(node, "bob-desk", password("bob-desk"), dial="*78")
    node.until(lambda: node.agent_state("bob") == "dnd", "bob on DND by *78")
    assert node.query(lambda s: s.scalar(select(User.dnd).where(User.username == "bob")))
    caller = peers.call(node, "+3725000002", scenario="caller_refused")
    assert caller.wait() == 0, caller.report()
    [call] = closed_calls(node)
    assert call.direction is Direction.DIRECT and call.outcome is Outcome.UNANSWERED


def test_a_call_out_shows_the_presented_group_number_to_the_trunk(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS))
    trunk = peers.trunk()
    # baresip hangs up when its 3-second WAV runs dry
    peers.phone(node, "alice-desk", password("alice-desk"), dial=OUTSIDE, seconds=3.0)
    assert trunk.wait() == 0, trunk.report()
    invite = next(m for m in trunk.received() if m.startswith("INVITE"))
    assert invite.startswith(f"INVITE sip:{OUTSIDE}@127.0.0.2:")
    assert f'P-Asserted-Identity: "Support" <sip:{SUPPORT}@127.0.0.1' in invite
    assert f'From: "Support" <sip:{SUPPORT}@127.0.0.1' in invite
    [call] = closed_calls(node)
    assert call.direction is Direction.OUTBOUND and call.outcome is Outcome.ANSWERED
    assert call.caller == SUPPORT and call.number == OUTSIDE
    assert call.group_id == int(node.group_id("Support"))
    log = node.query(lambda s: calllog.group_call_log(s, int(node.group_id("Support"))))
    assert [(e.direction, e.missed) for e in log] == [(Direction.OUTBOUND, False)]
    [recording] = stored_recordings(node)  # a call out with a group's number is recorded
    assert recording.call_row_id == call.id and recording.direction is Direction.OUTBOUND
    assert recording.group_id == call.group_id and recording.agent_id == call.agent_id
    assert recording.caller == SUPPORT and recording.number == OUTSIDE
    audio, rate = soundfile.read(node.data / "recordings" / recording.path)
    assert rate == 8000 and audio.shape[1] == 2
    # the agent (baresip's tone) is on the right; the trunk (silent) on the left
    assert np.abs(audio[:, 1]).mean() > 10 * np.abs(audio[:, 0]).mean()


def test_the_dial_prefix_presents_another_group_for_one_call(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS))
    trunk = peers.trunk()
    sales = node.group_id("Sales")
    peers.phone(node, "bob-desk", password("bob-desk"), dial=f"*8{sales}*{OUTSIDE}", seconds=3.0)
    assert trunk.wait() == 0, trunk.report()
    invite = next(m for m in trunk.received() if m.startswith("INVITE"))
    assert f'P-Asserted-Identity: "Sales" <sip:{SALES}@' in invite
    [call] = closed_calls(node)
    assert call.group_id == int(sales) and call.caller == SALES
    [recording] = stored_recordings(node)  # the one-call prefix makes it Sales's: recorded
    assert recording.group_id == int(sales) and recording.direction is Direction.OUTBOUND


def test_a_call_out_with_the_users_own_number_is_not_recorded(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS))
    trunk = peers.trunk()
    peers.phone(node, "bob-desk", password("bob-desk"), dial=OUTSIDE, seconds=2.0)
    assert trunk.wait() == 0, trunk.report()
    [call] = closed_calls(node)
    assert call.group_id is None and call.caller == "+3725000002"
    layer = node.helin.calls if node.helin is not None else None
    assert layer is not None
    # released: a recording, had there been one, is finished and its record written
    node.until(lambda: node.call(lambda: not layer.calls), "the call released")
    assert node.query(lambda s: list(s.scalars(select(Recording)))) == []
    assert not list((node.data / "spool").rglob("*.wav"))


def test_feature_codes_log_out_and_in_per_group_and_persist(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUPS))
    node.log_in("bob")
    bob = node.user_id("bob")
    sales = node.group_id("Sales")

    def logged_in() -> dict[int, bool]:
        return node.query(
            lambda s: {
                m.group_id: m.logged_in
                for m in s.scalars(select(Membership).where(Membership.user_id == int(bob)))
            }
        )

    node.until(lambda: all(logged_in().values()), "bob logged in to both groups")
    peers.phone(node, "bob-desk", password("bob-desk"), dial=f"*41{sales}")
    node.until(lambda: not logged_in()[int(sales)], "bob logged out of Sales by *41<group>")
    assert logged_in()[int(node.group_id("Support"))]
