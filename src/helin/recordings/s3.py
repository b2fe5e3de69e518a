"""Recordings in an S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph RGW, ...).

Through boto3, the AWS SDK: every S3-compatible server is tested against it first. Objects
are ``<prefix><key>``; an upload is one ``PutObject`` (multipart above 64 MiB, which a call
recording in FLAC reaches after about 60 hours), and its ``200 OK`` means the server has it
durably. Checksums are sent only where S3 requires them (``when_required``): several
S3-compatible servers refuse the CRC trailers newer SDKs add by default. Deletes go 1,000
keys per ``DeleteObjects``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from helin.recordings.storage import CHUNK, StorageError

DELETE_BATCH = 1000
"""Keys per DeleteObjects request (the S3 limit)."""


@dataclass(frozen=True, slots=True)
class S3Settings:
    """Where the object store is and how to sign in to it."""

    endpoint: str | None
    """``https://host:port``; None for AWS S3 itself."""
    bucket: str
    prefix: str = ""
    """Put before every key (``helin/`` keeps helin's objects apart in a shared bucket)."""
    access_key: str | None = None
    secret_key: str | None = None
    region: str = "us-east-1"


class S3Storage:
    """Recordings as objects in one bucket."""

    name = "s3"

    def __init__(self, settings: S3Settings, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            region_name=settings.region,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": 3, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self._transfer = TransferConfig(multipart_threshold=64 * 1024 * 1024, use_threads=False)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (for tests and first starts)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError:
            try:
                self._client.create_bucket(Bucket=self.bucket)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot create bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"object store unreachable: {exc}") from exc

    def put(self, key: str, source: Path, media_type: str) -> None:
        try:
            self._client.upload_file(
                str(source),
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": media_type},
                Config=self._transfer,
            )
        except (ClientError, BotoCoreError, Boto3Error, OSError) as exc:
            raise StorageError(f"cannot store {key}: {exc}") from exc

    def size(self, key: str) -> int | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(f"cannot read {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"object store unreachable: {exc}") from exc
        return int(head["ContentLength"])

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        try:
            answer = self._client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}"
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot read {key}: {exc}") from exc
        body = answer["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, keys: Iterable[str]) -> None:
        batch = [self._key(k) for k in keys]
        for i in range(0, len(batch), DELETE_BATCH):
            objects = [{"Key": k} for k in batch[i : i + DELETE_BATCH]]
            try:
                answer = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
                )
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot delete recordings: {exc}") from exc
            errors = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if errors:
                raise StorageError(f"the object store kept {len(errors)} recordings: {errors[0]}")
