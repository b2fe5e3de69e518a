"""Agent statistics: each agent's time in each state, offers, calls and rates per period.

Managers see every agent of their company; an agent sees only their own figures. The figures
are for one group's calls (the agent's other groups' calls count as ``other_group`` time) or,
with no group, for the agent over all groups at once (logged in to any). Every figure comes
from ``helin.stats.figures.agent_figures`` over counts summed from the agent rollups.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from helin.api.context import ApiContext
from helin.api.schemas.stats import (
    AgentFiguresPublic,
    AgentPeriodPublic,
    AgentRowPublic,
    AgentStatsPublic,
    PausedForPublic,
)
from helin.api.services import export
from helin.api.services.errors import Forbidden, NotFound
from helin.api.services.groups import NOT_FOUND as NOT_FOUND_GROUP
from helin.api.services.security import Principal, may_manage
from helin.api.services.stats import StatsQuery, check_range
from helin.stats.figures import AgentFigures, agent_figures
from helin.stats.metrics import ALL_GROUPS, FORMULAS, AgentCounts
from helin.store import groups, users
from helin.store.calls import history
from helin.store.stats.pauses import paused_by_reason
from helin.store.stats.series import agents_in, agents_seen, series_of


@dataclass(frozen=True, slots=True)
class AgentQuery:
    range: StatsQuery
    """The dates and interval (its group ids, thresholds and filters are not used)."""
    group_id: int | None = None
    """None: all groups at once."""
    agent_ids: tuple[int, ...] = ()
    """Empty: every agent the view lists (for an agent: themselves)."""


def view_zone(ctx: ApiContext, me: Principal, group_id: int | None) -> str:
    """The time zone a view's days are in: the group's, or the company's."""
    if me.tenant_id is None:
        raise Forbidden("agent statistics are for managers and agents")
    with ctx.sessions() as session:
        group = groups.get(session, me.tenant_id, group_id) if group_id else None
        return group.timezone if group else history.tenant_zone(session, me.tenant_id)


def agent_stats(ctx: ApiContext, me: Principal, query: AgentQuery) -> AgentStatsPublic:
    if me.tenant_id is None or not (may_manage(me) or me.agent):
        raise Forbidden("agent statistics are for managers and agents")
    managing = may_manage(me)
    if not managing and any(a != me.user_id for a in query.agent_ids):
        raise Forbidden("an agent sees only their own statistics")
    view = check_range(query.range)
    tenant = me.tenant_id
    with ctx.sessions() as session:
        group_name = None
        key = ALL_GROUPS
        if query.group_id is not None:
            group = groups.get(session, tenant, query.group_id)
            if group is None:
                raise NotFound(NOT_FOUND_GROUP)
            zone, group_name, key = group.timezone, group.name, group.id
        else:
            zone = history.tenant_zone(session, tenant)
        if not managing:
            user = users.get(session, tenant, me.user_id)
            chosen = [(me.user_id, (user.display_name or user.username) if user else me.username)]
        else:
            seen = agents_seen(session, tenant, key, view.first, view.last)
            if query.agent_ids:
                named = dict(seen)
                for agent_id in query.agent_ids:
                    if agent_id not in named:
                        user = users.get(session, tenant, agent_id)
                        if user is None:
                            raise NotFound("no such agent")
                        named[agent_id] = user.display_name or user.username
                chosen = [(a, named[a]) for a in query.agent_ids]
            else:
                chosen = seen
        found = series_of(
            session, [(a, zone) for a, _ in chosen], view, query.range.interval, agents_in(key)
        )
        by_reason = (
            paused_by_reason(session, tenant, [a for a, _ in chosen], view)
            if key == ALL_GROUPS
            else None
        )
    rows = []
    for agent_id, name in chosen:
        total, periods = AgentCounts(), []
        for row in found[agent_id]:
            total = total + row.counts
            figures = agent_figures(row.counts).as_dict()
            periods.append(AgentPeriodPublic(start=row.start, seconds=row.seconds, **figures))
        rows.append(
            AgentRowPublic(
                agent_id=agent_id,
                name=name,
                periods=periods,
                total=AgentFiguresPublic(**agent_figures(total).as_dict()),
                paused_by_reason=None
                if by_reason is None
                else [
                    PausedForPublic(
                        reason_id=p.reason_id, code=p.code, name=p.name, seconds=p.us / 1e6
                    )
                    for p in by_reason[agent_id]
                ],
            )
        )
    return AgentStatsPublic(
        since=query.range.since,
        until=query.range.until,
        interval=query.range.interval.value,
        group_id=query.group_id,
        group_name=group_name,
        timezone=zone,
        formulas=FORMULAS,
        agents=rows,
    )


FIGURES = [f.name for f in fields(AgentFigures)]
RATES = {"occupancy", "agent_answer_rate"}
COUNTS = {"offers", "answered", "outbound", "missed"} | {
    n for n in FIGURES if n.startswith("offers")
}


FORMULA_NOTES = ("logged_in", "occupancy", "agent_answer_rate", "missed", "agent_aht")


def _kind(name: str) -> export.Kind:
    if name in RATES:
        return export.Kind.PERCENT
    return export.Kind.NUMBER if name in COUNTS else export.Kind.SECONDS


def tables(stats: AgentStatsPublic) -> list[export.Table]:
    """The totals (a row per agent), then a row per agent and period."""
    figures = [export.Column(n, _kind(n)) for n in FIGURES]
    notes: list[list[str]] = [
        ["group", stats.group_name or "all groups"],
        ["time zone", stats.timezone],
        ["times", "seconds; the states add up to logged_in"],
        *([name, text] for name, text in stats.formulas.items() if name in FORMULA_NOTES),
    ]
    totals = export.Table(
        "agents",
        [export.Column("agent"), *figures],
        [[a.name, *(getattr(a.total, n) for n in FIGURES)] for a in stats.agents],
        notes,
    )
    periods = export.Table(
        "periods",
        [export.Column("agent"), export.Column("start", export.Kind.TIME), *figures],
        [
            [a.name, p.start, *(getattr(p, n) for n in FIGURES)]
            for a in stats.agents
            for p in a.periods
        ],
    )
    return [totals, periods]
