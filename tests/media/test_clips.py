"""Clip conversion of uploads (WAV 8/16/24-bit mono/stereo at several rates, MP3), refusals
with a reason, and the shipped default clips."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from helin.acd.model import GroupConfig, QueueSettings
from helin.clips import make
from helin.clips.convert import ClipRejected, convert_upload
from helin.clips.library import BUILT_IN, DEFAULT_DIR, HOLD_MUSIC, default_library
from helin.media import announce, g711
from helin.media.clip import Clip, ClipFileError, ulaw_from_wav, wav_bytes
from tests.media.audio import dominant, tone
from tests.support import need


def encoded(audio: np.ndarray, rate: int, fmt: str, subtype: str) -> bytes:
    out = io.BytesIO()
    soundfile.write(out, audio, rate, format=fmt, subtype=subtype)
    return out.getvalue()


def decoded(ulaw: bytes) -> np.ndarray:
    return np.frombuffer(g711.decode(ulaw, g711.PCMU), dtype="<i2").astype(np.float64)


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24"])
@pytest.mark.parametrize("channels", [1, 2])
def test_wav_uploads_become_8khz_mono_ulaw(rate: int, subtype: str, channels: int) -> None:
    signal = tone(1000, 1.5, rate=rate)
    audio = np.stack([signal, signal], axis=1) if channels == 2 else signal
    clip = convert_upload(encoded(audio, rate, "WAV", subtype))
    assert clip.duration == pytest.approx(1.5, abs=0.03)
    assert clip.source_format.startswith(f"WAV {subtype} {rate} Hz")
    samples = decoded(clip.ulaw)
    assert dominant(samples) == pytest.approx(1000, abs=8)
    level = np.sqrt(np.mean(samples[800:-800] ** 2)) / 32768
    assert level == pytest.approx(0.5 / np.sqrt(2), rel=0.1), "mixing to mono keeps the level"
    assert ulaw_from_wav(clip.wav) == clip.ulaw


def test_stereo_is_mixed_to_mono() -> None:
    left, right = tone(440, 1.0, rate=16000), tone(1500, 1.0, rate=16000)
    clip = convert_upload(encoded(np.stack([left, right], axis=1), 16000, "WAV", "PCM_16"))
    spectrum = np.abs(np.fft.rfft(decoded(clip.ulaw)))
    freqs = np.fft.rfftfreq(len(clip.ulaw), 1 / 8000)
    for f in (440, 1500):
        assert spectrum[np.argmin(np.abs(freqs - f))] > 0.3 * spectrum.max()


def test_mp3_upload() -> None:
    clip = convert_upload(encoded(tone(600, 2.0, rate=44100), 44100, "MP3", "MPEG_LAYER_III"))
    assert clip.duration == pytest.approx(2.0, abs=0.1)
    assert clip.source_format.startswith("MP3")
    assert dominant(decoded(clip.ulaw)[2000:-2000]) == pytest.approx(600, abs=8)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"hello, this is not audio" * 10, "not a WAV or MP3"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt garbage", "not a WAV or MP3"),
        (encoded(tone(440, 1.0), 8000, "FLAC", "PCM_16"), "Only WAV and MP3"),
        (encoded(tone(440, 1.0), 8000, "WAV", "IMA_ADPCM"), "8, 16 or 24-bit"),
        (encoded(np.zeros((8000, 4), np.float32), 8000, "WAV", "PCM_16"), "mono and stereo"),
        (encoded(np.zeros(8000, np.float32), 8000, "WAV", "PCM_16"), "silent"),
        (encoded(tone(440, 0.02), 8000, "WAV", "PCM_16"), "no audio"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ClipRejected, match=reason):
        convert_upload(data)


def test_limits_on_size_and_duration() -> None:
    data = encoded(tone(440, 3.0), 8000, "WAV", "PCM_16")
    with pytest.raises(ClipRejected, match="larger than"):
        convert_upload(data, max_bytes=1000)
    with pytest.raises(ClipRejected, match="longer than"):
        convert_upload(data, max_seconds=2.0)


def test_truncated_wav_is_refused_or_shortened_never_crashes() -> None:
    data = encoded(tone(440, 2.0, rate=16000), 16000, "WAV", "PCM_16")
    try:
        clip = convert_upload(data[: len(data) // 2])
    except ClipRejected:
        return
    assert clip.duration <= 2.0


def test_clip_file_format() -> None:
    ulaw = bytes(range(256)) * 3
    assert ulaw_from_wav(wav_bytes(ulaw)) == ulaw
    pcm16 = encoded(tone(300, 0.5), 8000, "WAV", "PCM_16")
    assert len(ulaw_from_wav(pcm16)) == 4000
    with pytest.raises(ClipFileError, match="8 kHz mono"):
        ulaw_from_wav(encoded(tone(300, 0.5, rate=16000), 16000, "WAV", "PCM_16"))
    clip = Clip("x", b"\x00" * 170)
    assert (
        len(clip.frames(g711.PCMU)) == 2
        and clip.frames(g711.PCMA)[0] == b"\x00".translate(g711.ULAW_TO_ALAW) * 160
    )


def test_default_clips_cover_what_the_engine_and_announcements_need() -> None:
    library = default_library()
    config = GroupConfig(id="g")
    settings = QueueSettings()
    names = {
        settings.greeting_clip,
        settings.comfort_clip,
        *(
            a.clip
            for a in (config.closed_action, config.on_timeout, config.on_full, config.on_no_agents)
        ),
    }
    assert names <= set(BUILT_IN)
    for language in ("en", "et"):
        needed = set(BUILT_IN) | set(announce.all_number_names())
        for place in (1, 2, 999):
            needed |= set(announce.position(place, language))
        for seconds in (10, 60, 600):
            needed |= set(announce.wait(seconds, language))
        for name in needed:
            clip = library.get(name, language)
            assert clip is not None and clip is library._clips[(language, name)], (language, name)
            assert 0.2 < clip.duration < 10
    music = library.get(HOLD_MUSIC)
    assert music is not None and 8 < music.duration < 30
    total = sum(p.stat().st_size for p in DEFAULT_DIR.rglob("*.wav"))
    assert total < 2_000_000, "shipped clips stay small"


def test_regenerating_the_defaults(tmp_path: Path) -> None:
    need(shutil.which("espeak-ng") is not None, "espeak-ng (Debian package espeak-ng)")
    written = make.make(tmp_path)
    shipped = sorted(p.relative_to(DEFAULT_DIR) for p in DEFAULT_DIR.rglob("*.wav"))
    assert sorted(p.relative_to(tmp_path) for p in written) == shipped
    assert (tmp_path / "hold.wav").read_bytes() == (DEFAULT_DIR / "hold.wav").read_bytes()
    for name in ("en/greeting.wav", "et/n300.wav"):
        fresh, kept = (tmp_path / name).stat().st_size, (DEFAULT_DIR / name).stat().st_size
        assert fresh == pytest.approx(kept, rel=0.2)


def test_a_tenants_uploads_are_found_by_prefix_and_dropped_together() -> None:
    from helin.media.clip import Clip, ClipLibrary

    library = ClipLibrary("en")
    library.add(Clip("greeting", b"\xff" * 160), "en")
    library.add(Clip("7/greeting", b"\x7f" * 160))
    library.add(Clip("7/music", b"\x7f" * 160))
    library.add(Clip("8/greeting", b"\x7f" * 160))
    assert "7/greeting" in library and "greeting" in library and "9/greeting" not in library
    library.remove_prefix("7/")
    assert "7/greeting" not in library and "7/music" not in library
    assert "8/greeting" in library and library.get("greeting", "et") is not None
