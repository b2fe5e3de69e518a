"""A real call through sipp is recorded and managed end to end, on the file storage and on a
real S3-compatible object store (SeaweedFS): listed once stored, streamed with Range (exact
bytes), downloaded with a meaningful name, kept, deleted (file or object gone), all audited."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import soundfile
from sqlalchemy import select

from helin.recordings.s3 import S3Storage
from helin.recordings.storage import FileStorage, Storage
from helin.store.tables import Recording
from tests.api.test_agent_api import signed_in
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node
from tests.objectstore import SeaweedServer

MakeNode = Callable[..., Node]

BOSS = """\
  - username: boss
    password: boss-web-pass
    rights: [manager, tenant_admin]
"""
GROUP = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: regular
  override: open
  members: [alice]
"""


def _storage(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Callable[[Node], Storage]]:
    if request.param == "files":
        return {}, lambda node: FileStorage(node.data / "recordings")
    server: SeaweedServer = request.getfixturevalue("object_store")
    s3 = server.settings()
    options = {
        "recordings_storage": "s3",
        "s3_endpoint": s3.endpoint,
        "s3_bucket": s3.bucket,
        "s3_prefix": s3.prefix,
        "s3_access_key": s3.access_key,
        "s3_secret_key": s3.secret_key,
    }
    storage = S3Storage(s3)
    storage.ensure_bucket()
    return options, lambda node: storage


@pytest.fixture(params=["files", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Callable[[Node], Storage]]:
    return _storage(request)


def test_a_recorded_call_is_found_played_downloaded_kept_and_deleted(
    make_node: MakeNode,
    peers: Peers,
    backend: tuple[dict[str, Any], Callable[[Node], Storage]],
) -> None:
    options, storage_of = backend
    node = make_node(company(agent("alice", "+3725000001") + BOSS, GROUP), **options)
    storage = storage_of(node)
    # alice's desk phone (baresip) answers and sends a tone: the recording's right channel
    peers.phone(node, "alice-desk", password("alice-desk"))
    node.until(lambda: node.device_count("alice") == 1, "alice's phone registered")
    node.log_in("alice")
    caller = peers.call(node, SUPPORT, talk_ms=3000)
    assert caller.wait() == 0, caller.report()
    node.until(
        lambda: node.query(lambda s: s.scalar(select(Recording.stored_at))), "the recording stored"
    )

    boss = signed_in(node, "boss", "boss-web-pass")
    page = boss.get("/api/v1/recordings", params={"caller": "555", "min_duration": 1}).json()
    assert page["total"] == 1, page
    [item] = page["items"]
    assert item["group_name"] == "Support" and item["agent_name"] == "alice"
    assert item["caller"] == "+3725550001" and item["number"] == SUPPORT
    assert item["direction"] == "inbound" and item["format"] == "flac"
    assert item["kept"] is False and item["deletion_date"] is not None
    assert boss.get("/api/v1/recordings", params={"caller": "999"}).json()["total"] == 0
    row = node.query(lambda s: s.scalar(select(Recording)))
    assert row is not None and row.storage == storage.name
    stored = b"".join(storage.read(row.path, 0, row.size_bytes - 1))
    assert len(stored) == item["size_bytes"] == row.size_bytes

    audio_url = item["audio_url"]
    whole = boss.get(audio_url)
    assert whole.status_code == 200 and whole.content == stored
    assert whole.headers["content-type"] == "audio/flac"
    assert whole.headers["accept-ranges"] == "bytes"
    audio, rate = soundfile.read(io.BytesIO(whole.content))
    assert rate == 8000 and audio.ndim == 2 and audio.shape[1] == 2
    assert audio.shape[0] / rate > 1.0  # the seconds the call talked
    assert abs(audio[:, 1]).mean() > 10 * abs(audio[:, 0]).mean()  # the agent on the right
    part = boss.get(audio_url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.content == stored[100:1124]
    assert part.headers["content-range"] == f"bytes 100-1123/{len(stored)}"
    tail = boss.get(audio_url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == stored[-50:]
    beyond = boss.get(audio_url, headers={"Range": f"bytes={len(stored)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(stored)}"

    download = boss.get(audio_url, params={"download": "true"})
    assert download.status_code == 200 and download.content == stored
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Support_')
    assert disposition.endswith('_+3725550001.flac"')

    listing = boss.get("/manager/recordings", params={"caller": "5550001"})
    assert listing.status_code == 200
    assert f'href="/manager/recordings/{item["id"]}"' in listing.text
    assert "script-src 'self'" in listing.headers["content-security-policy"]
    boss.cookies.set("helin_lang", "et")
    one = boss.get(f"/manager/recordings/{item['id']}")
    boss.cookies.delete("helin_lang")
    assert one.status_code == 200 and f'src="{audio_url}"' in one.text
    assert "Laadi alla" in one.text and "<script>" not in one.text  # et, no inline script
    assert (
        boss.get("/manager/recordings", params={"caller": "999"}).text.count(
            'href="/manager/recordings/'
        )
        == 0
    )

    kept = boss.patch(f"/api/v1/recordings/{item['id']}", json={"keep": True})
    assert kept.status_code == 200 and kept.json()["kept"] is True
    assert kept.json()["deletion_date"] is None
    assert boss.get("/api/v1/recordings", params={"kept": "true"}).json()["total"] == 1

    assert boss.delete(f"/api/v1/recordings/{item['id']}").status_code == 204
    assert storage.size(row.path) is None  # the file or object is gone
    assert boss.get("/api/v1/recordings").json()["total"] == 0
    assert boss.get(audio_url).status_code == 404

    log = boss.get("/api/v1/recording-access").json()["items"]
    actions = [entry["action"] for entry in reversed(log)]
    # one listen per playback (the whole file, the range from byte 0), not per seek
    assert actions == [
        "recording.listen",
        "recording.download",
        "recording.keep",
        "recording.delete",
    ]
    assert {entry["username"] for entry in log} == {"boss"}
    assert {entry["recording_id"] for entry in log} == {item["id"]}
    access = boss.get("/admin/recordings/access")
    assert access.status_code == 200 and access.text.count("<tr><td>") == 4


def test_an_agent_without_the_manager_right_gets_no_recordings(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(agent("alice", "+3725000001") + BOSS, GROUP, recording=False))
    alice = signed_in(node, "alice", "alice-web-pass")
    assert alice.get("/api/v1/recordings").status_code == 403
    boss = signed_in(node, "boss", "boss-web-pass")
    refused = boss.get("/api/v1/recordings")  # no add-on: no recording manager
    assert refused.status_code == 403 and "add-on" in refused.text
    with httpx.Client(base_url=node.http) as anonymous:
        assert anonymous.get("/api/v1/recordings").status_code == 401
