"""The agent log of a day: events in time order, wrap-ups as periods (old and new kinds),
missed rings from the offers, activity changes only on request, unknown kinds shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from helin.acd.commands import AgentEventRecord, AgentStateRecord
from helin.acd.model import AgentState as S
from helin.acd.model import OfferResult
from helin.store.calls import agentlog, records
from helin.store.tables import AgentEvent, Call, Offer, PauseReason, User
from helin.store.tables.enums import AgentEventKind as K
from tests.store.test_calllog import setup

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_day_in_time_order_with_wrap_ups_and_missed_rings(
    session: Session, migrated_url: str
) -> None:
    tenant, support, sales = setup(session, migrated_url)
    agent, other = session.scalars(select(User.id).where(User.tenant_id == tenant).limit(2))
    for seconds, kind, group in (
        (0, K.LOGIN, support),
        (5, K.LOGIN, sales),
        (100, K.WRAP_UP_START, support),
        (130, K.WRAP_UP_END, None),
        (200, K.DND_ON, None),
        (260, K.DND_OFF, None),
        (400, K.BOUNCED, None),
        (400, K.LOGOUT, support),
        (-10, K.LOGIN, support),  # before the day
        (90_000, K.LOGOUT, sales),  # the next day
    ):
        session.add(AgentEvent(agent_id=agent, at=at(seconds), kind=kind, group_id=group))
    session.add(AgentEvent(agent_id=other, at=at(1), kind=K.LOGIN, group_id=support))
    session.add(
        Call(
            call_id="m1",
            tenant_id=tenant,
            group_id=support,
            caller="+3725551234",
            number="+3726001000",
            arrived_at=at(290),
        )
    )
    for seconds, result in (
        (300, OfferResult.NO_ANSWER),
        (330, OfferResult.DECLINED),
        (360, OfferResult.ANSWERED_ELSEWHERE),
    ):
        session.add(
            Offer(
                call_id="m1",
                segment=0,
                group_id=support,
                agent_id=agent,
                started_at=at(seconds),
                ended_at=at(seconds + 15),
                result=result,
            )
        )
    session.flush()
    day = agentlog.agent_log(session, tenant, agent, T0, T0 + timedelta(days=1))
    assert [(e.kind, (e.at - T0).total_seconds()) for e in day] == [
        ("login", 0),
        ("login", 5),
        ("wrap_up", 100),
        ("dnd_on", 200),
        ("dnd_off", 260),
        ("missed_offer", 300),
        ("missed_offer", 330),
        ("bounced", 400),
        ("logout", 400),
    ]
    wrap = day[2]
    assert wrap.seconds == 30 and wrap.group_name == "Support"
    missed = day[5]
    assert missed.caller == "+3725551234" and missed.result == "no_answer" and missed.seconds == 15
    assert missed.call_row == session.scalar(select(Call.id).where(Call.call_id == "m1"))
    assert agentlog.agent_log(session, tenant + 1, agent, T0, T0 + timedelta(days=1)) == []


def test_state_changes_hide_unless_asked_and_unknown_kinds_pass(
    session: Session, migrated_url: str
) -> None:
    """State rows come several times a call: shown only with ``everything``. A kind this
    version does not know (a row from a newer helin, written past the CHECK constraint) is
    shown as it is."""
    tenant, support, _ = setup(session, migrated_url)
    agent = session.scalar(select(User.id).where(User.tenant_id == tenant))
    assert agent is not None
    a, g = str(agent), str(support)
    records.write(
        session,
        [
            AgentEventRecord(agent_id=a, at=at(0).timestamp(), kind="login", group_id=g),
            AgentStateRecord(agent_id=a, at=at(10).timestamp(), state=S.RINGING, group_id=g),
            AgentStateRecord(agent_id=a, at=at(12).timestamp(), state=S.ON_CALL, group_id=g),
            AgentStateRecord(agent_id=a, at=at(70).timestamp(), state=S.WRAP_UP, group_id=g),
            AgentEventRecord(agent_id=a, at=at(70).timestamp(), kind="wrap_up_start", group_id=g),
            AgentEventRecord(agent_id=a, at=at(85).timestamp(), kind="wrap_up_end"),
            AgentStateRecord(agent_id=a, at=at(85).timestamp(), state=S.AVAILABLE),
            AgentEventRecord(agent_id=a, at=at(100).timestamp(), kind="wrap_up_start", group_id=g),
            AgentEventRecord(agent_id=a, at=at(5000).timestamp(), kind="wrap_up_end"),
        ],
    )
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA ignore_check_constraints = ON"))
    else:
        session.execute(text("ALTER TABLE agent_events DROP CONSTRAINT ck_agent_events_kind"))
    session.execute(
        text("INSERT INTO agent_events (agent_id, at, kind, group_id) VALUES (:a, :t, :k, :g)"),
        {
            "a": agent,
            "t": at(90).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy writes it
            if session.get_bind().dialect.name == "sqlite"
            else at(90),
            "k": "coffee_break",  # a kind nobody knows yet
            "g": support,
        },
    )
    quiet = agentlog.agent_log(session, tenant, agent, T0, at(3600))
    assert [(e.kind, e.seconds) for e in quiet] == [
        ("login", None),
        ("wrap_up", 15),
        ("coffee_break", None),
        ("wrap_up", 4900),  # still going at the end of the range: ended after it
    ]
    everything = agentlog.agent_log(session, tenant, agent, T0, at(3600), everything=True)
    assert [(e.kind, e.state) for e in everything] == [
        ("login", None),
        ("state", "ringing"),
        ("state", "on_call"),
        ("state", "wrap_up"),
        ("wrap_up", None),
        ("wrap_up_end", None),
        ("state", "available"),
        ("coffee_break", None),
        ("wrap_up", None),
    ]


def test_pauses_are_periods_named_by_their_reason(session: Session, migrated_url: str) -> None:
    tenant, _, _ = setup(session, migrated_url)
    agent = session.scalar(select(User.id).where(User.tenant_id == tenant))
    lunch = PauseReason(tenant_id=tenant, code=11, name="Long lunch")
    training = PauseReason(tenant_id=tenant, code=12, name="Course")
    session.add_all([lunch, training])
    session.flush()
    a = str(agent)
    records.write(
        session,
        [
            AgentEventRecord(
                agent_id=a, at=at(0).timestamp(), kind="pause_on", reason=str(lunch.id)
            ),
            AgentStateRecord(
                agent_id=a, at=at(0).timestamp(), state=S.PAUSED, reason=str(lunch.id)
            ),
            AgentEventRecord(
                agent_id=a, at=at(600).timestamp(), kind="pause_on", reason=str(training.id)
            ),
            AgentEventRecord(agent_id=a, at=at(900).timestamp(), kind="pause_off"),
            AgentEventRecord(
                agent_id=a, at=at(1000).timestamp(), kind="pause_on", reason=str(lunch.id)
            ),
            AgentEventRecord(agent_id=a, at=at(7200).timestamp(), kind="pause_off"),
        ],
    )
    assert session.get(User, agent).pause_reason_id is None  # type: ignore[union-attr]
    day = agentlog.agent_log(session, tenant, agent, T0, at(3600))  # type: ignore[arg-type]
    assert [(e.kind, e.reason, e.seconds) for e in day] == [
        ("pause", "Long lunch", 600),
        ("pause", "Course", 300),
        ("pause", "Long lunch", 6200),  # still going at the end of the range: ended after it
    ]
    everything = agentlog.agent_log(
        session,
        tenant,
        agent,  # type: ignore[arg-type]
        T0,
        at(3600),
        everything=True,
    )
    assert [(e.kind, e.reason) for e in everything][:2] == [
        ("pause", "Long lunch"),
        ("state", "Long lunch"),
    ]
    assert ("pause_off", None) in [(e.kind, e.reason) for e in everything]
