"""The store's side of the ACD engine: configuration events out, records in.

``load_acd_events`` turns the stored groups, memberships and overrides into the events that
bring a fresh engine up to date; ``write_records`` persists the records the engine emits.
The engine knows rows by the string form of their integer ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from helin.acd.calendar import OpeningCalendar, Range
from helin.acd.commands import AgentEventRecord, CallRecord, OfferRecord, Output
from helin.acd.events import DndChanged, Event, GroupConfigured, GroupOverrideSet, MemberAdded
from helin.acd.model import GroupConfig, OverflowAction, QueueSettings
from helin.store.base import from_posix, from_posix_opt
from helin.store.callcenter import OVERFLOW_ACTIONS
from helin.store.enums import AgentEventKind, Direction
from helin.store.tables import (
    AgentEvent,
    CalendarException,
    Call,
    Group,
    Membership,
    Offer,
    Tenant,
    User,
)


def load_acd_events(session: Session, *, today: date | None = None) -> list[Event]:
    """Events that configure an empty engine like the store: groups, members, overrides.

    Only groups of tenants with the call-center add-on are loaded, and only members who are
    enabled agents. Holidays of a group's country are included for the group's current and
    next year (``today`` overrides the current date, for tests). Agents whose DND is on get
    a ``DndChanged``; the engine answers it with a ``dnd_on`` record that the caller should
    not write again.
    """
    groups = session.scalars(
        select(Group)
        .join(Group.tenant)
        .where(Tenant.call_center)
        .options(
            selectinload(Group.weekly_hours),
            selectinload(Group.exceptions).selectinload(CalendarException.ranges),
            selectinload(Group.memberships).selectinload(Membership.user),
        )
        .order_by(Group.id)
    ).all()
    events: list[Event] = [GroupConfigured(group=group_config(group, today)) for group in groups]
    dnd: set[int] = set()
    for group in groups:
        for member in group.memberships:
            user = member.user
            if user.disabled or not user.agent:
                continue
            events.append(
                MemberAdded(
                    group_id=str(group.id),
                    agent_id=str(user.id),
                    order=member.ring_order,
                    weight=member.weight,
                    logged_in=member.logged_in,
                )
            )
            if user.dnd:
                dnd.add(user.id)
    events.extend(
        GroupOverrideSet(group_id=str(group.id), mode=group.override_mode.value)
        for group in groups
        if group.override_mode is not None
    )
    events.extend(DndChanged(agent_id=str(user_id), on=True) for user_id in sorted(dnd))
    return events


def group_config(group: Group, today: date | None = None) -> GroupConfig:
    """The engine's view of one stored group (its relationships must be loadable)."""
    queue = QueueSettings(
        ring_timeout=group.ring_timeout,
        wrap_up=group.wrap_up,
        max_queue_length=group.max_queue_length,
        max_wait=group.max_wait,
        no_agents=group.no_agents,
        greeting_clip=group.greeting_clip,
        greeting_in_full=group.greeting_in_full,
        comfort_clip=group.comfort_clip,
        comfort_interval=group.comfort_interval,
        announce_position=group.announce_position,
        announce_wait=group.announce_wait,
        announce_interval=group.announce_interval,
        bounce_after_missed=group.bounce_after_missed,
    )
    actions = {
        name: OverflowAction(
            kind=getattr(group, f"{name}_kind"),
            target=getattr(group, f"{name}_target"),
            clip=getattr(group, f"{name}_clip"),
        )
        for name in OVERFLOW_ACTIONS
    }
    return GroupConfig(
        id=str(group.id),
        name=group.name,
        policy=group.policy,
        queue=queue,
        calendar=calendar_of(group, today),
        closed_action=actions["closed_action"],
        on_timeout=actions["on_timeout"],
        on_full=actions["on_full"],
        on_no_agents=actions["on_no_agents"],
    )


def calendar_of(group: Group, today: date | None = None) -> OpeningCalendar:
    """A group's weekly hours, dated exceptions and this and next year's holidays."""
    weekly: dict[int, list[Range]] = {}
    for hours in group.weekly_hours:
        weekly.setdefault(hours.weekday, []).append((hours.start_minute, hours.end_minute))
    exceptions = {
        exception.day: tuple(sorted((r.start_minute, r.end_minute) for r in exception.ranges))
        for exception in group.exceptions
    }
    return OpeningCalendar(
        timezone=group.timezone,
        weekly={day: tuple(sorted(ranges)) for day, ranges in weekly.items()},
        exceptions=exceptions,
        holidays=holidays_for(group.holiday_country, group.timezone, today),
    )


