"""The ACD runtime on a real asyncio loop: records and commands flow, timers fire."""

from __future__ import annotations

import asyncio

from helin.acd import events as ev
from helin.acd.commands import CancelOffer, Command, OfferCall, OfferRecord, Record
from helin.acd.engine import AcdEngine
from helin.acd.model import AgentState, GroupConfig, Policy, QueueSettings
from helin.switch.runtime import AcdRuntime


def test_ring_timeout_fires_on_the_event_loop() -> None:
    commands: list[Command] = []
    records: list[Record] = []
    rang_twice = asyncio.Event()

    def on_commands(batch: list[Command]) -> None:
        commands.extend(batch)
        if sum(isinstance(c, OfferCall) for c in commands) >= 2:
            rang_twice.set()

    async def scenario() -> None:
        runtime = AcdRuntime(AcdEngine(), on_commands=on_commands, on_records=records.extend)
        settings = QueueSettings(ring_timeout=0.05, greeting_clip=None, bounce_after_missed=0)
        group = GroupConfig(id="g", policy=Policy.REGULAR, queue=settings)
        runtime.restore(
            [
                ev.GroupConfigured(group=group),
                ev.MemberAdded(group_id="g", agent_id="a", logged_in=True),
                ev.DevicesReachable(agent_id="a", count=1),
            ]
        )
        runtime.feed(ev.CallArrived(call_id="c1", group_id="g"))
        await asyncio.wait_for(rang_twice.wait(), timeout=10)
        runtime.close()

    asyncio.run(scenario())
    assert any(isinstance(c, CancelOffer) for c in commands)
    assert [r.result.value for r in records if isinstance(r, OfferRecord)][:1] == ["no_answer"]
    assert all(not isinstance(c, OfferRecord) for c in commands)


def test_restore_emits_only_the_agents_states() -> None:
    commands: list[object] = []
    records: list[object] = []

    async def scenario() -> None:
        runtime = AcdRuntime(AcdEngine(), on_commands=commands.extend, on_records=records.extend)
        runtime.restore(
            [
                ev.GroupConfigured(group=GroupConfig(id="g", policy=Policy.REGULAR)),
                ev.MemberAdded(group_id="g", agent_id="a", logged_in=True),
                ev.DndChanged(agent_id="a", on=True),
            ]
        )
        runtime.close()

    asyncio.run(scenario())
    assert commands == []
    # no log-in or DND event is new, but where the agent stands now is
    assert [(r.agent_id, r.state) for r in records] == [("a", AgentState.UNREACHABLE)]  # type: ignore[attr-defined]
