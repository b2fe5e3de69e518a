"""A small driver for the ACD engine in tests: a fake clock and helpers to build a world."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from helin.acd import events as ev
from helin.acd.commands import AgentStateRecord, CallRecord, OfferCall, Output, PlayClip
from helin.acd.engine import AcdEngine
from helin.acd.model import GroupConfig, Policy, QueueSettings

T = TypeVar("T")

QUIET = QueueSettings(
    greeting_clip=None,
    comfort_clip=None,
    wrap_up=0,
    bounce_after_missed=0,
)
"""Queue settings with no clips, wrap-up or bouncing, so tests see only what they set."""


def _without_states(out: list[Output]) -> list[Output]:
    return [o for o in out if not isinstance(o, AgentStateRecord)]


class Harness:
    def __init__(self, *, seed: int = 0, start: float = 1_700_000_000.0) -> None:
        self.engine = AcdEngine(seed=seed)
        self.now = start
        self.log: list[Output] = []
        """Every output, state records included."""

    def send(self, event: ev.Event) -> list[Output]:
        """The event's outputs, without the agents' state records (they are in ``log``)."""
        out = self.engine.handle(event, self.now)
        self.log.extend(out)
        self.engine.check_invariants()
        return _without_states(out)

    def advance(self, seconds: float) -> list[Output]:
        """Move the clock, firing every timer due on the way, in order."""
        end = self.now + seconds
        out: list[Output] = []
        while (deadline := self.engine.next_deadline()) is not None and deadline <= end:
            self.now = max(self.now, deadline)
            out += self.engine.on_timer(self.now)
        self.now = end
        self.log.extend(out)
        self.engine.check_invariants()
        return _without_states(out)

    def clip_done(self, call_id: str) -> list[Output]:
        """Report the end of the last clip the engine asked to hear about for this call."""
        refs = [o.ref for o in of(PlayClip, self.log) if o.call_id == call_id and o.report]
        assert refs, f"no reported clip was played to {call_id}"
        return self.send(ev.ClipFinished(call_id=call_id, ref=refs[-1]))

    def group(
        self, group_id: str = "g", policy: Policy = Policy.SIMULTANEOUS, **settings: Any
    ) -> GroupConfig:
        config = GroupConfig(id=group_id, policy=policy, queue=replace(QUIET, **settings))
        self.send(ev.GroupConfigured(group=config))
        return config

    def agents(self, group_id: str, *agent_ids: str, weight: int = 1) -> None:
        """Add agents in this order, each logged in with one reachable device."""
        for order, agent_id in enumerate(agent_ids):
            self.send(
                ev.MemberAdded(group_id=group_id, agent_id=agent_id, order=order, weight=weight)
            )
            self.send(ev.DevicesReachable(agent_id=agent_id, count=1))
            self.send(ev.AgentLoggedIn(agent_id=agent_id, group_id=group_id))

    def call(self, call_id: str, group_id: str = "g") -> list[Output]:
        return self.send(ev.CallArrived(call_id=call_id, group_id=group_id, caller="+3725550000"))


def of(kind: type[T], outputs: list[Output]) -> list[T]:
    return [o for o in outputs if isinstance(o, kind)]


def offered(outputs: list[Output]) -> list[tuple[str, str]]:
    return [(o.call_id, o.agent_id) for o in of(OfferCall, outputs)]


def records(outputs: list[Output]) -> dict[str, CallRecord]:
    return {r.call_id: r for r in of(CallRecord, outputs)}
