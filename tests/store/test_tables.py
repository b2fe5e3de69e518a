"""Tables: a whole graph of rows survives a round trip, with aware times and enum values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from helin.acd.model import NoAgentsAction, OfferResult, Outcome, OverflowKind, Policy
from helin.reports.catalog import ReportKind
from helin.reports.schedule import Frequency
from helin.stats.rollup import Period
from helin.store.db import session_factory
from helin.store.tables import (
    AgentEvent,
    AuditLog,
    CalendarException,
    Call,
    Device,
    ExceptionRange,
    Group,
    Membership,
    Number,
    Offer,
    Recording,
    Registration,
    ReportOrder,
    Tenant,
    Trunk,
    TrunkPeer,
    User,
    WeeklyHours,
)
from helin.store.tables.enums import AgentEventKind, DeviceKind, Direction, Transport

T0 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def _people(session: Session) -> tuple[Tenant, User, Group]:
    tenant = Tenant(
        name="Example OÜ",
        sip_domain="example.test",
        call_center=True,
        recording=True,
        recording_retention_days=60,
    )
    agent = User(tenant=tenant, username="jaan", agent=True, email="jaan@example.ee")
    group = Group(
        tenant=tenant,
        name="Support",
        policy=Policy.WEIGHTED,
        ring_timeout=12.5,
        on_timeout_kind=OverflowKind.FORWARD_NUMBER,
        on_timeout_target="+3726009999",
        holiday_country="EE",
    )
    session.add_all([tenant, agent, group])
    session.flush()
    return tenant, agent, group


def _world(session: Session) -> dict[str, int]:
    tenant, agent, group = _people(session)
    group.weekly_hours = [WeeklyHours(weekday=0, start_minute=480, end_minute=1020)]
    group.exceptions = [
        CalendarException(
            day=date(2026, 12, 24),
            note="short day",
            ranges=[ExceptionRange(start_minute=480, end_minute=720)],
        )
    ]
    session.add(
        Membership(group_id=group.id, user_id=agent.id, ring_order=2, weight=3, logged_in=True)
    )
    device = Device(
        user=agent,
        kind=DeviceKind.IP_PHONE,
        sip_username="jaan-desk",
        ha1_md5="0" * 32,
        ha1_sha256="1" * 64,
    )
    device.registrations = [
        Registration(
            contact="sip:jaan@192.0.2.5:5060",
            source="192.0.2.5:5060",
            transport=Transport.UDP,
            expires_at=T0,
        )
    ]
    call = Call(
        call_id="c1",
        segment=0,
        direction=Direction.INBOUND,
        tenant_id=tenant.id,
        group_id=group.id,
        agent_id=agent.id,
        caller="+3725550000",
        number="+3726001000",
        arrived_at=T0,
        answered_at=T0 + timedelta(seconds=9),
        ended_at=T0 + timedelta(seconds=99),
        outcome=Outcome.ANSWERED,
        offers=1,
    )
    session.add_all(
        [
            device,
            call,
            Number(e164="+3726001000", group_id=group.id),
            Number(e164="+37251000001", user_id=agent.id),
            Trunk(name="carrier", peers=[TrunkPeer(address="127.0.0.1")]),
            Offer(
                call_id="c1",
                segment=0,
                group_id=group.id,
                agent_id=agent.id,
                started_at=T0,
                ended_at=T0 + timedelta(seconds=9),
                result=OfferResult.ANSWERED,
            ),
            AgentEvent(agent_id=agent.id, at=T0, kind=AgentEventKind.LOGIN, group_id=group.id),
            ReportOrder(
                tenant_id=tenant.id,
                owner_id=agent.id,
                report=ReportKind.GROUP_SUMMARY,
                group_ids=[group.id],
                formats=["pdf"],
                recipients=["boss@example.ee"],
                frequency=Frequency.WEEKLY,
                timezone="Europe/Tallinn",
            ),
            AuditLog(
                user_id=agent.id,
                action="recording.delete",
                object_type="recording",
                object_id="1",
                details={"why": "test"},
            ),
        ]
    )
    session.flush()
    session.add(
        Recording(
            tenant_id=tenant.id,
            call_row_id=call.id,
            path="2026/03/c1.wav",
            size_bytes=5_000_000_000,
            sha256="a" * 64,
            duration=90.0,
            retained_until=T0 + timedelta(days=60),
        )
    )
    session.commit()
    return {"tenant": tenant.id, "agent": agent.id, "group": group.id, "call": call.id}


def test_a_whole_world_round_trips(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = _world(session)
    with session_factory(engine)() as session:
        group = session.get(Group, ids["group"])
        assert group is not None
        assert group.policy is Policy.WEIGHTED
        assert group.no_agents is NoAgentsAction.QUEUE  # the engine's default
        assert group.ring_timeout == 12.5
        assert group.on_timeout_kind is OverflowKind.FORWARD_NUMBER
        assert group.on_timeout_target == "+3726009999"
        assert group.closed_action_clip == "closed"
        assert group.timezone == "Europe/Tallinn"
        assert [(h.weekday, h.start_minute, h.end_minute) for h in group.weekly_hours] == [
            (0, 480, 1020)
        ]
        [exception] = group.exceptions
        assert exception.day == date(2026, 12, 24)
        assert [(r.start_minute, r.end_minute) for r in exception.ranges] == [(480, 720)]
        [member] = group.memberships
        assert (member.user.username, member.ring_order, member.weight, member.logged_in) == (
            "jaan",
            2,
            3,
            True,
        )
        assert [n.e164 for n in group.numbers] == ["+3726001000"]
        assert group.tenant.recording_retention_days == 60

        call = session.get(Call, ids["call"])
        assert call is not None
        assert call.arrived_at == T0
        assert call.arrived_at.tzinfo is not None
        assert call.ended_at == T0 + timedelta(seconds=99)
        assert call.outcome is Outcome.ANSWERED
        assert call.direction is Direction.INBOUND
        assert call.recording is not None
        assert call.recording.size_bytes == 5_000_000_000
        assert call.agent is not None and call.agent.username == "jaan"

        device = session.scalars(select(Device)).one()
        assert device.kind is DeviceKind.IP_PHONE
        assert device.registrations[0].expires_at == T0
        assert device.registrations[0].transport is Transport.UDP
        order = session.scalars(select(ReportOrder)).one()
        assert (order.group_ids, order.recipients) == ([ids["group"]], ["boss@example.ee"])
        assert order.frequency is Frequency.WEEKLY and order.interval is Period.HOUR
        assert session.scalars(select(AuditLog)).one().details == {"why": "test"}
        assert session.scalars(select(Trunk)).one().peers[0].address == "127.0.0.1"
        assert session.scalars(select(AgentEvent)).one().kind is AgentEventKind.LOGIN


def test_times_in_other_zones_are_stored_as_the_same_instant(session: Session) -> None:
    tenant, _, group = _people(session)
    tallinn = timezone(timedelta(hours=2))
    session.add(
        Call(
            call_id="c",
            group_id=group.id,
            tenant_id=tenant.id,
            arrived_at=datetime(2026, 3, 3, 10, 0, tzinfo=tallinn),
        )
    )
    session.commit()
    session.expire_all()
    stored = session.scalars(select(Call)).one().arrived_at
    assert stored == T0
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(session: Session) -> None:
    _, _, group = _people(session)
    session.add(Call(call_id="c", group_id=group.id, arrived_at=datetime(2026, 3, 3, 8, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


@pytest.mark.parametrize(
    "row",
    [
        lambda t, u, g: Number(e164="+3726000001", group_id=g.id, user_id=u.id),
        lambda t, u, g: Number(e164="+3726000002"),
        lambda t, u, g: User(username="nobody"),
        lambda t, u, g: Membership(group_id=g.id, user_id=u.id, weight=-1),
        lambda t, u, g: WeeklyHours(group_id=g.id, weekday=1, start_minute=600, end_minute=600),
        lambda t, u, g: Trunk(name="half", digest_username="x"),
    ],
    ids=[
        "two-owners",
        "no-owner",
        "user-without-tenant",
        "negative-weight",
        "empty-range",
        "digest-without-ha1",
    ],
)
def test_constraints_refuse_impossible_rows(session: Session, row: object) -> None:
    tenant, agent, group = _people(session)
    session.add(row(tenant, agent, group))  # type: ignore[operator]
    with pytest.raises(IntegrityError):
        session.flush()


def test_forwarding_overflow_needs_a_target(session: Session) -> None:
    _, _, group = _people(session)
    group.on_full_kind = OverflowKind.FORWARD_GROUP
    with pytest.raises(IntegrityError):
        session.flush()


def test_deleting_a_tenant_deletes_what_it_owns(engine: Engine) -> None:
    with session_factory(engine)() as session:
        ids = _world(session)
    with session_factory(engine).begin() as session:
        session.execute(text("DELETE FROM tenants WHERE id = :id"), {"id": ids["tenant"]})
    with session_factory(engine)() as session:
        for table in (
            User,
            Group,
            Number,
            Device,
            Membership,
            Call,
            Recording,
            ReportOrder,
            WeeklyHours,
            CalendarException,
            Registration,
        ):
            assert session.scalars(select(table)).all() == [], table.__name__
        # The trunk is the provider's, not the tenant's; the audit entry loses its user only.
        assert session.scalars(select(Trunk)).one().name == "carrier"
        assert session.scalars(select(AuditLog)).one().user_id is None


def test_last_calls_of_a_group_use_the_index(engine: Engine) -> None:
    query = "SELECT * FROM calls WHERE group_id = 1 ORDER BY arrived_at DESC LIMIT 99"
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
        else:  # an empty table is scanned unless scans are ruled out
            connection.execute(text("SET enable_seqscan = off"))
            plan = connection.execute(text(f"EXPLAIN {query}")).all()
    assert "ix_calls_group_recent" in " ".join(str(row) for row in plan)
