"""The store and the ACD engine: configuration events out, records in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from helin.acd import events as ev
from helin.acd.commands import (
    AgentEventRecord,
    Bridge,
    CallRecord,
    EndCall,
    OfferCall,
    OfferRecord,
    Output,
)
from helin.acd.engine import AcdEngine
from helin.acd.model import OfferResult, Outcome, OverflowKind, OverflowReason, Policy
from helin.store.calls.records import write as write_records
from helin.store.db import session_factory
from helin.store.provisioning.file import provision_file
from helin.store.runtime.engine import load_acd_events
from helin.store.tables import (
    AgentEvent,
    CalendarException,
    Call,
    ExceptionRange,
    Group,
    Membership,
    Offer,
    Tenant,
    User,
    WeeklyHours,
)
from helin.store.tables.enums import AgentEventKind, OverrideMode
from tests.store.conftest import EXAMPLE

TALLINN = ZoneInfo("Europe/Tallinn")


def _at(*args: int) -> float:
    """A Tallinn wall-clock time as a POSIX timestamp."""
    return datetime(*args, tzinfo=TALLINN).timestamp()  # type: ignore[misc]


def _world(session: Session) -> dict[str, int]:
    on = Tenant(name="On", sip_domain="on.test", call_center=True)
    off = Tenant(name="Off", sip_domain="off.test", call_center=False)
    ann = User(tenant=on, username="ann", agent=True)
    ben = User(tenant=on, username="ben", agent=True, disabled=True)
    mia = User(tenant=on, username="mia", manager=True)
    dan = User(tenant=on, username="dan", agent=True, dnd=True)
    first = Group(
        tenant=on,
        name="First",
        policy=Policy.REGULAR,
        holiday_country="EE",
        greeting_clip=None,
        override_mode=OverrideMode.CLOSED,
    )
    second = Group(tenant=on, name="Second")
    hidden = Group(tenant=off, name="Hidden")
    session.add_all([on, off, ann, ben, mia, dan, first, second, hidden])
    session.flush()
    first.on_full_kind = OverflowKind.FORWARD_GROUP
    first.on_full_target = str(second.id)
    session.add_all(
        [
            WeeklyHours(group_id=first.id, weekday=5, start_minute=780, end_minute=840),
            WeeklyHours(group_id=first.id, weekday=5, start_minute=600, end_minute=720),
        ]
        + [
            WeeklyHours(group_id=first.id, weekday=d, start_minute=480, end_minute=1020)
            for d in range(5)
        ]
    )
    session.add_all(
        [
            CalendarException(
                group_id=first.id,
                day=date(2026, 12, 24),
                ranges=[ExceptionRange(start_minute=480, end_minute=720)],
            ),
            CalendarException(group_id=first.id, day=date(2026, 12, 31), note="closed"),
            Membership(group_id=first.id, user_id=ann.id, ring_order=2, weight=3, logged_in=True),
            Membership(group_id=first.id, user_id=ben.id, ring_order=1),
            Membership(group_id=first.id, user_id=mia.id, ring_order=0),
            Membership(group_id=second.id, user_id=dan.id, ring_order=1),
            Membership(group_id=second.id, user_id=ann.id, ring_order=0),
        ]
    )
    session.commit()
    return {
        name: row.id
        for name, row in [
            ("first", first),
            ("second", second),
            ("ann", ann),
            ("dan", dan),
            ("mia", mia),
        ]
    }


def test_load_acd_events_configures_groups_members_overrides(session: Session) -> None:
    ids = {k: str(v) for k, v in _world(session).items()}
    events = load_acd_events(session, today=date(2026, 6, 1))
    configured = [e.group for e in events if isinstance(e, ev.GroupConfigured)]
    assert [(g.id, g.name) for g in configured] == [
        (ids["first"], "First"),
        (ids["second"], "Second"),
    ]
    assert events[2:] == [
        ev.MemberAdded(
            group_id=ids["first"], agent_id=ids["ann"], order=2, weight=3, logged_in=True
        ),
        ev.MemberAdded(group_id=ids["second"], agent_id=ids["ann"], order=0, weight=1),
        ev.MemberAdded(group_id=ids["second"], agent_id=ids["dan"], order=1, weight=1),
        ev.GroupOverrideSet(group_id=ids["first"], mode="closed"),
        ev.DndChanged(agent_id=ids["dan"], on=True),
    ]
    first = configured[0]
    assert first.policy is Policy.REGULAR
    assert first.queue.greeting_clip is None
    assert first.on_full.kind is OverflowKind.FORWARD_GROUP
    assert first.on_full.target == ids["second"]
    assert first.closed_action.clip == "closed"
    calendar = first.calendar
    assert calendar.weekly[5] == ((600, 720), (780, 840))
    assert calendar.exceptions == {date(2026, 12, 24): ((480, 720),), date(2026, 12, 31): ()}
    assert date(2026, 2, 24) in calendar.holidays and date(2027, 2, 24) in calendar.holidays
    assert date(2025, 12, 24) not in calendar.holidays
    assert calendar.is_open(_at(2026, 3, 3, 10, 0))  # a Tuesday
    assert not calendar.is_open(_at(2026, 3, 3, 17, 0))
    assert not calendar.is_open(_at(2026, 2, 24, 10, 0))  # Independence Day
    assert calendar.is_open(_at(2026, 12, 24, 9, 0))  # the exception beats the holiday
    assert not calendar.is_open(_at(2026, 12, 24, 13, 0))
    assert not calendar.is_open(_at(2026, 3, 7, 12, 30))  # Saturday's lunch break
    assert calendar.is_open(_at(2026, 3, 7, 13, 30))
    second = configured[1]
    assert second.calendar.weekly == {}  # no rows: closed (provisioning writes hours)
    assert second.calendar.holidays == frozenset()


def _call_record(group_id: str, agent_id: str, outcome: Outcome) -> CallRecord:
    return CallRecord(
        call_id="call-1",
        segment=0,
        group_id=group_id,
        caller="+3725550000",
        number="+3726001000",
        outcome=outcome,
        arrived_at=_at(2026, 3, 3, 10, 0),
        queued_at=_at(2026, 3, 3, 10, 0),
        first_offered_at=_at(2026, 3, 3, 10, 0),
        answered_at=_at(2026, 3, 3, 10, 0) + 7.25,
        ended_at=_at(2026, 3, 3, 10, 5),
        agent_id=agent_id,
        offers=2,
    )


def test_write_records_persists_calls_offers_and_agent_events(session: Session) -> None:
    ids = {k: str(v) for k, v in _world(session).items()}
    first, ann = ids["first"], ids["ann"]
    write_records(
        session,
        [
            _call_record(first, ann, Outcome.ABANDONED),
            OfferRecord(
                call_id="call-1",
                segment=0,
                group_id=first,
                agent_id=ann,
                started_at=_at(2026, 3, 3, 10, 0),
                ended_at=_at(2026, 3, 3, 10, 0) + 7.25,
                result=OfferResult.ANSWERED,
            ),
            AgentEventRecord(
                agent_id=ann, at=_at(2026, 3, 3, 9, 0), kind="wrap_up_start", group_id=first
            ),
            EndCall(call_id="call-1"),  # commands are not records: ignored
        ],
    )
    write_records(session, [_call_record(first, ann, Outcome.ANSWERED)])  # same segment again
    session.commit()
    session.expire_all()
    [call] = session.scalars(select(Call)).all()
    assert call.outcome is Outcome.ANSWERED
    assert call.answered_at == datetime(2026, 3, 3, 8, 0, 7, 250000, tzinfo=UTC)
    assert call.arrived_at.tzinfo is not None
    assert call.group_id == int(first) and call.agent_id == int(ann)
    assert call.tenant_id == session.get(Group, int(first)).tenant_id  # type: ignore[union-attr]
    assert call.offers == 2 and call.overflow_reason is None
    [offer] = session.scalars(select(Offer)).all()
    assert offer.result is OfferResult.ANSWERED
    assert (offer.ended_at - offer.started_at).total_seconds() == pytest.approx(7.25)
    [event] = session.scalars(select(AgentEvent)).all()
    assert event.kind is AgentEventKind.WRAP_UP_START and event.group_id == int(first)


def test_agent_events_keep_login_and_dnd_state(session: Session) -> None:
    ids = _world(session)
    ann, dan, first, second = (str(ids[k]) for k in ("ann", "dan", "first", "second"))

    def state() -> tuple[dict[int, bool], bool, bool]:
        session.expire_all()
        logged = {
            m.group_id: m.logged_in
            for m in session.scalars(select(Membership).where(Membership.user_id == int(ann)))
        }
        return logged, session.get(User, int(ann)).dnd, session.get(User, int(dan)).dnd  # type: ignore[union-attr]

    write_records(session, [AgentEventRecord(agent_id=ann, at=1.0, kind="login", group_id=second)])
    assert state() == ({int(first): True, int(second): True}, False, True)
    write_records(session, [AgentEventRecord(agent_id=ann, at=2.0, kind="logout", group_id=None)])
    assert state() == ({int(first): False, int(second): False}, False, True)
    write_records(
        session,
        [
            AgentEventRecord(agent_id=ann, at=3.0, kind="login", group_id=first),
            AgentEventRecord(agent_id=ann, at=4.0, kind="dnd_on"),
            AgentEventRecord(agent_id=dan, at=4.0, kind="dnd_off"),
        ],
    )
    assert state() == ({int(first): True, int(second): False}, True, False)
    write_records(
        session,
        [AgentEventRecord(agent_id=ann, at=5.0, kind="bounced", reason="missed 3 offers in a row")],
    )
    assert state() == ({int(first): False, int(second): False}, True, False)
    kinds = session.scalars(select(AgentEvent.kind).order_by(AgentEvent.at, AgentEvent.id))
    assert [k.value for k in kinds] == ["login", "logout", "login", "dnd_on", "dnd_off", "bounced"]


def test_write_records_refuses_ids_that_are_not_rows(session: Session) -> None:
    with pytest.raises(ValueError, match="agent id 'jaan'"):
        write_records(session, [AgentEventRecord(agent_id="jaan", at=1.0, kind="login")])


def test_engine_round_trip_from_the_example_file(migrated_url: str, engine: Engine) -> None:
    """Provision, load into the real engine, take a call, write what it says, load again."""
    provision_file(migrated_url, EXAMPLE)
    factory = session_factory(engine)
    with factory() as session:
        events = load_acd_events(session, today=date(2026, 3, 3))
        support = session.scalars(select(Group).where(Group.name == "Support")).one()
        jaan = session.scalars(select(User).where(User.username == "jaan")).one()
    group_id, agent_id = str(support.id), str(jaan.id)
    acd = AcdEngine(seed=1)
    now = _at(2026, 3, 3, 10, 0)
    out: list[Output] = []
    for event in events:
        out += acd.handle(event, now)
    out += acd.handle(ev.DevicesReachable(agent_id=agent_id, count=1), now)
    out += acd.handle(ev.AgentLoggedIn(agent_id=agent_id, group_id=group_id), now)
    out += acd.handle(
        ev.CallArrived(call_id="c1", group_id=group_id, caller="+3725550000", number="+3726001000"),
        now,
    )
    assert (
        OfferCall(call_id="c1", agent_id=agent_id, group_id=group_id, caller="+3725550000") in out
    )
    out += acd.handle(ev.OfferAnswered(call_id="c1", agent_id=agent_id), now + 5)
    assert Bridge(call_id="c1", agent_id=agent_id) in out
    out += acd.handle(ev.CallerHungUp(call_id="c1"), now + 65)
    with factory.begin() as session:
        write_records(session, out)
    with factory() as session:
        call = session.scalars(select(Call)).one()
        assert (call.outcome, call.agent_id, call.group_id) == (
            Outcome.ANSWERED,
            jaan.id,
            support.id,
        )
        assert call.overflow_reason is not OverflowReason.TIMEOUT
        assert (call.ended_at - call.arrived_at).total_seconds() == pytest.approx(65)
        assert session.scalars(select(Offer.result)).all() == [OfferResult.ANSWERED]
        events = load_acd_events(session, today=date(2026, 3, 3))
    assert (
        ev.MemberAdded(group_id=group_id, agent_id=agent_id, order=0, weight=1, logged_in=True)
        in events
    )
