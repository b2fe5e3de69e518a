"""The managers' clip endpoints over real HTTP against a whole running helin: WAV and MP3
uploads converted to 8 kHz mono µ-law and loaded into the running media server, listing,
download, replacing the audio, deleting (not while a group plays the clip), files helin
cannot use refused with the reason, and everyone else kept out."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile
from sqlalchemy import select

from helin.api.routes import clips as clips_files
from helin.store.tables import AuditLog, Clip, Tenant
from tests.api.test_agent_api import signed_in
from tests.calls.node import Node

CONFIG = """\
version: 1
tenants:
  - name: Alpha OÜ
    sip_domain: alpha.test
    call_center: true
    users:
      - username: ann
        password: "ann-password-1"
        rights: [agent]
      - username: pete
        password: "pete-password-1"
        rights: []
      - username: mart
        password: "mart-password-1"
        rights: [manager]
      - username: tiia
        password: "tiia-password-1"
        rights: [tenant_admin]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        members: [ann]
      - name: Sales
        numbers: ["+3726000200"]
  - name: Beta AS
    sip_domain: beta.test
    call_center: true
    users:
      - username: bert
        password: "bert-password-1"
        rights: [agent, manager]
"""


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    made = Node(tmp_path, CONFIG).start()
    yield made
    made.stop()


@pytest.fixture
def mart(node: Node) -> Iterator[httpx.Client]:
    with closing(signed_in(node, "mart", "mart-password-1")) as client:
        yield client


def tone(seconds: float, rate: int = 44100, channels: int = 2) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * math.pi * 440 * t)
    return np.repeat(mono[:, None], channels, axis=1)


def wav_file(seconds: float, rate: int = 44100, channels: int = 2) -> bytes:
    """A 16-bit PCM WAV, stereo 44.1 kHz unless told."""
    out = io.BytesIO()
    soundfile.write(out, tone(seconds, rate, channels), rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def mp3_file(seconds: float) -> bytes:
    if "MP3" not in soundfile.available_formats():
        pytest.skip(f"libsndfile {soundfile.__libsndfile_version__} cannot write MP3")
    out = io.BytesIO()
    soundfile.write(out, tone(seconds, 44100, 1), 44100, format="MP3")
    return out.getvalue()


def upload(
    client: httpx.Client, name: str, data: bytes, kind: str = "greeting", **params: Any
) -> httpx.Response:
    return client.post(
        "/api/v1/clips",
        params={"name": name, "kind": kind, **params},
        content=data,
        headers={"Content-Type": "audio/wav"},
    )


def tenant_id(node: Node, name: str = "Alpha OÜ") -> int:
    found = node.query(lambda s: s.scalar(select(Tenant.id).where(Tenant.name == name)))
    assert isinstance(found, int)
    return found


def media_clips(node: Node) -> Any:
    helin = node.helin
    assert helin is not None and helin.media is not None
    return helin.media.clips


def loaded(node: Node, key: str) -> bool:
    clips = media_clips(node)
    return node.call(lambda: key in clips)


def loaded_duration(node: Node, key: str) -> float:
    clips = media_clips(node)
    clip = node.call(lambda: clips.get(key))
    assert clip is not None, key
    return float(clip.duration)


def audit_actions(node: Node) -> list[str]:
    return node.query(lambda s: list(s.scalars(select(AuditLog.action).order_by(AuditLog.id))))


def clip_files(node: Node) -> list[str]:
    """Every file under the data directory's clips/ (temporary ones too)."""
    root = node.data / "clips"
    return sorted(str(p.relative_to(node.data)) for p in root.rglob("*") if p.is_file())


def reason(response: httpx.Response) -> str:
    """The message of a 422 (the first error's) or of another error."""
    detail = response.json()["detail"]
    return str(detail[0]["msg"] if isinstance(detail, list) else detail)


def test_upload_list_download_and_delete(node: Node, mart: httpx.Client) -> None:
    alpha = tenant_id(node)
    made = upload(mart, "welcome", wav_file(1.5), filename="C:\\Users\\mart\\Welcome.wav")
    assert made.status_code == 201, made.text
    clip = made.json()
    assert clip["name"] == "welcome" and clip["kind"] == "greeting"
    assert clip["duration"] == pytest.approx(1.5, abs=0.01)
    assert clip["original_filename"] == "Welcome.wav"
    assert clip["audio_url"] == f"/api/v1/clips/{clip['id']}/audio"
    assert clip_files(node) == [f"clips/{alpha}/{clip['id']}.wav"]
    assert loaded(node, f"{alpha}/welcome")
    assert loaded_duration(node, f"{alpha}/welcome") == pytest.approx(1.5, abs=0.03)

    listed = mart.get("/api/v1/clips")
    assert listed.status_code == 200 and listed.json() == [clip]
    assert mart.get(f"/api/v1/clips/{clip['id']}").json() == clip

    audio = mart.get(clip["audio_url"])
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    assert audio.headers["content-disposition"].startswith("inline")
    info = soundfile.info(io.BytesIO(audio.content))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "ULAW", 8000, 1)
    assert info.duration == pytest.approx(1.5, abs=0.01)
    stored = node.query(lambda s: s.scalars(select(Clip)).one())
    assert stored.path == f"clips/{alpha}/{clip['id']}.wav" and stored.tenant_id == alpha
    assert (node.data / stored.path).read_bytes() == audio.content

    assert mart.delete(f"/api/v1/clips/{clip['id']}").status_code == 204
    assert mart.get("/api/v1/clips").json() == []
    assert mart.get(clip["audio_url"]).status_code == 404
    assert mart.delete(f"/api/v1/clips/{clip['id']}").status_code == 404
    assert clip_files(node) == []
    assert not loaded(node, f"{alpha}/welcome")
    assert audit_actions(node)[-2:] == ["clip.upload", "clip.delete"]


