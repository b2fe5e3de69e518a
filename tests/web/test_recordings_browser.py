"""The recording manager in a real Chromium, on the file storage and on the object store
(SeaweedFS): a manager finds a recording by the caller's
number, plays it (the audio element streams it with Range requests and its position grows,
also after a seek), marks it kept, and deletes another after the confirmation (dismissing the
confirmation first deletes nothing). Listen, keep and delete land in the access log."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails in CI, saying what is missing
    expect = None

import pytest
from sqlalchemy import select

from helin.recordings.storage import Storage
from helin.store.tables import AuditLog, Recording
from tests.calls.node import Node
from tests.calls.test_recordings import _storage
from tests.web.conftest import CONFIG, Pages, api_client
from tests.web.recorded import record_call

MakeNode = Callable[..., Node]


@pytest.fixture(params=["files", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Callable[[Node], Storage]]:
    return _storage(request)


def test_a_manager_finds_plays_keeps_and_deletes_recordings(
    make_node: MakeNode,
    pages: Pages,
    backend: tuple[dict[str, Any], Callable[[Node], Storage]],
) -> None:
    options, storage_of = backend
    node = make_node(CONFIG, **options)
    now = time.time()
    heard = record_call(node, "rec-heard", caller="+3725551111", seconds=8.0, at=now - 7200)
    gone = record_call(node, "rec-gone", caller="+3725552222", seconds=3.0, at=now - 3600)
    pages.base = node.http
    page = pages.open()
    audio: list[tuple[int, str | None]] = []
    page.on(
        "response",
        lambda r: (
            audio.append((r.status, r.request.headers.get("range"))) if "/audio" in r.url else None
        ),
    )
    pages.sign_in(page, "mart", "mart-web-pass")
    page.get_by_role("link", name="Recordings").click()
    expect(page).to_have_url(re.compile(r"/manager/recordings$"))
    rows = page.locator("table.recordings tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Caller").fill("1111")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"caller=1111"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-recording-id", str(heard))
    expect(rows.first).to_contain_text("+3725551111")
    pages.screenshot(page, "manager-recordings")

    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/manager/recordings/{heard}$"))
    player = page.locator("#player")
    expect(player).to_have_attribute("src", f"/api/v1/recordings/{heard}/audio")
    # muted, the browser lets a script start it; the page's script mirrors the position
    player.evaluate("a => { a.muted = true; return a.play(); }")
    expect(player).to_have_attribute("data-played", "true")
    assert float(player.get_attribute("data-position") or 0) > 0
    assert player.evaluate("a => a.duration") > 7.5  # the browser decoded the whole FLAC
    player.evaluate("a => { a.currentTime = 5; }")  # a seek: a Range request past byte 0
    expect(player).to_have_attribute("data-position", re.compile(r"^(5|6|7|8)\."))
    assert any(status == 206 for status, _ in audio), audio
    assert all(status in (200, 206) for status, _ in audio), audio
    player.evaluate("a => a.pause()")
    pages.screenshot(page, "manager-recording")

    page.get_by_role("button", name="Keep").click()
    expect(page.locator("#recording")).to_have_attribute("data-kept", "true")
    expect(page.locator("#recording dd.deletion")).to_have_text("Kept")
    expect(page.get_by_role("button", name="Stop keeping")).to_be_visible()

    page.goto(f"{node.http}/manager/recordings?kept=no")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-recording-id", str(gone))
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/manager/recordings/{gone}$"))
    asked: list[str] = []

    def dismiss(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"/manager/recordings/{gone}$"))
    assert asked == ["Delete this recording now? It cannot be restored."]
    with api_client(node.http, "mart", "mart-web-pass") as api:
        assert api.get(f"/api/v1/recordings/{gone}").status_code == 200  # dismissed: still there
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/manager/recordings$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-recording-id", str(heard))
    expect(rows.first).to_contain_text("Kept")

    path = node.query(lambda s: s.scalar(select(Recording.path).where(Recording.id == gone)))
    assert path is not None and storage_of(node).size(path) is None  # the file or object gone
    with api_client(node.http, "mart", "mart-web-pass") as api:
        assert api.get(f"/api/v1/recordings/{gone}").status_code == 404
        log = api.get("/api/v1/recording-access")
    assert log.status_code == 403  # the access log is the tenant admin's
    actions = node.query(
        lambda s: [
            (a, o)
            for a, o in s.execute(
                select(AuditLog.action, AuditLog.object_id)
                .where(AuditLog.action.like("recording.%"))
                .order_by(AuditLog.id)
            ).all()
        ]
    )
    assert actions == [
        ("recording.listen", str(heard)),
        ("recording.keep", str(heard)),
        ("recording.delete", str(gone)),
    ], actions
