"""Running sipp (Debian ``sip-tester``) against helin: free ports, logs kept, bounded waits.

Each run gets its own free SIP port, RTP port pair (``-mp`` p and p+2, which sipp binds even
when the scenario has no media) and control port (``-cp``, 8888 by default), so it never
collides with another sipp on the machine. It writes its statistics (``-trace_stat``), its
messages (``-trace_msg``) and its errors (``-trace_err``) into the test's temporary directory;
``report()`` gathers them for assertion messages. sipp's own ``-timeout`` ends a stuck run
as a failure, and the process is killed at teardown whatever happened.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.interop.harness import free_udp_port, udp_port_bound
from tests.support import free_rtp_range, need

SCENARIOS = Path(__file__).parent / "scenarios"


def need_sipp() -> str:
    path = shutil.which("sipp")
    need(path is not None, "sipp (Debian package sip-tester; scripts/system-deps.sh installs it)")
    assert path is not None
    return path


class Sipp:
    """One sipp process."""

    def __init__(
        self,
        workdir: Path,
        name: str,
        *args: str,
        timeout: float = 30.0,
        ip: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.binary = need_sipp()
        self.workdir = workdir
        self.name = name
        self.port = port or free_udp_port()
        self.ip = ip
        """Address sipp binds (any of 127.0.0.0/8 is this machine: a trunk on 127.0.0.2 is
        told apart from phones on 127.0.0.1)."""
        self.timeout = timeout
        """Seconds sipp may run before it gives up (``-timeout``, counted as a failure)."""
        self.stat_file = workdir / f"{name}.stat.csv"
        self.message_file = workdir / f"{name}.messages.log"
        self.error_file = workdir / f"{name}.errors.log"
        self.output_file = workdir / f"{name}.out.log"
        self.args = [
            *args,
            "-i",
            ip,
            "-p",
            str(self.port),
            "-mp",
            str(free_rtp_range(4)),  # sipp binds -mp p and p + 2
            "-cp",
            str(free_udp_port()),
            "-nostdin",
            "-trace_stat",
            "-stf",
            str(self.stat_file),
            "-fd",
            "1",
            "-trace_msg",
            "-message_file",
            str(self.message_file),
            "-trace_err",
            "-error_file",
            str(self.error_file),
            "-timeout",
            f"{int(timeout)}s",
            "-timeout_error",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def scenario(
        cls, workdir: Path, name: str, *args: str, directory: Path = SCENARIOS, **kwargs: Any
    ) -> Sipp:
        """sipp with one of our XML scenarios (``<directory>/<name>.xml``)."""
        return cls(workdir, name, "-sf", str(directory / f"{name}.xml"), *args, **kwargs)

    def start(self) -> Sipp:
        with self.output_file.open("wb") as out:
            self.proc = subprocess.Popen(
                [self.binary, *self.args],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_listening(self, timeout: float = 10.0) -> None:
        """Wait until sipp has bound its SIP port (before sending it anything)."""
        deadline = time.monotonic() + timeout
        while not udp_port_bound(self.port):
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"sipp exited early\n{self.report()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"sipp never bound port {self.port}\n{self.report()}")
            time.sleep(0.02)

    def wait(self) -> int:
        """sipp's exit status (0: every call succeeded); kills it if it outlives its timeout."""
        assert self.proc is not None
        try:
            return self.proc.wait(self.timeout + 15)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"sipp did not exit\n{self.report()}") from None

    def run(self) -> int:
        return self.start().wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stats(self) -> dict[str, str]:
        """The last line of sipp's statistics file, by column name."""
        with self.stat_file.open(newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        assert len(rows) >= 2, f"no statistics from sipp\n{self.report()}"
        return dict(zip(rows[0], rows[-1], strict=False))

    def calls(self) -> tuple[int, int]:
        """(successful, failed) calls over the whole run."""
        stats = self.stats()
        return int(stats["SuccessfulCall(C)"]), int(stats["FailedCall(C)"])

    def messages(self) -> str:
        return _read(self.message_file)

    def received(self) -> list[str]:
        """The messages sipp received, in order (from its ``-trace_msg`` log)."""
        entries = re.split(r"\n-{20,} [^\n]*\n", "\n" + self.messages())
        return [
            entry.split("\n", 2)[2].strip()
            for entry in entries
            if entry.startswith("UDP message received")
        ]

    def report(self) -> str:
        parts = [
            f"sipp {' '.join(self.args)}",
            f"--- output ---\n{_read(self.output_file)[-3000:]}",
            f"--- errors ---\n{_read(self.error_file)[-3000:]}",
            f"--- messages ---\n{_read(self.message_file)[-6000:]}",
        ]
        return "\n".join(parts)


def users_file(workdir: Path, *users: str) -> str:
    """A sipp injection file with one username per line (``[field0]`` in our scenarios)."""
    path = workdir / "users.csv"
    path.write_text("SEQUENTIAL\n" + "".join(f"{user};\n" for user in users))
    return str(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
