"""What the live view reads from the engine: a group's status and an agent's state."""

from __future__ import annotations

from collections.abc import Mapping

from helin.acd.model import AgentState, GroupStatus, MemberStatus
from helin.acd.state import Agent, Call, Group


def group_status(group: Group, calls: Mapping[str, Call], now: float) -> GroupStatus:
    """The group's opening, queue and members as they are at ``now``."""
    oldest = calls[group.queue[0][1]].arrived_at if group.queue else now
    return GroupStatus(
        group_id=group.id,
        open=group.is_open(now),
        queued=len(group.queue),
        longest_wait=now - oldest,
        members=tuple(
            MemberStatus(agent_id=aid, logged_in=m.logged_in, state=agent_state(m.agent))
            for aid, m in group.members.items()
        ),
    )


def agent_state(agent: Agent | None) -> AgentState:
    """What the agent is doing, the most important state first (None: an agent never seen)."""
    if agent is None or agent.devices <= 0:
        return AgentState.UNREACHABLE
    if agent.call is not None:
        return AgentState.ON_CALL
    if agent.offer is not None:
        return AgentState.RINGING
    if agent.personal:
        return AgentState.BUSY
    if agent.wrap_up:
        return AgentState.WRAP_UP
    if agent.dnd:
        return AgentState.DND
    return AgentState.AVAILABLE if agent.paused is None else AgentState.PAUSED


def state_group(agent: Agent, state: AgentState) -> str | None:
    """The group whose call ``state`` concerns (ringing, on a call, wrapping up), else None."""
    if state is AgentState.ON_CALL and agent.call is not None:
        return agent.call.group.id
    if state is AgentState.RINGING and agent.offer is not None:
        return agent.offer.call.group.id
    if state is AgentState.WRAP_UP:
        return agent.wrap_up_group
    return None


def state_reason(agent: Agent, state: AgentState) -> str | None:
    """The pause reason of a ``PAUSED`` state, else None."""
    return agent.paused if state is AgentState.PAUSED else None
