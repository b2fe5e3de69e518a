"""Queue audio sequencing, announcements and the drift-free pacer, on a fake clock."""

from __future__ import annotations

from helin.media import announce
from helin.media.player import Pacer, QueueAudio


def frames(tag: str, count: int) -> tuple[bytes, ...]:
    return tuple(f"{tag}{i}".encode() for i in range(count))


def run(audio: QueueAudio, ticks: int) -> list[bytes | None]:
    return [audio.next_frame() for _ in range(ticks)]


def test_clips_interrupt_the_music_which_resumes_where_it_was() -> None:
    audio = QueueAudio()
    audio.start_music(frames("m", 3))
    assert run(audio, 2) == [b"m0", b"m1"]
    audio.play(frames("a", 2), "greeting", report=True)
    audio.play(frames("b", 1), "comfort")
    assert run(audio, 5) == [b"a0", b"a1", b"b0", b"m2", b"m0"]
    assert audio.reports == ["greeting"], "only clips that ask are reported"


def test_without_music_silence_after_the_clips() -> None:
    audio = QueueAudio()
    audio.play(frames("a", 1), "x", report=True)
    assert run(audio, 2) == [b"a0", None]
    assert not audio.active and audio.reports == ["x"]


def test_empty_clip_is_reported_at_the_next_tick() -> None:
    audio = QueueAudio()
    audio.play((), "missing", report=True)
    assert audio.next_frame() is None and audio.reports == ["missing"]


def test_stop_music_and_clear() -> None:
    audio = QueueAudio()
    music = frames("m", 4)
    audio.start_music(music)
    run(audio, 1)
    audio.stop_music()
    assert run(audio, 1) == [None]
    audio.start_music(music)
    assert run(audio, 1) == [b"m1"], "the same music continues"
    audio.play(frames("a", 5), "greeting", report=True)
    audio.clear()
    assert run(audio, 1) == [None] and audio.reports == [], "cut clips are not reported"


def test_skip_advances_without_output() -> None:
    audio = QueueAudio()
    audio.start_music(frames("m", 10))
    audio.skip(4)
    assert audio.next_frame() == b"m4"


def test_pacer_is_drift_free_however_late_the_timer_fires() -> None:
    pacer = Pacer(1000.0)
    sent = 0
    now = 1000.0
    for i in range(50_000):
        now = pacer.next_deadline() + (0.004 if i % 3 else 0.0)
        send, skip = pacer.due(now)
        assert skip == 0
        sent += send
    assert sent == pacer.ticks == 50_000
    assert abs(pacer.next_deadline() - (1000.0 + 50_000 * 0.02)) < 1e-6


def test_pacer_catches_up_in_a_bounded_burst_and_skips_the_rest() -> None:
    pacer = Pacer(0.0, max_burst=3)
    assert pacer.due(0.0) == (1, 0)
    assert pacer.due(0.045) == (2, 0)
    assert pacer.due(0.5) == (3, 20), "ticks 0.06 to 0.50 were due: the last three are sent"
    assert pacer.skipped == 20 and pacer.next_deadline() == 0.52
    assert pacer.due(0.51) == (0, 0)


def test_number_clips() -> None:
    assert announce.number_clips(7) == ["n7"]
    assert announce.number_clips(20) == ["n20"]
    assert announce.number_clips(347) == ["n300", "n40", "n7"]
    assert announce.number_clips(110) == ["n100", "n10"]
    assert announce.number_clips(5000) == ["n900", "n90", "n9"]


def test_announcements_per_language() -> None:
    assert announce.position(1, "en") == ["position_next"]
    assert announce.position(23, "en") == ["position_before", "n20", "n3", "position_after"]
    assert announce.position(23, "et") == ["position_before", "n20", "n3"]
    assert announce.wait(30, "et") == ["wait_before", "wait_under_minute"]
    assert announce.wait(70, "en") == ["wait_before", "n1", "minute"]
    assert announce.wait(300, "et") == ["wait_before", "n5", "minutes"]
    assert announce.position(3, "fi") == announce.position(3, "en"), "unknown language: English"
