"""The whisper of the group end to end, heard by real phones: the agent's baresip hears the
group's clip (a 1 kHz tone here) after answering, while the caller's baresip hears the queue's
music, never the clip; then the two are connected, and the recording has no whisper in it."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import soundfile
from sqlalchemy import select

from helin.acd.model import Outcome
from helin.store.tables import Call, Recording
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import Peers
from tests.calls.node import Node
from tests.media.audio import tone
from tests.web.conftest import api_client

MakeNode = Callable[[str], Node]
BOSS = "  - username: boss\n    password: boss-web-pass\n    rights: [manager]\n"
USERS = agent("ann", "+3725000001") + agent("bob", "+3725000002") + BOSS
GROUP = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  override: open
  queue: {{greeting_clip: null}}
  members: [ann]
"""
WHISPER_HZ = 1000.0
WHISPER_SECONDS = 1.5


def whisper_wav() -> bytes:
    out = io.BytesIO()
    soundfile.write(out, tone(WHISPER_HZ, WHISPER_SECONDS, level=0.3), 8000, format="WAV")
    return out.getvalue()


def whisper_seconds(samples: np.ndarray) -> float:
    """How long ``samples`` (8 kHz) hold the whisper's tone, 20 ms frame by frame: frames
    whose power is mostly within 50 Hz of it."""
    frames = samples[: len(samples) // 160 * 160].astype("float64").reshape(-1, 160)
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(160), axis=1)) ** 2
    near = spectrum[:, 19:22].sum(axis=1)  # 50 Hz bins: 950-1050 Hz
    total = spectrum.sum(axis=1) + 1e-9
    return float(((near / total > 0.8) & (total > 1e6)).sum() * 0.02)


def test_the_agent_hears_the_whisper_and_the_caller_hears_music_until_connected(
    make_node: MakeNode, peers: Peers
) -> None:
    node = make_node(company(USERS, GROUP))
    support = node.group_id("Support")
    with api_client(node.http, "boss", "boss-web-pass") as boss:
        made = boss.post("/api/v1/clips", params={"name": "support-name"}, content=whisper_wav())
        assert made.status_code == 201, made.text
        changed = boss.patch(
            f"/api/v1/groups/{support}", json={"queue": {"whisper_clip": "support-name"}}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["queue"]["whisper_clip"] == "support-name"
    ann = peers.phone(node, "ann-desk", password("ann-desk"))
    node.until(lambda: node.device_count("ann") == 1, "ann's phone registered")
    node.log_in("ann")
    bob = peers.phone(node, "bob-desk", password("bob-desk"), dial=SUPPORT, seconds=8.0)

    def finished() -> Call | None:
        query = select(Call).where(Call.outcome.is_not(None))
        return node.query(lambda s: s.scalars(query).first())

    node.until(finished, "the call over")  # bob's audio runs out and baresip hangs up
    call = finished()
    assert call is not None and call.outcome is Outcome.ANSWERED
    assert call.agent_id == int(node.user_id("ann"))
    ann.stop()
    bob.stop()
    heard_by_ann, heard_by_bob = whisper_seconds(ann.heard()), whisper_seconds(bob.heard())
    assert WHISPER_SECONDS - 0.3 <= heard_by_ann <= WHISPER_SECONDS + 0.1, heard_by_ann
    assert heard_by_bob == 0, heard_by_bob
    node.until(
        lambda: node.query(lambda s: s.scalar(select(Recording.stored_at))), "the recording stored"
    )
    with api_client(node.http, "boss", "boss-web-pass") as boss:
        recording = node.query(lambda s: s.scalar(select(Recording.id)))
        audio = boss.get(f"/api/v1/recordings/{recording}/audio")
        assert audio.status_code == 200, audio.text
    samples, rate = soundfile.read(io.BytesIO(audio.content), dtype="int16")
    assert rate == 8000
    assert whisper_seconds(samples[:, 0]) == 0 and whisper_seconds(samples[:, 1]) == 0
