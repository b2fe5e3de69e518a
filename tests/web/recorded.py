"""Recordings for the web tests without a phone call: the call's rows and a real stereo WAV
in the node's spool, its ``RecordingMade`` through the records pipeline, and the node's own
uploader converting it to FLAC and storing it (files or the object store, as the node is
configured), exactly as after a real call."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from helin.acd.commands import CallRecord
from helin.acd.model import Outcome
from helin.records import Record, RecordingMade
from helin.store import db
from helin.store.calls import records
from helin.store.tables import Group, Recording
from tests.calls.node import Node
from tests.recordings.conftest import stereo_wav


def record_call(
    node: Node,
    call_id: str,
    *,
    caller: str,
    seconds: float,
    at: float,
    group: str = "Support",
    agent: str = "ann",
    number: str = "+3726000100",
) -> int:
    """A finished, answered call to ``group`` taken by ``agent`` at ``at`` (POSIX), recorded
    for ``seconds``; waits until the uploader has stored it and returns the recording's id."""
    group_id = node.group_id(group)
    tenant_id = node.query(
        lambda s: s.scalar(select(Group.tenant_id).where(Group.id == int(group_id)))
    )
    day = datetime.fromtimestamp(at, UTC).date().isoformat()
    spool = node.data / "spool" / "recordings" / str(tenant_id) / day
    spool.mkdir(parents=True, exist_ok=True)
    wav = stereo_wav(spool / f"{call_id}.wav", seconds)
    made: list[Record] = [
        CallRecord(
            call_id=call_id,
            segment=0,
            group_id=group_id,
            caller=caller,
            number=number,
            outcome=Outcome.ANSWERED,
            arrived_at=at,
            answered_at=at + 2,
            ended_at=at + 2 + seconds,
            agent_id=node.user_id(agent),
            offers=1,
        ),
        RecordingMade(
            call_id=call_id,
            tenant_id=str(tenant_id),
            path=str(wav),
            size=wav.stat().st_size,
            sha256="0" * 64,
            duration=seconds,
            made_at=at + 2 + seconds,
        ),
    ]
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        records.write(session, made)
    engine.dispose()
    assert node.helin is not None
    node.helin.uploader.wake()

    def stored() -> int | None:
        return node.query(
            lambda s: s.scalar(
                select(Recording.id).where(
                    Recording.call_id == call_id, Recording.stored_at.is_not(None)
                )
            )
        )

    node.until(stored, f"the recording of {call_id} stored")
    found = stored()
    assert found is not None
    return found
