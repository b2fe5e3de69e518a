"""The store's side of the ACD engine: configuration events out, records in.

``load_acd_events`` turns the stored groups, memberships and overrides into the events that
bring a fresh engine up to date (the records it emits are written by ``records.write``).
The engine knows rows by the string form of their integer ids.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from helin.acd.calendar import OpeningCalendar, Range
from helin.acd.events import (
    DndChanged,
    Event,
    GroupConfigured,
    GroupOverrideSet,
    MemberAdded,
    PauseChanged,
)
from helin.acd.model import GroupConfig, OverflowAction, QueueSettings
from helin.store import groups
from helin.store.tables import (
    CalendarException,
    Group,
    Membership,
    Tenant,
)
from helin.store.tables.callcenter import OVERFLOW_ACTIONS


def load_acd_events(session: Session, *, today: date | None = None) -> list[Event]:
    """Events that configure an empty engine like the store: groups, members, overrides.

    Only groups of tenants with the call-center add-on are loaded, and only members who are
    enabled agents. Holidays of a group's country are included for the group's current and
    next year (``today`` overrides the current date, for tests). Agents whose DND is on get
    a ``DndChanged``, paused agents a ``PauseChanged``; the engine answers them with
    ``dnd_on`` and ``pause_on`` records that the caller should not write again.
    """
    groups = session.scalars(
        select(Group)
        .join(Group.tenant)
        .where(Tenant.call_center)
        .options(
            selectinload(Group.weekly_hours),
            selectinload(Group.dispositions),
            selectinload(Group.exceptions).selectinload(CalendarException.ranges),
            selectinload(Group.memberships).selectinload(Membership.user),
        )
        .order_by(Group.id)
    ).all()
    events: list[Event] = [GroupConfigured(group=group_config(group, today)) for group in groups]
    dnd: set[int] = set()
    paused: dict[int, int] = {}
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
                    priority=member.priority,
                    logged_in=member.logged_in,
                )
            )
            if user.dnd:
                dnd.add(user.id)
            if user.pause_reason_id is not None:
                paused[user.id] = user.pause_reason_id
    events.extend(
        GroupOverrideSet(group_id=str(group.id), mode=group.override_mode.value)
        for group in groups
        if group.override_mode is not None
    )
    events.extend(DndChanged(agent_id=str(user_id), on=True) for user_id in sorted(dnd))
    events.extend(
        PauseChanged(agent_id=str(user_id), reason=str(reason))
        for user_id, reason in sorted(paused.items())
    )
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
        whisper_clip=group.whisper_clip,
        dispositions=tuple((d.code, str(d.id)) for d in group.dispositions if d.active),
        disposition_required=group.disposition_required,
        wrap_up_max=group.wrap_up_max,
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


def group_events(session: Session, group_id: int, member_of: int | None = None) -> list[Event]:
    """What tells a running engine about the stored group: its configuration, then (with
    ``member_of``) that user's membership as ``load_acd_events`` would give it. Enabled
    agents only; DND on and a pause are repeated (the engine ignores them when it knows)."""
    group = session.scalar(
        select(Group)
        .where(Group.id == group_id)
        .options(
            selectinload(Group.weekly_hours),
            selectinload(Group.dispositions),
            selectinload(Group.exceptions).selectinload(CalendarException.ranges),
        )
    )
    if group is None:
        return []
    events: list[Event] = [GroupConfigured(group=group_config(group))]
    row = None if member_of is None else groups.member(session, group_id, member_of)
    if row is not None and row.user.agent and not row.user.disabled:
        events.append(
            MemberAdded(
                group_id=str(group_id),
                agent_id=str(row.user_id),
                order=row.ring_order,
                weight=row.weight,
                priority=row.priority,
                logged_in=row.logged_in,
            )
        )
        if row.user.dnd:
            events.append(DndChanged(agent_id=str(row.user_id), on=True))
        if row.user.pause_reason_id is not None:
            reason = str(row.user.pause_reason_id)
            events.append(PauseChanged(agent_id=str(row.user_id), reason=reason))
    return events
