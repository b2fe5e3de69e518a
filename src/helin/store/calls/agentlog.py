"""An agent's log for a stretch of time (a local day): what they did and what they missed,
in time order.

From ``agent_events``: log-ins and log-outs (with the group), DND on and off, bounces, and
wrap-ups and pauses as periods (``wrap_up_start`` to ``wrap_up_end``; ``pause_on`` to the next
``pause_on`` or ``pause_off``, named by the pause reason). The agent's state changes
(``state`` rows: ringing, on a call, available, ...) come several times a call, so they are
left out unless ``everything`` is asked for. Kinds are read as plain text: a kind this
version does not know is shown as it is, never an error. From ``offers``: the rings the agent
missed (``acd.offers.MISSED``), with the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from helin.acd.offers import MISSED
from helin.store.tables import AgentEvent, Call, Group, Offer, PauseReason, User

PERIODS = {"wrap_up_start": "wrap_up", "pause_on": "pause"}
"""Events that begin a period, and the kind of the period's entry."""
ENDS = {"wrap_up": frozenset({"wrap_up_end"}), "pause": frozenset({"pause_on", "pause_off"})}
"""The events that end each kind of period."""
ACTIVITY = frozenset({"state", "wrap_up_end", "pause_off"})
"""Frequent rows, shown only on request (a period's end is shown as the period's end)."""
MISSED_OFFER = "missed_offer"
"""The kind of a missed ring's entry (no agent event has it)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of an agent's log."""

    at: datetime
    kind: str
    """An agent event's kind as stored (``login``, ``dnd_on``, ``wrap_up``, ... or one this
    version does not know), or ``missed_offer``."""
    group_id: int | None
    group_name: str | None
    reason: str | None = None
    until: datetime | None = None
    """A wrap-up's or a missed ring's end (None: a wrap-up still going)."""
    result: str | None = None
    """A missed ring's result (``no_answer``, ``declined``)."""
    caller: str | None = None
    """A missed ring's caller."""
    call_row: int | None = None
    """A missed ring's call row (``calls.id``), for the call's detail."""
    activity: bool = False
    """One of the frequent rows (``ACTIVITY``)."""
    state: str | None = None
    """A state row's state (``on_call``, ``available``, ...)."""

    @property
    def seconds(self) -> float | None:
        return None if self.until is None else (self.until - self.at).total_seconds()


def _events(
    session: Session, tenant_id: int, agent_id: int, since: datetime, until: datetime | None
) -> list[Entry]:
    query = (
        select(
            AgentEvent.at,
            type_coerce(AgentEvent.kind, String()),
            AgentEvent.group_id,
            Group.name,
            AgentEvent.reason,
            type_coerce(AgentEvent.state, String()),
        )
        .join(User, User.id == AgentEvent.agent_id)
        .outerjoin(Group, Group.id == AgentEvent.group_id)
        .where(User.tenant_id == tenant_id, AgentEvent.agent_id == agent_id)
        .where(AgentEvent.at >= since)
        .order_by(AgentEvent.at, AgentEvent.id)
    )
    if until is not None:
        query = query.where(AgentEvent.at < until)
    return [
        Entry(at, kind, group_id, name, reason, activity=kind in ACTIVITY, state=state)
        for at, kind, group_id, name, reason, state in session.execute(query)
    ]


def _period_end(
    session: Session, tenant_id: int, agent_id: int, period: str, after: datetime
) -> datetime | None:
    """When the period going at ``after`` ended (the next ending event); None: not yet."""
    found = session.scalar(
        select(AgentEvent.at)
        .join(User, User.id == AgentEvent.agent_id)
        .where(User.tenant_id == tenant_id, AgentEvent.agent_id == agent_id)
        .where(AgentEvent.at >= after)
        .where(type_coerce(AgentEvent.kind, String()).in_(sorted(ENDS[period])))
        .order_by(AgentEvent.at, AgentEvent.id)
        .limit(1)
    )
    return found


def _missed(
    session: Session, tenant_id: int, agent_id: int, since: datetime, until: datetime
) -> list[Entry]:
    found = session.execute(
        select(
            Offer.started_at,
            Offer.ended_at,
            Offer.result,
            Offer.group_id,
            Group.name,
            Call.caller,
            Call.id,
        )
        .join(User, User.id == Offer.agent_id)
        .outerjoin(Group, Group.id == Offer.group_id)
        .outerjoin(Call, (Call.call_id == Offer.call_id) & (Call.segment == Offer.segment))
        .where(User.tenant_id == tenant_id, Offer.agent_id == agent_id)
        .where(Offer.result.in_(MISSED), Offer.started_at >= since, Offer.started_at < until)
        .order_by(Offer.started_at, Offer.id)
    ).all()
    return [
        Entry(
            started,
            MISSED_OFFER,
            group_id,
            name,
            until=ended,
            result=str(result),
            caller=caller,
            call_row=row,
        )
        for started, ended, result, group_id, name, caller, row in found
    ]


def agent_log(
    session: Session,
    tenant_id: int,
    agent_id: int,
    since: datetime,
    until: datetime,
    *,
    everything: bool = False,
) -> list[Entry]:
    """Agent ``agent_id``'s log from ``since`` to ``until``, in time order; their activity
    changes and ``wrap_up_end`` rows only with ``everything`` (wrap-ups are periods)."""
    events = _named_pauses(session, tenant_id, _events(session, tenant_id, agent_id, since, until))
    shown: list[Entry] = []
    going: dict[str, int] = {}  # each period not ended yet: its index in ``shown``
    for entry in events:
        for period, at in list(going.items()):
            if entry.kind in ENDS[period]:
                shown[at] = replace(shown[at], until=entry.at)
                del going[period]
        if entry.kind in PERIODS:
            going[PERIODS[entry.kind]] = len(shown)
            shown.append(replace(entry, kind=PERIODS[entry.kind]))
        elif everything or not entry.activity:
            shown.append(entry)
    for period, at in going.items():
        ended = _period_end(session, tenant_id, agent_id, period, until)
        shown[at] = replace(shown[at], until=ended)
    missed = _missed(session, tenant_id, agent_id, since, until)
    return sorted(shown + missed, key=lambda e: e.at)


def _reason_id(entry: Entry) -> int | None:
    """The pause reason a pause event or paused state names."""
    paused = entry.kind == "pause_on" or entry.state == "paused"
    return int(entry.reason) if paused and entry.reason and entry.reason.isdigit() else None


def _named_pauses(session: Session, tenant_id: int, entries: list[Entry]) -> list[Entry]:
    """Pause events and paused states with their reason's name instead of its id."""
    ids = {i for i in map(_reason_id, entries) if i is not None}
    if not ids:
        return entries
    found = select(PauseReason.id, PauseReason.name).where(
        PauseReason.tenant_id == tenant_id, PauseReason.id.in_(ids)
    )
    names = {row.id: row.name for row in session.execute(found)}
    out = []
    for entry in entries:
        reason = _reason_id(entry)
        out.append(entry if reason is None else replace(entry, reason=names.get(reason)))
    return out