def test_mp3_upload(node: Node, mart: httpx.Client) -> None:
    made = upload(mart, "music.main", mp3_file(2.0), kind="music", filename="hold.mp3")
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "music"
    audio = mart.get(made.json()["audio_url"])
    info = soundfile.info(io.BytesIO(audio.content))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "ULAW")
    assert info.duration == pytest.approx(2.0, abs=0.1)  # an MP3 encoder pads a little
    assert loaded(node, f"{tenant_id(node)}/music.main")


def test_replace_the_audio(node: Node, mart: httpx.Client) -> None:
    alpha = tenant_id(node)
    clip = upload(mart, "greeting", wav_file(1.0, 16000, 1)).json()
    assert loaded_duration(node, f"{alpha}/greeting") == pytest.approx(1.0, abs=0.03)
    replaced = mart.put(
        f"/api/v1/clips/{clip['id']}/file", params={"filename": "new.wav"}, content=wav_file(2.5)
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["id"] == clip["id"] and replaced.json()["name"] == "greeting"
    assert replaced.json()["duration"] == pytest.approx(2.5, abs=0.01)
    assert replaced.json()["original_filename"] == "new.wav"
    info = soundfile.info(io.BytesIO(mart.get(clip["audio_url"]).content))
    assert info.duration == pytest.approx(2.5, abs=0.01)
    assert loaded_duration(node, f"{alpha}/greeting") == pytest.approx(2.5, abs=0.03)
    assert clip_files(node) == [f"clips/{alpha}/{clip['id']}.wav"]
    bad = mart.put(f"/api/v1/clips/{clip['id']}/file", content=b"not audio at all")
    assert bad.status_code == 422 and "not a WAV or MP3" in reason(bad)
    assert info.duration == pytest.approx(
        soundfile.info(io.BytesIO(mart.get(clip["audio_url"]).content)).duration
    )
    assert audit_actions(node)[-2:] == ["clip.upload", "clip.replace"]


def test_files_helin_cannot_use_are_refused_with_the_reason(
    node: Node, mart: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = upload(mart, "a", b"")
    assert empty.status_code == 422 and reason(empty) == "The file is empty."
    assert empty.json()["detail"][0]["loc"] == ["body"]
    text = upload(mart, "a", b"Hello, this is a text file.\n" * 20)
    assert text.status_code == 422
    assert reason(text) == "This is not a WAV or MP3 file helin can read."
    silent = io.BytesIO()
    soundfile.write(silent, np.zeros(8000), 8000, format="WAV")
    assert reason(upload(mart, "a", silent.getvalue())) == "The clip is silent."
    damaged = wav_file(1.0)[:60]
    assert upload(mart, "a", damaged).status_code == 422

    big = upload(mart, "a", b"\0" * (clips_files.MAX_BYTES + 1))
    assert big.status_code == 413 and reason(big) == "The file is larger than 20 MB."
    monkeypatch.setattr(clips_files, "MAX_BYTES", 1000)
    declared = upload(mart, "a", wav_file(0.5))  # refused from its Content-Length
    assert declared.status_code == 413 and "larger than" in reason(declared)

    def chunks() -> Iterator[bytes]:
        yield b"\0" * 600
        yield b"\0" * 600

    streamed = mart.post("/api/v1/clips", params={"name": "a"}, content=chunks())
    assert streamed.status_code == 413  # no Content-Length: refused while it streams in

    assert mart.get("/api/v1/clips").json() == []
    assert clip_files(node) == []
    assert "clip.upload" not in audit_actions(node)


def test_names(node: Node, mart: httpx.Client) -> None:
    assert upload(mart, "welcome", wav_file(0.5)).status_code == 201
    again = upload(mart, "welcome", wav_file(0.5))
    assert again.status_code == 409 and "welcome" in reason(again)
    for bad in ("", "with space", "-dash", "x" * 101, "1234"):
        answer = upload(mart, bad, wav_file(0.5))
        assert answer.status_code == 422, bad
        assert answer.json()["detail"][0]["loc"] == ["query", "name"]
    assert upload(mart, "x" * 100, wav_file(0.5)).status_code == 201
    wrong_kind = upload(mart, "other", wav_file(0.5), kind="ringtone")
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["detail"][0]["loc"] == ["query", "kind"]
    assert len(mart.get("/api/v1/clips").json()) == 2


def test_a_clip_a_group_plays_cannot_be_deleted(node: Node, mart: httpx.Client) -> None:
    clip = upload(mart, "welcome", wav_file(0.5)).json()
    support, sales = node.group_id("Support"), node.group_id("Sales")
    for group in (support, sales):
        changed = mart.patch(
            f"/api/v1/groups/{group}", json={"queue": {"greeting_clip": "welcome"}}
        )
        assert changed.status_code == 200, changed.text
    refused = mart.delete(f"/api/v1/clips/{clip['id']}")
    assert refused.status_code == 409
    assert reason(refused) == (
        "the clip is played by the group(s) 'Sales', 'Support': change them first"
    )
    assert mart.patch(f"/api/v1/groups/{sales}", json={"queue": {"greeting_clip": None}}).is_success
    overflow = {"overflow": {"closed": {"action": "clip_and_end", "clip": "welcome"}}}
    assert mart.patch(f"/api/v1/groups/{support}", json=overflow).status_code == 200
    changed = mart.patch(f"/api/v1/groups/{support}", json={"queue": {"greeting_clip": "greeting"}})
    assert changed.status_code == 200
    assert "'Support'" in reason(mart.delete(f"/api/v1/clips/{clip['id']}"))
    overflow["overflow"]["closed"]["clip"] = "closed"
    assert mart.patch(f"/api/v1/groups/{support}", json=overflow).status_code == 200
    assert mart.delete(f"/api/v1/clips/{clip['id']}").status_code == 204


def test_tenant_admins_may_and_other_people_may_not(node: Node, mart: httpx.Client) -> None:
    clip = upload(mart, "welcome", wav_file(0.5)).json()
    url = f"/api/v1/clips/{clip['id']}"
    with closing(signed_in(node, "tiia", "tiia-password-1")) as tiia:
        assert [c["name"] for c in tiia.get("/api/v1/clips").json()] == ["welcome"]
        assert tiia.get(f"{url}/audio").status_code == 200
        assert upload(tiia, "by-admin", wav_file(0.5)).status_code == 201
    with closing(signed_in(node, "bert", "bert-password-1")) as bert:
        assert bert.get("/api/v1/clips").json() == []  # his own company's: none
        for answer in (
            bert.get(url),
            bert.get(f"{url}/audio"),
            bert.put(f"{url}/file", content=wav_file(0.5)),
            bert.delete(url),
        ):
            assert answer.status_code == 404, answer.request.url
            assert answer.json()["detail"] == "no such clip"
        made = upload(bert, "welcome", wav_file(0.7))  # names are per company
        assert made.status_code == 201
        assert loaded(node, f"{tenant_id(node, 'Beta AS')}/welcome")
    for username in ("ann", "pete"):
        with closing(signed_in(node, username, f"{username}-password-1")) as other:
            assert other.get("/api/v1/clips").status_code == 403
            assert upload(other, "mine", wav_file(0.5)).status_code == 403
            for answer in (
                other.get(url),
                other.get(f"{url}/audio"),
                other.put(f"{url}/file", content=wav_file(0.5)),
                other.delete(url),
            ):
                assert answer.status_code == 404, (username, answer.request.url)
    with httpx.Client(base_url=node.http, timeout=10) as anonymous:
        assert anonymous.get("/api/v1/clips").status_code == 401
        assert upload(anonymous, "anon", wav_file(0.5)).status_code == 401
        assert anonymous.get(f"{url}/audio").status_code == 401
    csrf = mart.headers.pop("X-CSRF-Token")
    assert upload(mart, "no-csrf", wav_file(0.5)).status_code == 403
    mart.headers["X-CSRF-Token"] = csrf
    names = [c["name"] for c in mart.get("/api/v1/clips").json()]
    assert names == ["by-admin", "welcome"]
    assert loaded_duration(node, f"{tenant_id(node)}/welcome") == pytest.approx(0.5, abs=0.03)


def test_a_group_naming_an_upload_plays_it(node: Node, mart: httpx.Client) -> None:
    alpha = tenant_id(node)
    assert upload(mart, "welcome", wav_file(0.5)).status_code == 201
    support = node.group_id("Support")
    changed = mart.patch(f"/api/v1/groups/{support}", json={"queue": {"greeting_clip": "welcome"}})
    assert changed.status_code == 200
    helin = node.helin
    assert helin is not None and helin.calls is not None
    calls = helin.calls
    played = node.call(
        lambda: calls.clip_name(
            str(alpha), helin.runtime.engine._groups[support].config.queue.greeting_clip or ""
        )
    )
    # the group stores the upload by its id; the call layer finds it under that key
    assert played.startswith(f"{alpha}/")
    clip = node.call(lambda: calls.media.clips.get(played))
    assert clip is not None and clip.duration == pytest.approx(0.5, abs=0.03)
