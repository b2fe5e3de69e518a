"""Calls benchmark: sipp places group calls through a whole helin to sipp agents on loopback.

Run as ``python -m bench.calls`` (``make bench-calls``; needs ``sipp``, Debian's
``sip-tester``). Every run starts a fresh helin (``bench/calls_server.py``: what ``helin serve``
builds, plus a stats channel) on a copy of one provisioned SQLite database, pinned to the
first core; the sipps run on the second (when there are two).

The company: one tenant with the call-center and recording add-ons, a trunk on 127.0.0.2 (the
caller sipp), ``AGENTS`` agents with one softphone each, all members of one group (uniform
policy, wrap-up 0, override open, a queue long enough for any burst) and logged in (written to
the copy of the database before helin starts: helin restores logins at start-up). One sipp
registers every phone with digest auth from one port (``-inf`` with usernames and
passwords), then one sipp UAS on that port answers every agent's calls (180, 200, ACK), talks
for the hold time and hangs up with BYE; the caller sipp waits for helin's BYE.

- **setup_cps**: short calls (``SETUP_HOLD_MS`` talk, no RTP from sipp; helin still plays
  its greeting and records) at a steady rate for ``SETUP_SECONDS``; the highest rate with
  every call answered, no failed call on either sipp and every call row ``answered`` in the
  store; rates step up, then bisect; capped at ``SETUP_GOAL``.
- **concurrent_recorded_calls**: ``C`` long calls ramped up at ``RAMP_CPS``, all held
  together for ``HOLD_WINDOW`` seconds, RTP both ways at 50 packets/s per direction (sipp's
  ``rtp_stream`` from a µ-law WAV, looped); helin relays and records every one. It passes with
  no failed call, all ``C`` bridged at once, and RTP loss under ``MAX_LOSS``; capped at
  ``CONCURRENCY_GOAL``.
- **rtp_loss**: measured *at helin*: for every media leg, packets received vs expected from
  the RTP sequence numbers (RFC 3550 A.3), sampled every 0.5 s and summed over the legs of all
  calls; sipp's rtp_stream sends 50 packets/s per leg. Kernel drops on loopback would show as
  gaps. sipp 3.6 counts no RTP it receives, so the direction helin → sipp is checked by the
  system's UDP ``RcvbufErrors`` (on loopback a datagram is lost only on a full socket
  buffer) and helin's relay send errors, both reported per run.
- **cpu_ms_per_call**: helin's user + system CPU (``/proc/<pid>/stat``) from the first call
  until the last call and its recording are finished, divided by the calls, at the best
  setup run. **rss_mb**: helin's peak RSS (``VmHWM``) in the best concurrency run.

Results are printed; the full search (no ``--quick``, ``--rate`` or ``--concurrency``) also
writes them to ``bench/results/calls.json``. ``--quick`` (or ``HELIN_BENCH_QUICK=1``) shortens
every run, for iterating. ``HELIN_BENCH_PROFILE=<file>`` profiles helin (cProfile) in every
run, each overwriting ``file``: use it with ``--rate`` or ``--concurrency``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.process import ServerProcess, load_average
from helin import compiled

RESULTS = Path(__file__).parent / "results" / "calls.json"
SCENARIOS = Path(__file__).parent / "scenarios"
ROOT = Path(__file__).parent.parent
HOST = "127.0.0.1"
TRUNK = "127.0.0.2"
DOMAIN = "bench.helin"
NUMBER = "+3726000100"
CALLER = "+3725550001"
AGENTS = 560
"""Agents (one phone each): more than the concurrency goal, and than the calls a setup run at
the goal rate keeps up at once."""
RTP_PORTS = (10000, 32767)
"""helin's RTP range: below Linux's ephemeral range (where sipp's sockets are), and wider than
the default 20000-29999: ports rest 30 s after a call (see docs/benchmarks.md)."""
BUFF_SIZE = "4194304"
SETUP_GOAL = 300
CONCURRENCY_GOAL = 500
SETUP_SECONDS = 20
SETUP_HOLD_MS = 1000
SETUP_RATES = (25, 50, 100, 200, 300)
"""Setup search: the first rate of these that fails is bisected against the last that passed."""
SETUP_RUNS = 7
RAMP_CPS = 50
HOLD_WINDOW = 15
"""Seconds every call of a concurrency run is up at once (after the ramp)."""
CONCURRENCY_STEPS = (100, 200, 300, 400, 500)
CONCURRENCY_RUNS = 7
MAX_LOSS = 0.001
QUICK = {"setup_seconds": 8, "hold_window": 6}
LATE = 5.0
"""Seconds a setup run may take beyond its calls' duration before it counts as fallen behind."""
CORES = os.cpu_count() or 1
SERVER_CORE = 0
SIPP_CORE = 1 if CORES > 1 else 0
SETTLE_LIMIT = 60.0
"""Seconds to wait after a run for helin to end every call and finish its recordings."""


def udp_snmp() -> dict[str, int]:
    """The system's UDP counters (/proc/net/snmp): RcvbufErrors counts datagrams dropped on
    a full socket buffer, by anyone on the machine."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return {k: int(v) for k, v in zip(rows[0][1:], rows[1][1:], strict=False)}


def free_port(host: str = HOST) -> int:
    with socket.socket(type=socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_rtp_base(host: str = HOST) -> int:
    """An even port p with p and p + 2 free a moment ago (sipp binds both for -mp)."""
    for _ in range(100):
        base = free_port(host) & ~1
        socks: list[socket.socket] = []
        try:
            for port in (base, base + 2):
                sock = socket.socket(type=socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind((host, port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free RTP port pair for sipp")


def udp_bound(host: str, port: int) -> bool:
    with socket.socket(type=socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


# ---------------------------------------------------------------- provisioning


def agent_name(i: int) -> str:
    return f"agent{i:04d}"


def agent_password(i: int) -> str:
    return f"bench-secret-{i:04d}"


def company(agents: int, trunk_port: int, more_groups: str = "") -> str:
    """The benchmark's company as a provisioning file; ``more_groups`` is YAML for more
    groups (list items indented as the first group's)."""
    users = "".join(
        f"      - username: {agent_name(i)}\n"
        f"        rights: [agent]\n"
        f"        devices:\n"
        f"          - {{kind: softphone, sip_username: {agent_name(i)}, "
        f"password: {agent_password(i)}}}\n"
        for i in range(agents)
    )
    members = ", ".join(agent_name(i) for i in range(agents))
    return (
        "version: 1\n"
        "trunks:\n"
        "  - name: carrier\n"
        f'    peers: ["{TRUNK}"]\n'
        f'    outbound: "sip:{TRUNK}:{trunk_port}"\n'
        "tenants:\n"
        "  - name: Bench OÜ\n"
        f"    sip_domain: {DOMAIN}\n"
        "    call_center: true\n"
        "    recording: true\n"
        "    users:\n"
        f"{users}"
        "    groups:\n"
        "      - name: Bench\n"
        f'        numbers: ["{NUMBER}"]\n'
        "        policy: uniform\n"
        "        override: open\n"
        "        queue: {ring_timeout: 20, wrap_up: 0, max_queue_length: 5000, max_wait: 600,"
        " bounce_after_missed: 0}\n"
        f"        members: [{members}]\n"
        f"{more_groups}"
    )


def provision(workdir: Path, agents: int, more_groups: str = "") -> Path:
    """A provisioned database with every agent logged in; its path."""
    from helin.store import db
    from helin.store.provisioning.file import provision_file

    data = workdir / "template"
    data.mkdir()
    url = f"sqlite:///{data / 'helin.db'}"
    db.migrate(url)
    (workdir / "provision.yaml").write_text(company(agents, free_port(TRUNK), more_groups))
    provision_file(url, workdir / "provision.yaml")
    with contextlib.closing(sqlite3.connect(data / "helin.db")) as conn:
        conn.execute("UPDATE memberships SET logged_in = 1")
        conn.commit()
    return data / "helin.db"


def write_users(workdir: Path, agents: int) -> Path:
    path = workdir / "agents.csv"
    lines = "".join(
        f"{agent_name(i)};[authentication username={agent_name(i)} password={agent_password(i)}];\n"
        for i in range(agents)
    )
    path.write_text("SEQUENTIAL\n" + lines)
    return path


def write_tone(path: Path, seconds: float = 1.0) -> None:
    """A µ-law WAV (8 kHz mono): sipp's rtp_stream sends it as PCMU, 160 bytes per 20 ms."""
    from helin.media.g711 import ulaw_from_linear

    samples = int(8000 * seconds)
    data = bytes(
        ulaw_from_linear(int(8000 * math.sin(2 * math.pi * 440 * n / 8000))) for n in range(samples)
    )
    fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def write_scenarios(workdir: Path, tone: Path) -> dict[str, Path]:
    """The XML scenarios with and without RTP (``@RTP@``/``@PORT@`` filled in; agent.xml's
    ``@HOLD@`` is filled per run)."""
    out: dict[str, Path] = {"register": SCENARIOS / "register.xml"}
    stream = f'<nop><action><exec rtp_stream="{tone},-1,0"/></action></nop>'
    for name in ("caller", "agent"):
        text = (SCENARIOS / f"{name}.xml").read_text()
        quiet = text.replace("@RTP@", "").replace("@PORT@", "[media_port]")
        loud = text.replace("@RTP@", stream).replace("@PORT@", "[rtpstream_audio_port]")
        for suffix, body in (("", quiet), ("_rtp", loud)):
            path = workdir / f"{name}{suffix}.xml"
            path.write_text(body)
            out[f"{name}{suffix}"] = path
    return out


# ---------------------------------------------------------------- processes


class Server(ServerProcess):
    """``bench.calls_server`` pinned to ``SERVER_CORE`` on a copy of the template database."""

    def __init__(self, data: Path, log: Path, *, profile: Path | None = None) -> None:
        env = dict(os.environ)
        env.pop("HELIN_BENCH_PROFILE", None)
        if profile is not None:
            env["HELIN_BENCH_PROFILE"] = str(profile)
        command = [sys.executable, "-m", "bench.calls_server", "--data-dir", str(data)]
        command += ["--rtp-ports", f"{RTP_PORTS[0]}-{RTP_PORTS[1]}", "--core", str(SERVER_CORE)]
        self.log = log.open("wb")
        super().__init__(
            command,
            cwd=ROOT,
            what=f"the helin process (its log: {log.name})",
            env=env,
            stderr=self.log,
            quit_timeout=30.0,
        )

    def close(self) -> None:
        super().close()
        self.log.close()


class Sipp:
    """One sipp process pinned to ``SIPP_CORE``, with its statistics and errors in files."""

    def __init__(
        self, workdir: Path, name: str, args: list[str], *, ip: str, port: int, timeout: int
    ) -> None:
        self.name = name
        self.port = port
        self.stat_file = workdir / f"{name}.stat.csv"
        self.error_file = workdir / f"{name}.errors.log"
        self.output = workdir / f"{name}.out.log"
        self.timeout = timeout
        self.command = ["sipp", *args, "-i", ip, "-p", str(port)]
        self.command += ["-mi", ip, "-mp", str(free_rtp_base(ip)), "-cp", str(free_port())]
        self.command += ["-buff_size", BUFF_SIZE, "-nostdin", "-trace_stat"]
        self.command += ["-stf", str(self.stat_file), "-fd", "1", "-trace_err"]
        self.command += ["-error_file", str(self.error_file)]
        self.command += ["-timeout", f"{timeout}s", "-timeout_error"]
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.usage: Any = None

    def start(self) -> Sipp:
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen(
                self.command,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, {SIPP_CORE}),
            )
        return self

    def wait_listening(self, limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        while not udp_bound(self.command[self.command.index("-i") + 1], self.port):
            assert self.proc is not None
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sipp {self.name} never bound its port: {self.tail()}")
            time.sleep(0.02)

    def wait(self, limit: float | None = None) -> int:
        """Exit status; kills sipp if it outlives ``limit`` (its own timeout + 15 s)."""
        assert self.proc is not None
        deadline = time.monotonic() + (limit if limit is not None else self.timeout + 15)
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                break
            time.sleep(0.05)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stats(self) -> dict[str, str]:
        """The last line of sipp's statistics file, by column name."""
        try:
            with self.stat_file.open(newline="") as f:
                rows = list(csv.reader(f, delimiter=";"))
        except OSError:
            return {}
        if len(rows) < 2:
            return {}
        return dict(zip(rows[0], rows[-1], strict=False))

    def calls(self) -> tuple[int, int]:
        stats = self.stats()
        return int(stats.get("SuccessfulCall(C)", 0)), int(stats.get("FailedCall(C)", 0))

    def tail(self) -> str:
        lines: list[str] = []
        for path in (self.error_file, self.output):
            with contextlib.suppress(OSError):
                lines += path.read_text(errors="replace").splitlines()
        useful = [x for x in lines if x.strip() and not x.startswith(("----", " "))]
        return " | ".join(useful[-2:])[:400]


def register_phones(
    rundir: Path,
    server: Server,
    sipps: list[Sipp],
    scenario: Path,
    users: Path,
    count: int,
    name: str,
    rate: int = 400,
) -> Sipp:
    """``count`` phones (of the ``users`` file, in order) register with digest auth from one
    new sipp port, ``rate`` a second; returns that sipp once it has ended, for the agents' UAS
    to take its port."""
    register = Sipp(
        rundir,
        name,
        [
            *(f"{HOST}:{server.port}", "-sf", str(scenario)),
            *("-inf", str(users), "-key", "domain", DOMAIN),
            *("-m", str(count), "-r", str(rate), "-l", "200"),
        ],
        ip=HOST,
        port=free_port(),
        timeout=60 + count // rate,
    )
    sipps.append(register)
    register.start().wait()
    ok, _ = register.calls()
    if ok != count:
        raise RuntimeError(f"{ok} of {count} phones registered: {register.tail()}")
    return register


# ---------------------------------------------------------------- runs


@dataclass
class Run:
    kind: str
    """``setup`` or ``concurrency``."""
    target: int
    """Calls per second (setup) or concurrent calls (concurrency)."""
    calls: int = 0
    caller_ok: int = 0
    caller_failed: int = 0
    agent_ok: int = 0
    agent_failed: int = 0
    answered_rows: int = 0
    """Call rows with outcome ``answered`` in helin's store after the run."""
    recordings: int = 0
    """Recording rows in helin's store after the run."""
    wall: float = 0.0
    """Seconds from the first call until the caller sipp ended."""
    settle: float = 0.0
    """Seconds after that until helin had no call, session or unfinished recording."""
    cpu: float = 0.0
    store_cpu: float = 0.0
    """CPU seconds of the records writer (the store's share of ``cpu``)."""
    """helin's CPU seconds from the first call until settled."""
    peak_calls: int = 0
    """Most calls helin held at once (sampled every 0.5 s)."""
    rss_peak_mb: float = 0.0
    rtp_received: int = 0
    rtp_expected: int = 0
    window_received: int = 0
    window_expected: int = 0
    """RTP over the hold window alone (every call up)."""
    send_errors: int = 0
    rcvbuf_errors: int = 0
    """System-wide UDP RcvbufErrors during the run (anyone's sockets)."""
    notes: list[str] = field(default_factory=list)
    limit: float = 0.0

    @property
    def loss(self) -> float:
        if not self.rtp_expected:
            return 0.0
        return max(0.0, 1 - self.rtp_received / self.rtp_expected)

    @property
    def window_loss(self) -> float:
        if not self.window_expected:
            return 0.0
        return max(0.0, 1 - self.window_received / self.window_expected)

    @property
    def passed(self) -> bool:
        ok = (
            self.caller_failed == 0
            and self.agent_failed == 0
            and self.caller_ok == self.calls
            and self.agent_ok >= self.calls  # the agents' sipp also counts OPTIONS answered
            and self.answered_rows == self.calls
            and not self.notes
        )
        if self.kind == "setup":
            return ok and self.wall <= self.limit
        return ok and self.peak_calls >= self.calls and self.loss < MAX_LOSS

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu / max(1, self.caller_ok)

    @property
    def store_cpu_ms_per_call(self) -> float:
        return 1000 * self.store_cpu / max(1, self.caller_ok)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("limit")
        out["passed"] = self.passed
        out["cpu_ms_per_call"] = round(self.cpu_ms_per_call, 2)
        out["store_cpu_ms_per_call"] = round(self.store_cpu_ms_per_call, 2)
        out["loss"] = round(self.loss, 6)
        out["window_loss"] = round(self.window_loss, 6)
        for key in ("wall", "settle", "cpu", "store_cpu", "rss_peak_mb"):
            out[key] = round(out[key], 2)
        return out

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        unit = "/s" if self.kind == "setup" else " up"
        text = (
            f"  {self.kind:11} {self.target:4d}{unit} {verdict} "
            f"{self.caller_ok:5d}/{self.calls} ok "
            f"{self.caller_failed + self.agent_failed:4d} failed  {self.wall:5.1f} s  "
            f"{self.cpu_ms_per_call:6.2f} ms/call (store {self.store_cpu_ms_per_call:5.2f})  "
            f"peak {self.peak_calls:4d} calls "
            f"{self.rss_peak_mb:6.1f} MB"
        )
        if self.kind == "concurrency":
            text += (
                f"  RTP {self.rtp_received}/{self.rtp_expected} loss {100 * self.loss:.3f}%"
                f" (window {100 * self.window_loss:.3f}%)"
            )
        return text


class Bench:
    def __init__(
        self, workdir: Path, *, quick: bool, agents: int = AGENTS, more_groups: str = ""
    ) -> None:
        self.workdir = workdir
        self.quick = quick
        self.agents = agents
        self.setup_seconds = QUICK["setup_seconds"] if quick else SETUP_SECONDS
        self.hold_window = QUICK["hold_window"] if quick else HOLD_WINDOW
        began = time.monotonic()
        self.template = provision(workdir, agents, more_groups)
        self.users = write_users(workdir, agents)
        tone = workdir / "tone.wav"
        write_tone(tone)
        self.files = write_scenarios(workdir, tone)
        self.provision_seconds = time.monotonic() - began
        self.runs: list[Run] = []
        self.profile: Path | None = None

    def run(self, kind: str, target: int) -> Run:
        index = len(self.runs)
        rundir = self.workdir / f"run{index:02d}-{kind}-{target}"
        data = rundir / "data"
        data.mkdir(parents=True)
        shutil.copy(self.template, data / "helin.db")
        if kind == "setup":
            calls, rate, hold_ms, media = target * self.setup_seconds, target, SETUP_HOLD_MS, False
        else:
            ramp = math.ceil(target / RAMP_CPS)
            calls, rate, media = target, RAMP_CPS, True
            hold_ms = 1000 * (ramp + 3 + self.hold_window)
        result = Run(kind, target, calls=calls)
        result.limit = calls / rate + hold_ms / 1000 + LATE
        agent_file = rundir / "agent.xml"
        template = self.files["agent_rtp" if media else "agent"].read_text()
        agent_file.write_text(template.replace("@HOLD@", str(hold_ms)))
        sipps: list[Sipp] = []
        server = Server(data, rundir / "helin.log", profile=self.profile)
        try:
            self._register(rundir, server, sipps)
            agent = Sipp(
                rundir,
                "agents",
                # no -m: the OPTIONS pings helin sends are "calls" of this scenario too
                ["-sf", str(agent_file)],
                ip=HOST,
                port=sipps[0].port,
                timeout=int(result.limit + 60),
            )
            sipps.append(agent.start())
            agent.wait_listening()
            caller_args = [f"{HOST}:{server.port}", "-sf"]
            caller_args += [str(self.files["caller_rtp" if media else "caller"])]
            caller_args += ["-s", NUMBER, "-key", "caller", CALLER, "-r", str(rate)]
            caller_args += ["-m", str(calls), "-l", str(max(calls, 10))]
            caller = Sipp(
                rundir,
                "caller",
                caller_args,
                ip=TRUNK,
                port=free_port(TRUNK),
                timeout=int(result.limit + 60),
            )
            sipps.append(caller)
            snmp0 = udp_snmp()
            cpu0, start = server.cpu(), time.monotonic()
            store0 = server.stats()["store_cpu"]
            caller.start()
            window: dict[str, Any] | None = None
            window_at = start + (calls / rate + 3 if media else math.inf)
            deadline = start + result.limit + 60
            assert caller.proc is not None
            while caller.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)
                stats = server.stats()
                result.peak_calls = max(result.peak_calls, self._bridged(stats))
                if window is None and time.monotonic() >= window_at:
                    window = stats
                    window_end = window_at + self.hold_window - 1
                if (
                    window is not None
                    and "rtp_window" not in window
                    and (time.monotonic() >= window_end)
                ):
                    window["rtp_window"] = stats["rtp"]
                if self._doomed(result, stats, rate, hold_ms, caller, agent):
                    caller.kill()
                    agent.kill()
                    break
            result.wall = time.monotonic() - start
            caller.wait(5)
            agent.kill()  # no -m: it would wait for calls for ever
            result.settle, stats = self._settle(server, 5.0 if result.notes else SETTLE_LIMIT)
            result.cpu = server.cpu() - cpu0
            result.store_cpu = stats["store_cpu"] - store0
            result.rcvbuf_errors = udp_snmp()["RcvbufErrors"] - snmp0["RcvbufErrors"]
            result.rss_peak_mb = stats["VmHWM"] / 1024
            result.send_errors = stats["send_errors"]
            result.rtp_received = stats["rtp"]["received"]
            result.rtp_expected = stats["rtp"]["expected"]
            if window is not None and "rtp_window" in window:
                result.window_received = (
                    window["rtp_window"]["received"] - window["rtp"]["received"]
                )
                result.window_expected = (
                    window["rtp_window"]["expected"] - window["rtp"]["expected"]
                )
            result.caller_ok, result.caller_failed = caller.calls()
            result.agent_ok, result.agent_failed = agent.calls()
            if not result.notes and (caller.proc.returncode != 0 or result.caller_failed):
                result.notes.append(f"caller: rc {caller.proc.returncode}: {caller.tail()}")
            if result.agent_failed:
                result.notes.append(f"agents: {agent.tail()}")
        finally:
            for sipp in sipps:
                sipp.kill()
            server.close()
        result.answered_rows, result.recordings = self._rows(data / "helin.db")
        if media and result.recordings < result.calls:
            result.notes.append(f"only {result.recordings} recordings for {result.calls} calls")
        self.runs.append(result)
        print(result.line(), flush=True)
        for note in result.notes:
            print(f"      {note}", flush=True)
        with contextlib.suppress(OSError):  # the recordings: a concurrency run writes GBs
            shutil.rmtree(data / "recordings")
        return result

    def _register(self, rundir: Path, server: Server, sipps: list[Sipp]) -> None:
        """Every agent's phone registers from one sipp port (the agents' UAS takes it next)."""
        register_phones(
            rundir, server, sipps, self.files["register"], self.users, self.agents, "register"
        )

    @staticmethod
    def _doomed(result: Run, stats: dict[str, Any], rate: int, hold_ms: int, *sipps: Sipp) -> bool:
        """Whether the run has already failed (a failed call, or a setup run whose calls pile
        up in helin far beyond what the rate and hold time explain): it is cut short."""
        failed = [s.name for s in sipps if s.calls()[1]]
        if failed:
            result.notes.append(f"cut short: failed calls on {', '.join(failed)}")
            return True
        expected = rate * (hold_ms / 1000 + 1)
        if result.kind == "setup" and stats["calls"] > 3 * expected + 50:
            result.notes.append(f"cut short: {stats['calls']} calls in helin, fell behind")
            return True
        return False

    @staticmethod
    def _bridged(stats: dict[str, Any]) -> int:
        return int(stats["calls"])

    @staticmethod
    def _settle(server: Server, limit: float) -> tuple[float, dict[str, Any]]:
        """Wait until helin holds no call and no media session; (seconds, last stats)."""
        start = time.monotonic()
        stats = server.stats()
        while (stats["calls"] or stats["sessions"]) and time.monotonic() - start < limit:
            time.sleep(0.25)
            stats = server.stats()
        time.sleep(0.5)  # recordings are finished off the call's path
        return time.monotonic() - start, server.stats()

    @staticmethod
    def _rows(db: Path) -> tuple[int, int]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            answered = conn.execute("SELECT count(*) FROM calls WHERE outcome = 'answered'")
            recorded = conn.execute("SELECT count(*) FROM recordings")
            return int(answered.fetchone()[0]), int(recorded.fetchone()[0])

    # ------------------------------------------------------------ searches

    def search(self, kind: str) -> Run | None:
        """The best passing run: step up through the steps until one fails, then bisect
        between the best that passed and the lowest that failed (to within 10%)."""
        steps = SETUP_RATES if kind == "setup" else CONCURRENCY_STEPS
        limit = SETUP_RUNS if kind == "setup" else CONCURRENCY_RUNS
        best: Run | None = None
        bad = 0
        runs = 0
        for target in steps:
            run = self.run(kind, target)
            runs += 1
            if not run.passed:
                bad = target
                break
            best = run
        good = best.target if best else 0
        while bad and runs < limit:
            target = (good + bad) // 2
            if bad - good <= max(5, bad // 10) or target in (good, bad) or target <= 0:
                break
            run = self.run(kind, target)
            runs += 1
            if run.passed:
                best, good = run, target
            else:
                bad = target
        return best


def sipp_version() -> str:
    out = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False)
    for line in (out.stdout + out.stderr).splitlines():
        if "SIPp" in line:
            return line.strip()
    return "unknown"


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("setup", "concurrency"), help="run one search")
    parser.add_argument("--rate", type=int, help="skip the search: one setup run at this rate")
    parser.add_argument("--concurrency", type=int, help="skip the search: one concurrency run")
    parser.add_argument("--agents", type=int, default=AGENTS, help=f"default {AGENTS}")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("HELIN_BENCH_QUICK", "") not in ("", "0"),
        help=f"{QUICK['setup_seconds']} s setup runs, {QUICK['hold_window']} s hold windows "
        "(figures not written)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    single = args.rate is not None or args.concurrency is not None
    write = not (args.quick or args.only or single)
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian: apt-get install sip-tester)")
    if (args.concurrency or 0) > args.agents:
        sys.exit("--concurrency needs at least as many --agents")
    os.sched_setaffinity(0, {SIPP_CORE})
    # SIGTERM (and SIGINT, ignored in background jobs) end the run through the finally
    # clauses, which kill every sipp and stop helin
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    load_before = load_average()
    tmp = tempfile.mkdtemp(prefix="helin-bench-calls-")
    try:
        bench = Bench(Path(tmp), quick=args.quick, agents=args.agents)
        print(
            f"calls: {args.agents} agents provisioned in {bench.provision_seconds:.1f} s; "
            f"work directory {tmp}",
            flush=True,
        )
        bench.profile = (
            Path(os.environ["HELIN_BENCH_PROFILE"]).resolve()
            if os.environ.get("HELIN_BENCH_PROFILE")
            else None
        )
        setup = concurrency = None
        if single:
            if args.rate is not None:
                run = bench.run("setup", args.rate)
                setup = run if run.passed else None
            if args.concurrency is not None:
                run = bench.run("concurrency", args.concurrency)
                concurrency = run if run.passed else None
        else:
            if args.only in (None, "setup"):
                print(
                    f"setup: {bench.setup_seconds} s runs of {SETUP_HOLD_MS} ms calls", flush=True
                )
                setup = bench.search("setup")
            if args.only in (None, "concurrency"):
                print(
                    f"concurrency: ramp at {RAMP_CPS}/s, all calls up for {bench.hold_window} s, "
                    "RTP both ways, recorded",
                    flush=True,
                )
                concurrency = bench.search("concurrency")
        report(bench, setup, concurrency, time.monotonic() - began, load_before, write=write)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(
    bench: Bench,
    setup: Run | None,
    concurrency: Run | None,
    took: float,
    load_before: list[float],
    *,
    write: bool,
) -> None:
    results: dict[str, Any] = {
        "setup_cps": setup.target if setup else None,
        "concurrent_recorded_calls": concurrency.target if concurrency else None,
        "cpu_ms_per_call": round(setup.cpu_ms_per_call, 2) if setup else None,
        "store_cpu_ms_per_call": round(setup.store_cpu_ms_per_call, 2) if setup else None,
        "store_cpu_measured": "CPU time of helin's records writer thread (time.thread_time), "
        "which writes every call row, offer, agent event and statistics rollup off the loop",
        "rtp_loss": round(concurrency.loss, 6) if concurrency else None,
        "rss_mb": round(concurrency.rss_peak_mb, 1) if concurrency else None,
        "goals": {"setup_cps": SETUP_GOAL, "concurrent_recorded_calls": CONCURRENCY_GOAL},
        "rtp_loss_measured": "at helin: each media leg's packets received vs expected from the "
        "RTP sequence numbers (RFC 3550 A.3), summed over both legs of every call",
        "setup_seconds": bench.setup_seconds,
        "setup_hold_ms": SETUP_HOLD_MS,
        "hold_window_seconds": bench.hold_window,
        "ramp_cps": RAMP_CPS,
        "agents": bench.agents,
        "rtp_ports": list(RTP_PORTS),
        "sipp": sipp_version(),
        "python": platform.python_version(),
        "build": compiled.BUILD,
        "cpu": cpu_model(),
        "cores": CORES,
        "pinning": {"helin": SERVER_CORE, "sipp": SIPP_CORE},
        "machine": platform.machine(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "shared_machine": "other engineers may run tests and benchmarks on this machine at the "
        "same time; CPU figures come from helin's own /proc counters",
        "seconds": round(took),
        "runs": [run.summary() for run in bench.runs],
    }
    if write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    def show(value: Any, unit: str = "") -> str:
        return "—" if value is None else f"{value:,}{unit}"

    print()
    print(f"Calls through helin on loopback, sipp {results['sipp']}, {took:.0f} s in all")
    loss = results["rtp_loss"]
    rows = [
        ("setup_cps (goal 300)", show(results["setup_cps"], " calls/s")),
        ("cpu_ms_per_call", show(results["cpu_ms_per_call"], " ms")),
        ("store_cpu_ms_per_call", show(results["store_cpu_ms_per_call"], " ms")),
        ("concurrent_recorded_calls (goal 500)", show(results["concurrent_recorded_calls"])),
        ("rtp_loss", "—" if loss is None else f"{100 * loss:.4f}%"),
        ("rss_mb", show(results["rss_mb"], " MB")),
    ]
    for label, value in rows:
        print(f"  {label:38} {value}")
    if write:
        print(f"  written to {RESULTS}")
    else:
        print("  not written (a partial or quick run): the full search writes the figures")


if __name__ == "__main__":
    main()
