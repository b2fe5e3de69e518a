"""The recording pages over real HTTP on both storages (files, and SeaweedFS for S3): the
list's date filter is days of the company's time zone and the recording page shows its
group's local time; the audio streams through the API with exact Range bytes; a listen is
audited once per user and recording per ``LISTEN_AGAIN_AFTER`` whatever range starts it; the
call log and a call's page link only to a recording that can be opened (stored, not deleted)
and say "being stored" or "deleted" otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from helin.recordings import policy
from helin.recordings.storage import Storage
from helin.store import db
from helin.store.tables import AuditLog, Call, Recording
from tests.calls.company import agent, company
from tests.calls.node import Node
from tests.calls.test_recordings import _storage
from tests.web.conftest import MART, SUPPORT, api_client
from tests.web.recorded import record_call

MakeNode = Callable[..., Node]
NEW_YORK = ZoneInfo("America/New_York")
CONFIG = company(
    agent("ann", "+3725000001") + MART,
    f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  timezone: America/New_York
  override: open
  members: [ann]
""",
)


@pytest.fixture(params=["files", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Callable[[Node], Storage]]:
    return _storage(request)


def _three_utc() -> datetime:
    """The latest 03:00 UTC at least an hour ago: 22:00 or 23:00 of the day before in New York."""
    now = datetime.now(UTC)
    at = now.replace(hour=3, minute=0, second=0, microsecond=0)
    return at if at <= now - timedelta(hours=1) else at - timedelta(days=1)


def _listens(node: Node, recording_id: int) -> int:
    return node.query(
        lambda s: s.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.action == "recording.listen", AuditLog.object_id == str(recording_id)
            )
        )
    )


def test_pages_audio_zones_and_call_log_links(
    make_node: MakeNode, backend: tuple[dict[str, Any], Callable[[Node], Storage]]
) -> None:
    options, storage_of = backend
    node = make_node(CONFIG, **options)
    storage = storage_of(node)
    at = _three_utc()
    heard = record_call(node, "z-heard", caller="+3725551111", seconds=4.0, at=at.timestamp())
    gone = record_call(node, "z-gone", caller="+3725553333", seconds=2.0, at=at.timestamp() + 60)
    # a third call whose recording waits in the spool: its next attempt is a day away
    record_call(node, "z-wait", caller="+3725552222", seconds=2.0, at=at.timestamp() + 120)
    engine = db.make_engine(node.url)
    with db.session_factory(engine).begin() as session:
        session.execute(
            update(Recording)
            .where(Recording.call_id == "z-wait")
            .values(stored_at=None, storage="spool", next_attempt_at=at + timedelta(days=2))
        )
    engine.dispose()
    row = node.query(lambda s: s.get(Recording, heard))
    assert row is not None and row.storage == storage.name
    stored = b"".join(storage.read(row.path, 0, row.size_bytes - 1))

    with api_client(node.http, "mart", "mart-web-pass") as mart:
        assert mart.delete(f"/api/v1/recordings/{gone}").status_code == 204
        assert storage.size(node.query(lambda s: s.get(Recording, gone)).path) is None

        # the list's days are the company's (New York), not Tallinn's or UTC's
        local_day = at.astimezone(NEW_YORK).date()
        assert local_day == at.date() - timedelta(days=1)
        day = {"since": local_day.isoformat(), "until": local_day.isoformat()}
        listing = mart.get("/manager/recordings", params=day)
        assert listing.status_code == 200
        assert listing.text.count('href="/manager/recordings/') == 1
        assert f'href="/manager/recordings/{heard}"' in listing.text
        assert "America/New_York" in listing.text
        assert at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") in listing.text
        next_day = {"since": at.date().isoformat(), "until": at.date().isoformat()}
        assert (
            'href="/manager/recordings/'
            not in mart.get("/manager/recordings", params=next_day).text
        )

        page = mart.get(f"/manager/recordings/{heard}")
        assert page.status_code == 200
        assert at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S") in page.text
        assert "America/New_York" in page.text and " UTC" not in page.text
        assert 'preload="none"' in page.text  # opening the page is not a listen
        assert _listens(node, heard) == 0

        # the audio through the API, on this storage: exact bytes; a listen audited once
        audio = f"/api/v1/recordings/{heard}/audio"
        middle = mart.get(audio, headers={"Range": "bytes=1000-1999"})
        assert middle.status_code == 206 and middle.content == stored[1000:2000]
        assert middle.headers["content-range"] == f"bytes 1000-1999/{len(stored)}"
        assert _listens(node, heard) == 1  # a playback that starts mid-file is audited
        start = mart.get(audio, headers={"Range": "bytes=0-99"})
        assert start.status_code == 206 and start.content == stored[:100]
        assert _listens(node, heard) == 1  # the same playback's next request is not
        engine = db.make_engine(node.url)
        with db.session_factory(engine).begin() as session:
            session.execute(
                update(AuditLog)
                .where(AuditLog.action == "recording.listen")
                .values(at=datetime.now(UTC) - policy.LISTEN_AGAIN_AFTER - timedelta(minutes=1))
            )
        engine.dispose()
        again = mart.get(audio, headers={"Range": f"bytes={len(stored) - 10}-"})
        assert again.status_code == 206 and again.content == stored[-10:]
        assert _listens(node, heard) == 2  # later, a new listen

        # the call log links only to what can be opened
        since = (at - timedelta(hours=1)).isoformat()
        calls = mart.get("/api/v1/calls", params={"since": since}).json()["items"]
        states = {c["caller"]: (c["recording_id"], c["recording_state"]) for c in calls}
        assert states == {
            "+3725551111": (heard, "stored"),
            "+3725552222": (None, "storing"),
            "+3725553333": (None, "deleted"),
        }, states
        log = mart.get("/manager/calls", params=day)
        assert log.status_code == 200
        assert log.text.count('href="/manager/recordings/') == 1
        assert f'href="/manager/recordings/{heard}"' in log.text
        assert "Being stored" in log.text and "Deleted" in log.text
        rows = dict(node.query(lambda s: s.execute(select(Call.call_id, Call.id)).all()))
        waiting = mart.get(f"/manager/calls/{rows['z-wait']}")
        assert "Recording being stored" in waiting.text
        assert 'href="/manager/recordings/' not in waiting.text
        deleted = mart.get(f"/manager/calls/{rows['z-gone']}")
        assert "Recording deleted" in deleted.text
        assert 'href="/manager/recordings/' not in deleted.text
        assert (
            f'href="/manager/recordings/{heard}"'
            in mart.get(f"/manager/calls/{rows['z-heard']}").text
        )
        mart.cookies.set("helin_lang", "et")
        assert "Talletamisel" in mart.get("/manager/calls", params=day).text

        # the group call log links its stored recording for managers, never for agents
        group = node.group_id("Support")
        lines = {
            c["caller"]: c["recording_id"]
            for c in mart.get(f"/api/v1/groups/{group}/calllog").json()
        }
        assert lines == {"+3725551111": heard, "+3725552222": None, "+3725553333": None}
        part = mart.get(f"/groups/{group}/calllog").text
        assert part.count('href="/manager/recordings/') == 1
    with api_client(node.http, "ann", "ann-web-pass") as ann:
        seen = ann.get(f"/api/v1/groups/{group}/calllog").json()
        assert len(seen) == 3 and all(c["recording_id"] is None for c in seen)
        assert 'href="/manager/recordings/' not in ann.get("/agent").text