def holidays_for(country: str | None, timezone: str, today: date | None = None) -> frozenset[date]:
    """Public holidays of ``country`` in the current and next year (none without a country)."""
    if not country:
        return frozenset()
    year = (today or datetime.now(ZoneInfo(timezone)).date()).year
    return frozenset(holiday_calendars.country_holidays(country, years=[year, year + 1]))


def write_records(session: Session, records: Iterable[Output]) -> None:
    """Persist the engine's records (commands in ``records`` are ignored); does not commit.

    A ``CallRecord`` fills the row of its ``(call_id, segment)``, creating it when needed.
    Login, logout and bounce events also update ``memberships.logged_in``; DND events update
    ``users.dnd``.
    """
    for record in records:
        if isinstance(record, CallRecord):
            _write_call(session, record)
        elif isinstance(record, OfferRecord):
            session.add(
                Offer(
                    call_id=record.call_id,
                    segment=record.segment,
                    group_id=row_id(record.group_id, "group"),
                    agent_id=row_id(record.agent_id, "agent"),
                    started_at=from_posix(record.started_at),
                    ended_at=from_posix(record.ended_at),
                    result=record.result,
                )
            )
        elif isinstance(record, AgentEventRecord):
            _write_agent_event(session, record)
    session.flush()


def _write_call(session: Session, record: CallRecord) -> None:
    group_id = row_id(record.group_id, "group")
    group = session.get(Group, group_id)
    call = session.scalar(
        select(Call).where(Call.call_id == record.call_id, Call.segment == record.segment)
    )
    if call is None:
        call = Call(call_id=record.call_id, segment=record.segment, direction=Direction.INBOUND)
        session.add(call)
    call.group_id = group_id
    call.tenant_id = group.tenant_id if group is not None else None
    call.agent_id = None if record.agent_id is None else row_id(record.agent_id, "agent")
    call.caller = record.caller
    call.number = record.number
    call.arrived_at = from_posix(record.arrived_at)
    call.queued_at = from_posix_opt(record.queued_at)
    call.first_offered_at = from_posix_opt(record.first_offered_at)
    call.answered_at = from_posix_opt(record.answered_at)
    call.ended_at = from_posix(record.ended_at)
    call.outcome = record.outcome
    call.overflow_reason = record.overflow_reason
    call.forwarded_to = record.forwarded_to
    call.offers = record.offers
    target = (record.forwarded_to or "").removeprefix("group:")
    if record.forwarded_to and record.forwarded_to.startswith("group:") and target.isdigit():
        _open_next_segment(session, call, int(target))


def _open_next_segment(session: Session, call: Call, group_id: int) -> None:
    """The row of the segment an overflow to a group starts, open until the engine closes it
    (so a crash in the middle leaves a row to close as failed)."""
    exists = session.scalar(
        select(Call.id).where(Call.call_id == call.call_id, Call.segment == call.segment + 1)
    )
    if exists is None:
        group = session.get(Group, group_id)
        session.add(
            Call(
                call_id=call.call_id,
                segment=call.segment + 1,
                direction=call.direction,
                tenant_id=group.tenant_id if group is not None else call.tenant_id,
                group_id=group_id,
                caller=call.caller,
                number=call.number,
                arrived_at=call.ended_at,
                offers=0,
            )
        )


def _write_agent_event(session: Session, record: AgentEventRecord) -> None:
    kind = AgentEventKind(record.kind)
    agent_id = row_id(record.agent_id, "agent")
    group_id = None if record.group_id is None else row_id(record.group_id, "group")
    session.add(
        AgentEvent(
            agent_id=agent_id,
            at=from_posix(record.at),
            kind=kind,
            group_id=group_id,
            reason=record.reason,
        )
    )
    if kind in (AgentEventKind.LOGIN, AgentEventKind.LOGOUT, AgentEventKind.BOUNCED):
        change = update(Membership).where(Membership.user_id == agent_id)
        if group_id is not None:
            change = change.where(Membership.group_id == group_id)
        session.execute(change.values(logged_in=kind is AgentEventKind.LOGIN))
    elif kind in (AgentEventKind.DND_ON, AgentEventKind.DND_OFF):
        session.execute(
            update(User).where(User.id == agent_id).values(dnd=kind is AgentEventKind.DND_ON)
        )


def row_id(text: str, what: str) -> int:
    """The integer row id behind an engine id; ValueError for anything else."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} id {text!r} is not a store row id") from None
