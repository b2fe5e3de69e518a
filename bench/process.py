"""What the benchmarks share: a server in a subprocess, and CPU time from /proc.

A benchmark server (``bench.sip_server``, ``bench.calls_server``) speaks one JSON line per
request over its stdin/stdout: it first prints ``{"port": ..., "pid": ..., ...}`` when ready,
then answers ``stats`` and stops on ``quit``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path
from typing import IO, Any

TICK = os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    """The machine's 1-, 5- and 15-minute load averages, for the figures' record."""
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], share: float) -> float:
    """The value ``share`` of the way up the sorted values (nearest rank; 0.99: the p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class ServerProcess:
    """One benchmark server: started, asked for its figures, stopped whatever happened."""

    def __init__(
        self,
        command: list[str],
        *,
        cwd: Path,
        what: str,
        env: dict[str, str] | None = None,
        stderr: IO[bytes] | None = None,
        quit_timeout: float = 10.0,
    ) -> None:
        self.what = what
        """How errors name it, e.g. "the SIP server process"."""
        self.quit_timeout = quit_timeout
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, env=env
        )
        ready = self.read()
        self.port: int = ready["port"]
        self.pid: int = ready["pid"]

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.what} died")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ask(self, command: str) -> dict[str, Any]:
        """Send one command line; the server's answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self.read()

    def stats(self) -> dict[str, Any]:
        return self.ask("stats")

    def cpu(self) -> float:
        return proc_cpu(self.pid)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"quit\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=self.quit_timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
