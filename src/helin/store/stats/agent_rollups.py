"""Keeping the agent rollups: each agent's track, its contributions, and rebuilding them.

``AgentFold`` runs ``helin.stats.agent_time`` over a batch of records: it reads the tracks of
the agents the batch names from ``agent_tracks``, folds their records in order, and on
``flush`` adds the contributions to ``agent_intervals`` and ``agent_days`` (one upsert per
row) and the paused time by reason to ``agent_pauses``, writes the tracks back, and hands each
finished wrap-up to the group rollups. ``rebuild``
replays the stored rows of each agent through a fresh fold, so both ways give the same sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from helin.acd.model import AgentState, OfferResult, Outcome
from helin.stats import agent_time
from helin.stats.agent_time import Contribution, Paused, Track, WrapUp
from helin.stats.metrics import ALL_GROUPS, AgentCounts
from helin.store.calls import history
from helin.store.stats.rollups import Pending, counts_upsert
from helin.store.tables import (
    AgentEvent,
    Call,
    Group,
    Offer,
    User,
    agent_days,
    agent_intervals,
    agent_pauses,
    agent_tracks,
)
from helin.store.tables.enums import AgentEventKind, Direction

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOLDED = (
    AgentEventKind.STATE,
    AgentEventKind.LOGIN,
    AgentEventKind.LOGOUT,
    AgentEventKind.WRAP_UP_START,
    AgentEventKind.WRAP_UP_END,
)
"""The agent events the fold reads."""
_FIELDS = [name for name in AgentCounts.__dataclass_fields__]


def us_of(moment: datetime) -> int:
    """A stored moment as whole microseconds since the epoch (exact, as the fold counts)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


