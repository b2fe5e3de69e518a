"""The agent log, a day at a time: log-ins and log-outs, DND, wrap-ups, bounces and missed
rings of one agent, in time order, in the agent's time zone (their first group's). Managers
read their company's agents; an agent reads their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helin.api.context import ApiContext
from helin.api.schemas.history import AgentLogEntry, AgentLogPublic
from helin.api.services import export
from helin.api.services.errors import Forbidden, NotFound
from helin.api.services.export import Column, Kind
from helin.api.services.security import Principal, may_manage
from helin.store import users
from helin.store.calls import agentlog, history


@dataclass(frozen=True, slots=True)
class AgentChoice:
    user_id: int
    name: str


def _reader(me: Principal, agent_id: int | None) -> tuple[int, int | None]:
    """(the tenant, the agent asked for: None for 'the first one') as far as ``me`` may."""
    if me.tenant_id is None or not (may_manage(me) or me.agent):
        raise Forbidden("the agent log is for agents and managers")
    if may_manage(me):
        return me.tenant_id, agent_id
    if agent_id is not None and agent_id != me.user_id:
        raise Forbidden("an agent reads only their own log")
    return me.tenant_id, me.user_id


def agents(ctx: ApiContext, me: Principal) -> list[AgentChoice]:
    """The agents whose log ``me`` may read, by name."""
    tenant_id, only = _reader(me, None)
    with ctx.sessions() as session:
        found = [
            AgentChoice(u.id, u.display_name or u.username)
            for u in users.in_tenant(session, tenant_id)
            if u.agent and (only is None or u.id == only)
        ]
    return sorted(found, key=lambda a: (a.name.casefold(), a.user_id))


def agent_log(
    ctx: ApiContext,
    me: Principal,
    *,
    agent_id: int | None,
    day: date | None,
    everything: bool = False,
    now: datetime | None = None,
) -> AgentLogPublic:
    """Agent ``agent_id``'s log for the local ``day`` (today by default); with
    ``everything``, every state change too. ``agent_id`` None: the viewer if they are an
    agent, else the company's first agent."""
    tenant_id, wanted = _reader(me, agent_id)
    if wanted is None:
        if me.agent:
            wanted = me.user_id
        else:
            choices = agents(ctx, me)
            if not choices:
                raise NotFound("the company has no agents")
            wanted = choices[0].user_id
    with ctx.sessions() as session:
        agent = users.get(session, tenant_id, wanted)
        if agent is None:
            raise NotFound("no such agent")
        zone = ZoneInfo(history.agent_zone(session, tenant_id, wanted))
        chosen = day or (now or datetime.now(UTC)).astimezone(zone).date()
        start = datetime.combine(chosen, time(0), zone).astimezone(UTC)
        end = datetime.combine(chosen + timedelta(days=1), time(0), zone).astimezone(UTC)
        found = agentlog.agent_log(session, tenant_id, wanted, start, end, everything=everything)
        name = agent.display_name or agent.username
    entries = [
        AgentLogEntry(
            at=e.at.astimezone(zone),
            kind=e.kind,
            group_id=e.group_id,
            group_name=e.group_name,
            reason=e.reason,
            until=None if e.until is None else e.until.astimezone(zone),
            seconds=e.seconds,
            result=e.result,
            caller=e.caller,
            call_row_id=e.call_row,
            state=e.state,
        )
        for e in found
    ]
    return AgentLogPublic(
        agent_id=wanted,
        agent_name=name,
        day=chosen,
        timezone=zone.key,
        everything=everything,
        entries=entries,
    )


LOG_COLUMNS = [
    Column("at", Kind.TIME),
    Column("kind"),
    Column("group"),
    Column("until", Kind.TIME),
    Column("seconds", Kind.SECONDS),
    Column("result"),
    Column("caller"),
    Column("reason"),
]


def log_table(log: AgentLogPublic) -> export.Table:
    """The log as a table to export, the agent, day and time zone in its notes."""
    rows = [
        [e.at, e.kind, e.group_name, e.until, e.seconds, e.result, e.caller, e.reason]
        for e in log.entries
    ]
    notes: list[list[object]] = [
        ["agent", log.agent_name],
        ["day", log.day.isoformat()],
        ["time zone", log.timezone],
        ["state changes", "all" if log.everything else "activity left out"],
    ]
    return export.Table(f"{log.agent_name} {log.day.isoformat()}", LOG_COLUMNS, rows, notes)
