"""Keyset paging of the call log: every sort key, both directions, many ties; pages walked
forward and back neither repeat nor skip a row, in the order computed here by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.model import Outcome
from helin.store.calls import history
from helin.store.calls.keyset import CallSort, Cursor
from helin.store.tables import Call, Group, User
from helin.store.tables.enums import Direction
from tests.store.test_calllog import setup

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def make_calls(session: Session, tenant: int, groups: list[int], agents: list[int]) -> None:
    """70 calls whose every column repeats (times, callers, waits, outcomes, agents)."""
    pick = random.Random(16)
    for n in range(70):
        arrived = T0 + timedelta(seconds=10 * (n // 3))  # three calls a time
        outcome = pick.choice([Outcome.ANSWERED, Outcome.ABANDONED, None])
        wait = pick.choice([0.0, 2.5, 7.0])
        answered = arrived + timedelta(seconds=wait) if outcome is Outcome.ANSWERED else None
        ended = None
        if outcome is not None:
            ended = (answered or arrived) + timedelta(seconds=pick.choice([0.0, 30.0, 61.5]))
        session.add(
            Call(
                call_id=f"k{n}",
                segment=0,
                tenant_id=tenant,
                direction=pick.choice(list(Direction)),
                group_id=pick.choice([*groups, None]),
                agent_id=pick.choice([*agents, None]),
                caller=pick.choice(["+3725550001", "+3725550002", "+3725550003"]),
                number=pick.choice(["+3726001000", "+3726002000"]),
                arrived_at=arrived,
                answered_at=answered,
                ended_at=ended,
                outcome=outcome,
                offers=pick.choice([0, 1, 2]),
            )
        )
    session.flush()


def expected_key(session: Session, sort: CallSort) -> Any:
    names = {g.id: g.name for g in session.scalars(select(Group))}
    people = {u.id: u.display_name or u.username for u in session.scalars(select(User))}

    def ms(end: datetime | None, start: datetime | None) -> int:
        return -1 if end is None or start is None else round((end - start) / timedelta(0, 0, 1000))

    def key(c: Call) -> Any:
        return {
            CallSort.ARRIVED: c.arrived_at,
            CallSort.GROUP: names.get(c.group_id, "") if c.group_id else "",
            CallSort.AGENT: people.get(c.agent_id, "") if c.agent_id else "",
            CallSort.CALLER: c.caller,
            CallSort.NUMBER: c.number,
            CallSort.DIRECTION: c.direction.value,
            CallSort.OUTCOME: c.outcome.value if c.outcome else "",
            CallSort.WAIT: ms(c.answered_at or c.ended_at, c.arrived_at),
            CallSort.TALK: ms(c.ended_at, c.answered_at),
            CallSort.OFFERS: c.offers,
        }[sort]

    return key


@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("sort", list(CallSort))
def test_pages_cover_every_call_once_in_order_both_ways(
    session: Session, migrated_url: str, sort: CallSort, descending: bool
) -> None:
    tenant, support, sales = setup(session, migrated_url)
    agents = list(session.scalars(select(User.id).where(User.tenant_id == tenant).limit(3)))
    make_calls(session, tenant, [support, sales], agents)
    calls = list(session.scalars(select(Call).where(Call.tenant_id == tenant)))
    key = expected_key(session, sort)
    want = [c.id for c in sorted(calls, key=lambda c: (key(c), c.id), reverse=descending)]
    where = history.CallFilter()

    def fetch(cursor: Cursor | None) -> history.CallRows:
        return history.calls(
            session, tenant, where, limit=8, sort=sort, descending=descending, cursor=cursor
        )

    pages = [fetch(None)]
    assert pages[0].previous is None and pages[0].total == 70
    while pages[-1].next is not None:
        pages.append(fetch(pages[-1].next))
    forward = [row.call.id for page in pages for row in page.rows]
    assert forward == want  # no repeats, no gaps, the right order
    assert len(pages) == 9 and all(len(p.rows) == 8 for p in pages[:-1])

    backward: list[list[int]] = []
    page = pages[-1]
    while page.previous is not None:
        page = fetch(page.previous)
        backward.insert(0, [row.call.id for row in page.rows])
    assert [i for ids in backward for i in ids] + [r.call.id for r in pages[-1].rows] == want
    assert page.previous is None  # back at the first page, which has none before it


def test_filters_offsets_and_cursors_of_another_order(session: Session, migrated_url: str) -> None:
    tenant, support, sales = setup(session, migrated_url)
    make_calls(session, tenant, [support, sales], [])
    calls = list(session.scalars(select(Call).where(Call.tenant_id == tenant)))
    found = history.calls(
        session, tenant, history.CallFilter(caller="5550002", number="2000"), limit=100
    )
    want = {c.id for c in calls if "5550002" in c.caller and c.number.endswith("2000")}
    assert {r.call.id for r in found.rows} == want and found.total == len(want) > 0
    assert history.calls(session, tenant, history.CallFilter(caller="%"), limit=5).total == 0
    assert history.calls(session, tenant + 1000, history.CallFilter(), limit=5).total == 0

    first = history.calls(session, tenant, history.CallFilter(), limit=10)
    skipped = history.calls(session, tenant, history.CallFilter(), limit=10, offset=10)
    assert first.next is not None
    after = history.calls(session, tenant, history.CallFilter(), limit=10, cursor=first.next)
    assert [r.call.id for r in skipped.rows] == [r.call.id for r in after.rows]
    assert skipped.previous is not None  # an offset page has a page before it

    text = first.next.encode()
    assert Cursor.decode(text, CallSort.ARRIVED, True) == first.next
    for sort, descending in ((CallSort.CALLER, True), (CallSort.ARRIVED, False)):
        with pytest.raises(ValueError, match="another order"):
            Cursor.decode(text, sort, descending)
    for junk in ("", "nonsense", "W10", text[:-3]):
        with pytest.raises(ValueError):
            Cursor.decode(junk, CallSort.ARRIVED, True)


def test_the_count_stops_at_its_limit_and_says_so(session: Session, migrated_url: str) -> None:
    tenant, support, sales = setup(session, migrated_url)
    make_calls(session, tenant, [support, sales], [])
    every = history.CallFilter()
    whole = history.calls(session, tenant, every, limit=5)
    assert (whole.total, whole.exact) == (70, True)
    assert (history.calls(session, tenant, every, limit=5, count_limit=70).exact) is True
    capped = history.calls(session, tenant, every, limit=5, count_limit=69)
    assert (capped.total, capped.exact) == (69, False)
    assert [r.call.id for r in capped.rows] == [r.call.id for r in whole.rows]
