"""Helpers shared by tests: skip-or-fail when a real tool is missing."""

from __future__ import annotations

import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def require_all() -> bool:
    """True when every test must run (CI sets ``HELIN_REQUIRE_ALL=1``)."""
    return os.environ.get("HELIN_REQUIRE_ALL", "0") == "1"


def need(condition: bool, why: str) -> None:
    """Skip the test unless ``condition``; under ``HELIN_REQUIRE_ALL=1`` fail instead.

    ``why`` names what is missing, e.g. "PostgreSQL server binaries (Debian package
    postgresql)".
    """
    if condition:
        return
    if require_all():
        pytest.fail(f"missing: {why} (HELIN_REQUIRE_ALL=1 requires every test to run)")
    pytest.skip(f"missing: {why}")


def postgres_bindir() -> Path | None:
    """Directory of the newest installed PostgreSQL server binaries (``initdb``, ``pg_ctl``).

    ``HELIN_PG_BINDIR`` overrides the search of ``/usr/lib/postgresql/*/bin`` (Debian).
    """
    override = os.environ.get("HELIN_PG_BINDIR")
    candidates = [Path(override)] if override else glob_versions("/usr/lib/postgresql")
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def glob_versions(root: str) -> list[Path]:
    """``<root>/<version>/bin`` directories, newest version first."""

    def version(path: Path) -> tuple[int, ...]:
        parts = path.parent.name.split(".")
        return tuple(int(part) for part in parts if part.isdigit())

    return sorted(Path(root).glob("*/bin"), key=version, reverse=True)


def free_baresip_port() -> int:
    """A SIP port for baresip: free a moment ago for UDP and TCP, and ``port + 1`` for TCP.

    baresip 1.0 listens on its ``sip_listen`` port with UDP and TCP and puts its TLS
    transport on the next port; if any of the three is taken it exits at start.
    """
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port: int = udp.getsockname()[1]
            if port >= 65535:
                continue
            try:
                with (
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls,
                ):
                    tcp.bind(("127.0.0.1", port))
                    tls.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise OSError("no port free for baresip's UDP, TCP and TLS transports on 127.0.0.1")


def free_rtp_range(size: int) -> int:
    """The first of ``size`` UDP ports on 127.0.0.1, all free a moment ago, in 10000-19999:
    below the kernel's ephemeral range (32768-60999, where sipp's and other programs' ports
    come from) and apart from the RTP ranges of the helins the tests run (20000-39999)."""
    for _ in range(100):
        base = random.randrange(10000, 20000 - size, 2)
        socks: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise OSError("no free range of RTP ports for baresip")


BIND_FAILED = "Address already in use"
"""What baresip logs when a port it was given was taken in the meantime (it then exits)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free loopback port.

    PostgreSQL refuses to run as root; as root the cluster belongs to ``run_as`` (the
    ``postgres`` system user) and every server command runs through ``runuser``.
    """

    user = "helin"
    """The cluster's superuser; local TCP connections are trusted."""

    def __init__(self, bindir: Path, run_as: str | None) -> None:
        self.bindir = bindir
        self.run_as = run_as
        self.root = Path(tempfile.mkdtemp(prefix="helin-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def start(self, attempts: int = 3) -> None:
        init = ["-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-locale"]
        done = self._run("initdb", *init, "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
        for _ in range(attempts):
            self.port = free_port()
            options = (
                f"-p {self.port} -h 127.0.0.1 -k {self.root} -F"
                " -c full_page_writes=off -c synchronous_commit=off"
            )
            control = ["-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
            done = self._run("pg_ctl", *control, "-o", options, "start")
            if done.returncode == 0:
                return
        log = self.log.read_text() if self.log.exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}{log}")

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"helin_test_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_run_as() -> tuple[str | None, str | None]:
    """Who runs the server: ``(user, None)``, or ``(None, why it cannot run)`` as root."""
    if os.geteuid() != 0:
        return None, None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None, "the 'postgres' system user (PostgreSQL refuses to run as root)"
    if shutil.which("runuser") is None:
        return None, "runuser (util-linux), to run PostgreSQL as the 'postgres' user"
    return "postgres", None
