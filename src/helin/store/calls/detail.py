"""One call read back whole: every segment (its path through the groups), every ring of an
agent, and the recordings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.store.calls.keyset import agent_name
from helin.store.tables import Call, Group, Offer, Recording, User


@dataclass(frozen=True, slots=True)
class Segment:
    call: Call
    group_name: str | None
    group_timezone: str | None
    agent_name: str | None
    recording: Recording | None
    """Its recording, also one whose file was deleted (``deleted_at`` says so)."""


@dataclass(frozen=True, slots=True)
class Ring:
    offer: Offer
    agent_name: str | None
    group_name: str | None


@dataclass(frozen=True, slots=True)
class CallDetail:
    segments: list[Segment]
    """By segment: the first group, then each group an overflow moved the call to."""
    offers: list[Ring]
    """In the order they started."""


def call_detail(session: Session, tenant_id: int, row_id: int) -> CallDetail | None:
    """The call that call row ``row_id`` belongs to; None if it is no call of the tenant."""
    call_id = session.scalar(
        select(Call.call_id).where(Call.id == row_id, Call.tenant_id == tenant_id)
    )
    if call_id is None:
        return None
    found = session.execute(
        select(Call, Group.name, Group.timezone, agent_name(), Recording)
        .outerjoin(Group, Group.id == Call.group_id)
        .outerjoin(User, User.id == Call.agent_id)
        .outerjoin(Recording, Recording.call_row_id == Call.id)
        .where(Call.call_id == call_id, Call.tenant_id == tenant_id)
        .order_by(Call.segment, Call.id)
    ).all()
    segments = [
        Segment(c, group, zone, name if c.agent_id is not None else None, recording)
        for c, group, zone, name, recording in found
    ]
    numbers = [s.call.segment for s in segments]
    rings = session.execute(
        select(Offer, agent_name(), Group.name)
        .outerjoin(User, User.id == Offer.agent_id)
        .outerjoin(Group, Group.id == Offer.group_id)
        .where(Offer.call_id == call_id, Offer.segment.in_(numbers))
        .order_by(Offer.started_at, Offer.id)
    ).all()
    offers = [
        Ring(offer, name if offer.agent_id is not None else None, group)
        for offer, name, group in rings
    ]
    return CallDetail(segments, offers)
