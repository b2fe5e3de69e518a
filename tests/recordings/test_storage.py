"""Both storage back-ends do the same: store durably, serve exact byte ranges, delete
idempotently; on the object store, against a real S3-compatible server (SeaweedFS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helin.recordings.s3 import S3Settings, S3Storage
from helin.recordings.storage import FileStorage, Storage, StorageError
from tests.support import free_port


def test_put_read_ranges_and_delete(storage: Storage, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    source = tmp_path / "rec.flac"
    source.write_bytes(data)
    storage.put("3/2026/12/10/call-1.flac", source, "audio/flac")
    assert source.read_bytes() == data  # a copy is stored; the source stays
    assert storage.size("3/2026/12/10/call-1.flac") == len(data)
    assert b"".join(storage.read("3/2026/12/10/call-1.flac", 0, len(data) - 1)) == data
    assert b"".join(storage.read("3/2026/12/10/call-1.flac", 1000, 70_999)) == data[1000:71_000]
    storage.delete(["3/2026/12/10/call-1.flac", "3/2026/12/10/never-there.flac"])
    assert storage.size("3/2026/12/10/call-1.flac") is None
    storage.delete(["3/2026/12/10/call-1.flac"])  # twice: no error


def test_many_deletes_in_one_call(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "x.wav"
    source.write_bytes(b"RIFF....")
    keys = [f"1/2026/12/10/c{n}.wav" for n in range(30)]
    for key in keys:
        storage.put(key, source, "audio/wav")
    storage.delete(keys[:20])
    assert [storage.size(k) for k in keys].count(None) == 20


def test_file_keys_cannot_leave_the_directory(tmp_path: Path) -> None:
    files = FileStorage(tmp_path / "stored")
    with pytest.raises(ValueError):
        files.path("../../etc/passwd")
    with pytest.raises(ValueError):
        files.path("/etc/passwd")


def test_an_object_store_that_is_away_is_a_storage_error(tmp_path: Path) -> None:
    source = tmp_path / "x.wav"
    source.write_bytes(b"RIFF....")
    away = S3Storage(
        S3Settings(
            endpoint=f"http://127.0.0.1:{free_port()}",
            bucket="nobody",
            access_key="a",
            secret_key="b",
        ),
        timeout=2,
    )
    with pytest.raises(StorageError):
        away.put("1/x.wav", source, "audio/wav")
