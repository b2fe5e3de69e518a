"""Recording: spool written incrementally, WAV placed by RTP timestamp, crash recovery."""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

import numpy as np

from helin.media import g711, rtp
from helin.media.recorder import (
    AGENT,
    CALLER,
    SpoolBuffer,
    parse_spool,
    place,
    spool_header,
    wav_blocks,
)
from helin.switch.recording import Spool, finalise, finalise_orphans, spool_path


def frame(value: int) -> bytes:
    return bytes([value]) * 160


def wav_channels(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 8000)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data[0::2], data[1::2]


def expected(length: int, frames: dict[int, bytes], law: int) -> np.ndarray:
    out = np.zeros(length, dtype=np.int16)
    for position, payload in frames.items():
        out[position : position + 160] = np.frombuffer(g711.decode(payload, law), dtype="<i2")
    return out


def test_placement_by_timestamp_with_loss_reordering_and_wrap(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "call.wav", start=50.0)
    caller_base = 2**32 - 400
    order = [0, 1, 2, 4, 6, 5, 7, 8]
    for i in order:
        packet = rtp.build(0, 100 + i, caller_base + 160 * i, 7, frame(0x10 + i), False)
        spool.append(CALLER, g711.PCMU, 50.0 + 0.02 * i, packet)
    for j in range(4):
        packet = rtp.build(8, 9 + j, 555 + 160 * j, 8, frame(0xA0 + j), False)
        spool.append(AGENT, g711.PCMA, 50.04 + 0.02 * j + (0.015 if j == 2 else 0), packet)
    spool.close()
    recording = finalise(spool.path)
    assert not spool.path.exists() and recording.path == tmp_path / "call.wav"
    left, right = wav_channels(recording.path)
    assert len(left) == 9 * 160 and recording.duration == 9 * 160 / 8000
    caller_frames = {160 * i: frame(0x10 + i) for i in order}
    agent_frames = {320 + 160 * j: frame(0xA0 + j) for j in range(4)}
    assert np.array_equal(left, expected(9 * 160, caller_frames, g711.PCMU))
    assert np.array_equal(right, expected(9 * 160, agent_frames, g711.PCMA))
    assert not left[480:640].any(), "the lost packet is silence"
    data = recording.path.read_bytes()
    assert recording.size == len(data) and recording.sha256 == hashlib.sha256(data).hexdigest()


def test_new_source_is_anchored_at_its_arrival(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "c.wav", start=0.0)
    spool.append(CALLER, 0, 0.0, rtp.build(0, 1, 1000, 1, frame(1), False))
    spool.append(CALLER, 0, 1.0, rtp.build(0, 9, 99999999, 2, frame(2), False))
    spool.append(CALLER, 0, 2.0, rtp.build(0, 10, 88888888, 2, frame(3), False))
    spool.close()
    left, _ = wav_channels(finalise(spool.path).path)
    decoded = {v: g711.linear_from_ulaw(v) for v in (1, 2, 3)}
    assert left[0] == decoded[1] and left[8000] == decoded[2] and left[16000] == decoded[3]


def test_spool_grows_on_disk_not_in_memory(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "long.wav", start=0.0)
    for second in range(30):
        for i in range(50):
            n = second * 50 + i
            spool.append(CALLER, 0, n * 0.02, rtp.build(0, n, n * 160, 1, frame(0x55), False))
        spool.flush()
        assert spool.pending == 0
    assert spool.path.stat().st_size > 30 * 50 * 172
    spool.close()
    assert finalise(spool.path).duration == 30.0


def test_orphans_left_by_a_crash_are_finalised(tmp_path: Path) -> None:
    crashed = (
        Spool(tmp_path / "a" / "x.wav", start=0.0) if (tmp_path / "a").mkdir() is None else None
    )
    assert crashed is not None
    for i in range(10):
        crashed.append(AGENT, 0, i * 0.02, rtp.build(0, i, i * 160, 1, frame(0x42), False))
    crashed.flush()  # the process dies here: no close, half a record at the end
    with open(crashed.path, "ab") as f:
        f.write(b"\x01\x00\x10")
    (tmp_path / "junk.wav.spool").write_bytes(b"not a spool")
    done = finalise_orphans(tmp_path)
    assert [r.path for r in done] == [tmp_path / "a" / "x.wav"]
    assert done[0].duration == 10 * 0.02
    _, right = wav_channels(done[0].path)
    assert right[0] == g711.linear_from_ulaw(0x42)
    assert not spool_path(done[0].path).exists()
    assert (tmp_path / "junk.wav.spool.bad").exists()
    assert finalise_orphans(tmp_path) == []


def test_the_spool_format_and_the_wav_are_made_without_files() -> None:
    """The pure part: a spool's bytes through an injected writer, the WAV from in-memory
    channels."""
    spool = SpoolBuffer(10.0, spool_header("m.wav", 1_700_000_000.0))
    for i in (0, 2, 1):  # the second packet arrives late
        spool.append(
            CALLER, g711.PCMU, 10.0 + 0.02 * i, rtp.build(0, i, 160 * i, 3, frame(i), False)
        )
    spool.append(AGENT, g711.PCMA, 10.01, rtp.build(8, 1, 80, 4, frame(0x77), False))
    spool.append(2, g711.PCMU, 10.0, rtp.build(0, 1, 0, 5, frame(9), False))  # no such channel
    written = bytearray()

    def write_some(data: memoryview) -> int:  # takes at most 100 bytes a call, like a pipe
        written.extend(data[:100])
        return min(len(data), 100)

    spool.drain(write_some)
    assert spool.pending == 0
    header, records = parse_spool(bytes(written))
    assert header == {"wav": "m.wav", "started": 1_700_000_000.0}
    planes = [bytearray(), bytearray()]

    def put(channel: int, position: int, pcm: bytes) -> None:
        plane = planes[channel]
        plane.extend(bytes(max(0, 2 * position + len(pcm) - len(plane))))
        plane[2 * position : 2 * position + len(pcm)] = pcm

    frames = place(records, put)
    assert frames == 3 * 160
    wav = b"".join(wav_blocks(frames, lambda ch, at, n: bytes(planes[ch][2 * at : 2 * (at + n)])))
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 8000)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    left, right = data[0::2], data[1::2]
    caller_frames = {160 * i: frame(i) for i in range(3)}
    assert np.array_equal(left, expected(frames, caller_frames, g711.PCMU))
    assert np.array_equal(right, expected(frames, {80: frame(0x77)}, g711.PCMA))