class Zones:
    """The time zones agent days are kept in: a group's own, and for ``ALL_GROUPS`` the
    company's (``history.tenant_zone``: its first group's)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._groups: dict[int, tuple[int, ZoneInfo] | None] = {}
        self._agents: dict[int, tuple[int, ZoneInfo] | None] = {}
        self._tenants: dict[int, ZoneInfo] = {}

    def learn(self, groups: Iterable[int], agents: Iterable[int]) -> None:
        """Look up these groups and agents at once (a batch's), before they are asked for."""
        wanted = set(groups) - set(self._groups)
        if wanted:
            found = self.session.execute(
                select(Group.id, Group.tenant_id, Group.timezone).where(Group.id.in_(wanted))
            )
            for row in found:
                self._groups[row.id] = (row.tenant_id, ZoneInfo(row.timezone))
        people = set(agents) - set(self._agents)
        if people:
            found = self.session.execute(select(User.id, User.tenant_id).where(User.id.in_(people)))
            for row in found:
                self._agents[row.id] = None if row.tenant_id is None else (
                    row.tenant_id, self._tenant_zone(row.tenant_id)
                )  # fmt: skip

    def _tenant_zone(self, tenant: int) -> ZoneInfo:
        if tenant not in self._tenants:
            self._tenants[tenant] = ZoneInfo(history.tenant_zone(self.session, tenant))
        return self._tenants[tenant]

    def of_group(self, group_id: int) -> tuple[int, ZoneInfo] | None:
        """(tenant, zone) of a group; None for a group that no longer exists."""
        if group_id not in self._groups:
            self.learn([group_id], [])
            self._groups.setdefault(group_id, None)
        return self._groups[group_id]

    def of_agent(self, agent_id: int) -> tuple[int, ZoneInfo] | None:
        """(tenant, zone) of an agent's all-groups rows; None for an agent without a tenant."""
        if agent_id not in self._agents:
            self.learn([], [agent_id])
            self._agents.setdefault(agent_id, None)
        return self._agents[agent_id]


class AgentFold:
    """Agents' records folded into rollup rows; ``flush`` writes them (and the tracks)."""

    def __init__(self, session: Session, zones: Zones, *, fresh: bool = False) -> None:
        self.session = session
        self.zones = zones
        self.tracks: dict[int, Track] = {}
        self._loaded: set[int] = set()
        self._fresh = fresh
        """Start every agent anew instead of from its stored track (a rebuild)."""
        self.rows: dict[tuple[str, int, int, Any], tuple[int, AgentCounts]] = {}
        """(table, agent, group, interval start / day) -> (tenant, counts)."""
        self.pauses: dict[tuple[int, date, int], tuple[int, int]] = {}
        """(agent, day, reason) -> (tenant, µs paused)."""
        self.wrap_ups: list[WrapUp] = []

    def load(self, agent_ids: Iterable[int]) -> None:
        """Read the stored tracks of these agents (once per batch, before folding)."""
        wanted = set(agent_ids) - self._loaded
        if not wanted or self._fresh:
            self._loaded |= wanted
            return
        for row in self.session.execute(
            select(agent_tracks).where(agent_tracks.c.agent_id.in_(wanted))
        ):
            groups = frozenset(int(g) for g in row.groups.split(",") if g)
            wrap_up = None
            if row.wrap_up_group is not None and row.wrap_up_began is not None:
                wrap_up = (row.wrap_up_group, row.wrap_up_began)
            self.tracks[row.agent_id] = Track(
                row.at,
                AgentState(row.state),
                row.state_group,
                row.since,
                groups,
                wrap_up,
                row.pause_reason,
            )
        self._loaded |= wanted

    def _track(self, agent: int, at: int) -> Track:
        self.load([agent])
        return self.tracks.get(agent) or Track.new(at)

    def state(
        self, agent: int, at: int, state: AgentState, group: int | None, reason: int | None = None
    ) -> None:
        before = self._track(agent, at)
        self._add_paused(agent, agent_time.paused(before, at))
        track, out = agent_time.changed_state(before, at, state, group, reason)
        self.tracks[agent] = track
        self._add(agent, out)

    def wrap_up(self, agent: int, at: int, group: int | None) -> None:
        """A wrap-up began after a call of ``group`` (None: the wrap-up in progress ended)."""
        track = self._track(agent, at)
        if group is not None:
            self.tracks[agent] = agent_time.wrap_up_began(track, at, group)
            return
        self.tracks[agent], ended = agent_time.wrap_up_ended(track, at)
        if ended is not None:
            self.wrap_ups.append(ended)

    def logged(self, agent: int, at: int, group: int, logged_in: bool) -> None:
        before = self._track(agent, at)
        self._add_paused(agent, agent_time.paused(before, at))
        track, out = agent_time.logged(before, at, group, logged_in)
        self.tracks[agent] = track
        self._add(agent, out)

    def event(
        self,
        agent: int,
        at: int,
        kind: AgentEventKind,
        group: int | None,
        state: AgentState | None = None,
        reason: str | None = None,
    ) -> None:
        """One agent event as stored (kinds outside ``FOLDED`` change nothing); ``reason``
        is the stored reason, for a ``PAUSED`` state the pause reason's id."""
        if kind is AgentEventKind.STATE and state is not None:
            paused_for = int(reason) if state is AgentState.PAUSED and reason else None
            self.state(agent, at, state, group, paused_for)
        elif kind in (AgentEventKind.LOGIN, AgentEventKind.LOGOUT) and group is not None:
            self.logged(agent, at, group, kind is AgentEventKind.LOGIN)
        elif kind is AgentEventKind.WRAP_UP_START and group is not None:
            self.wrap_up(agent, at, group)
        elif kind is AgentEventKind.WRAP_UP_END:
            self.wrap_up(agent, at, None)

    def offered(self, agent: int, group: int, started: int, result: OfferResult) -> None:
        self._add(agent, agent_time.offered(group, started, result))

    def answered(self, agent: int, group: int, answered_at: int, ended_at: int) -> None:
        self._add(agent, agent_time.answered(group, answered_at, ended_at))

    def called_out(self, agent: int, group: int, at: int) -> None:
        self._add(agent, agent_time.called_out(group, at))

    def _add(self, agent: int, contributions: list[Contribution]) -> None:
        for group, start, counts in contributions:
            found = (
                self.zones.of_agent(agent) if group == ALL_GROUPS else self.zones.of_group(group)
            )
            if found is None:
                continue
            tenant, zone = found
            day = datetime.fromtimestamp(start, zone).date()
            for key in (
                ("agent_intervals", agent, group, start),
                ("agent_days", agent, group, day),
            ):
                before = self.rows.get(key)
                self.rows[key] = (tenant, counts if before is None else before[1] + counts)

    def _add_paused(self, agent: int, paused: list[Paused]) -> None:
        found = self.zones.of_agent(agent) if paused else None
        if found is None:
            return
        tenant, zone = found
        for reason, start, us in paused:
            key = (agent, datetime.fromtimestamp(start, zone).date(), reason)
            self.pauses[key] = (tenant, self.pauses.get(key, (tenant, 0))[1] + us)

    def flush(self, pending: Pending | None = None) -> None:
        """Add the rows gathered (and finished wrap-ups to ``pending``'s groups); start over."""
        dialect = self.session.get_bind().dialect.name
        for table, key in ((agent_intervals, "start"), (agent_days, "day")):
            rows = [
                {"agent_id": a, "group_id": g, key: k, "tenant_id": tenant, **_row(counts)}
                for (name, a, g, k), (tenant, counts) in self.rows.items()
                if name == table.name
            ]
            if rows:
                self.session.execute(counts_upsert(dialect, table), rows)
        self.rows.clear()
        if self.pauses:
            rows = [
                {"agent_id": a, "day": d, "reason_id": r, "tenant_id": tenant, "paused_us": us}
                for (a, d, r), (tenant, us) in self.pauses.items()
            ]
            self.session.execute(_pauses_upsert(dialect), rows)
        self.pauses.clear()
        if self.tracks:
            self.session.execute(
                _track_upsert(dialect), [_track_row(a, t) for a, t in self.tracks.items()]
            )
        if pending is not None:
            for wrap_up in self.wrap_ups:
                group = self.session.get(Group, wrap_up.group)
                if group is not None:
                    pending.wrap_up(group, wrap_up.began / 1e6, wrap_up.length / 1e6)
        self.wrap_ups.clear()


def _row(counts: AgentCounts) -> dict[str, int]:
    return {name: getattr(counts, name) for name in _FIELDS}


def _track_row(agent: int, track: Track) -> dict[str, Any]:
    return {
        "agent_id": agent,
        "at": track.at,
        "state": track.state.value,
        "state_group": track.state_group,
        "since": track.since,
        "groups": ",".join(str(g) for g in sorted(track.groups)),
        "wrap_up_group": track.wrap_up[0] if track.wrap_up else None,
        "wrap_up_began": track.wrap_up[1] if track.wrap_up else None,
        "pause_reason": track.pause_reason,
    }


def _track_upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(agent_tracks)
    columns = (
        "at",
        "state",
        "state_group",
        "since",
        "groups",
        "wrap_up_group",
        "wrap_up_began",
        "pause_reason",
    )
    return statement.on_conflict_do_update(
        index_elements=[agent_tracks.c.agent_id],
        set_={c: statement.excluded[c] for c in columns},
    )


def _pauses_upsert(dialect: str) -> Any:
    """Add to an agent's paused time of a day and reason."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(agent_pauses)
    return statement.on_conflict_do_update(
        index_elements=[agent_pauses.c.agent_id, agent_pauses.c.day, agent_pauses.c.reason_id],
        set_={"paused_us": agent_pauses.c.paused_us + statement.excluded.paused_us},
    )


def replay(fold: AgentFold, session: Session, agent: int) -> None:
    """Fold every stored record of one agent, in the order the engine emitted them."""
    fold.load([agent])
    for event in session.scalars(
        select(AgentEvent)
        .where(
            AgentEvent.agent_id == agent,
            AgentEvent.kind.in_(FOLDED),
        )
        .order_by(AgentEvent.id)
    ):
        fold.event(agent, us_of(event.at), event.kind, event.group_id, event.state, event.reason)
    for offer in session.execute(
        select(Offer.group_id, Offer.started_at, Offer.result).where(
            Offer.agent_id == agent, Offer.group_id.is_not(None)
        )
    ):
        fold.offered(agent, offer.group_id, us_of(offer.started_at), offer.result)
    for call in session.execute(
        select(Call.group_id, Call.direction, Call.arrived_at, Call.answered_at, Call.ended_at)
        .where(Call.agent_id == agent, Call.group_id.is_not(None), Call.outcome.is_not(None))
        .where(or_(Call.direction == Direction.OUTBOUND, Call.outcome == Outcome.ANSWERED))
    ):
        if call.direction is Direction.OUTBOUND:
            fold.called_out(agent, call.group_id, us_of(call.arrived_at))
        elif call.answered_at is not None and call.ended_at is not None:
            fold.answered(agent, call.group_id, us_of(call.answered_at), us_of(call.ended_at))


def rebuild(
    session: Session, pending: Pending, *, tenant_id: int | None = None, since: date | None = None
) -> int:
    """Recompute the agent rollups and tracks (of one tenant's agents) from the stored rows,
    rows from the local midnight of ``since`` on (all without); finished wrap-ups go to
    ``pending`` (the group rollups being rebuilt). How many agents were replayed."""
    agents = select(User.id).where(
        or_(
            User.id.in_(select(AgentEvent.agent_id).distinct()),
            User.id.in_(select(Offer.agent_id).distinct()),
        )
    )
    if tenant_id is not None:
        agents = agents.where(User.tenant_id == tenant_id)
    ids = list(session.scalars(agents.order_by(User.id)))
    zones = Zones(session)
    for agent in ids:
        fold = AgentFold(session, zones, fresh=True)
        replay(fold, session, agent)
        _forget(session, zones, agent, since)
        if since is not None:
            fold.rows = {k: v for k, v in fold.rows.items() if _kept(k, since, zones)}
            fold.pauses = {k: v for k, v in fold.pauses.items() if k[1] >= since}
            fold.wrap_ups = [w for w in fold.wrap_ups if _wrap_up_kept(w, since, zones)]
        fold.flush(pending)
    return len(ids)


def _cutoff(zones: Zones, agent: int, group: int, since: date) -> int | None:
    """The first interval start on or after ``since`` in the zone of the row's group."""
    found = zones.of_agent(agent) if group == ALL_GROUPS else zones.of_group(group)
    if found is None:
        return None
    return int(datetime.combine(since, time(), found[1]).timestamp())


def _kept(key: tuple[str, int, int, Any], since: date, zones: Zones) -> bool:
    name, agent, group, when = key
    if name == "agent_days":
        return bool(when >= since)
    cutoff = _cutoff(zones, agent, group, since)
    return cutoff is not None and when >= cutoff


def _wrap_up_kept(wrap_up: WrapUp, since: date, zones: Zones) -> bool:
    found = zones.of_group(wrap_up.group)
    cutoff = int(datetime.combine(since, time(), found[1]).timestamp()) if found else None
    return cutoff is not None and agent_time.interval_us(wrap_up.began) >= cutoff


def _forget(session: Session, zones: Zones, agent: int, since: date | None) -> None:
    days = delete(agent_days).where(agent_days.c.agent_id == agent)
    intervals = delete(agent_intervals).where(agent_intervals.c.agent_id == agent)
    pauses = delete(agent_pauses).where(agent_pauses.c.agent_id == agent)
    if since is None:
        session.execute(days)
        session.execute(intervals)
        session.execute(pauses)
        return
    session.execute(days.where(agent_days.c.day >= since))
    session.execute(pauses.where(agent_pauses.c.day >= since))
    groups = select(agent_intervals.c.group_id).where(agent_intervals.c.agent_id == agent)
    for group in session.scalars(groups.distinct()).all():
        cutoff = _cutoff(zones, agent, group, since)
        if cutoff is not None:
            session.execute(
                intervals.where(
                    agent_intervals.c.group_id == group, agent_intervals.c.start >= cutoff
                )
            )
