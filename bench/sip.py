"""SIP benchmark: sipp drives helin on loopback; REGISTER with digest auth, and INVITE/200/ACK/BYE.

Run as ``python -m bench.sip`` (``make bench-sip``; needs ``sipp``, Debian's ``sip-tester``).
The SIP side runs in its own process (``bench/sip_server.py``, uvloop), pinned to the first
core; sipp runs on the second (when there are two). sipp always gets ``-buff_size 4194304``:
its default socket buffers drop packets from about 2,000 calls/s.

- **rate**: for each scenario the rate is stepped up (doubling, then bisecting) in short probe
  runs; the figure is the highest rate that then runs ``FULL_SECONDS`` with no failed call and
  finishes on time (a server that falls behind stretches the run). Full runs start below the
  best probe, step down 30% at a time until one passes, then bisect.
- **CPU per call**: the server process's user + system time (``/proc/<pid>/stat``) over the full
  run, divided by the calls completed, so the figure holds when sipp is the bottleneck. helin's
  transactions linger 32 s after a call (RFC 3261 Timers J and L), so its figure also counts
  the CPU spent until the last of them has expired.
- **ceiling**: a bare responder (``sip_server.Bare``: ``add_reader`` + ``recvfrom``, 200s built
  from sliced request lines) driven by the same INVITE scenario at helin's rate.
  ``ratio`` = helin's calls per CPU-second / the bare responder's.

Results are printed; the full search (no ``--only``, ``--rate`` or ``--quick``) also writes them
to ``bench/results/sip.json``. ``--quick`` shortens every run, for iterating.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import sip_scenarios
from bench.process import ServerProcess
from helin import compiled

RESULTS = Path(__file__).parent / "results" / "sip.json"
HOST = "127.0.0.1"
USERS = 1000
BUFF_SIZE = "4194304"
FULL_SECONDS = 30
PROBE_SECONDS = 5
QUICK_SECONDS = (10, 3)
"""Full and probe run lengths with ``--quick`` (or ``HELIN_BENCH_QUICK=1``): for iterating only;
such a run prints its figures but does not write them."""
START_RATE = 500
MIN_RATE = 50
MAX_RATE = 16_000
FULL_START = 0.7
"""Where full runs start, as a share of the best probe."""
FULL_STEP_DOWN = 0.7
"""A failed full run with none passed yet: the next one at this share of its rate."""
FULL_RUNS = 5
DRAIN_LIMIT = 45.0
"""Seconds to wait for helin's lingering transactions to expire after a full run."""
LATE = 1.0
"""Seconds a run may take beyond rate·duration calls' worth before it counts as fallen behind."""
CORES = os.cpu_count() or 1
SERVER_CORE = 0
SIPP_CORE = 1 if CORES > 1 else 0


def free_port() -> int:
    with socket.socket(type=socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Server(ServerProcess):
    """``bench.sip_server`` in a subprocess pinned to ``SERVER_CORE``."""

    def __init__(self, impl: str) -> None:
        command = [sys.executable, "-m", "bench.sip_server", impl, "--users", str(USERS)]
        command += ["--core", str(SERVER_CORE)]
        super().__init__(command, cwd=Path(__file__).parent.parent, what="the SIP server process")


@dataclass
class Run:
    scenario: str
    impl: str
    rate: int
    seconds: int
    calls: int = 0
    """Calls sipp was asked to make."""
    successful: int = 0
    failed: int = 0
    retransmissions: int = 0
    wall: float = 0.0
    """Seconds sipp ran."""
    cpu: float = 0.0
    """Server CPU seconds while sipp ran."""
    drain_cpu: float = 0.0
    """Server CPU seconds after sipp ended, until its last transaction expired."""
    drain_seconds: float = 0.0
    sipp_cpu: float = 0.0
    rss_kb: int = 0
    """Server RSS at the end of the run (before draining)."""
    sipp_rc: int = 0
    load: float = 0.0
    """The machine's 1-minute load average when sipp ended (other jobs disturb the figures)."""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.sipp_rc == 0
            and self.failed == 0
            and self.successful == self.calls
            and self.wall <= self.seconds + LATE
        )

    @property
    def cpu_us_per_call(self) -> float:
        return 1e6 * (self.cpu + self.drain_cpu) / max(1, self.successful)

    @property
    def run_cpu_us_per_call(self) -> float:
        return 1e6 * self.cpu / max(1, self.successful)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        out["cpu_us_per_call"] = round(self.cpu_us_per_call, 1)
        out["run_cpu_us_per_call"] = round(self.run_cpu_us_per_call, 1)
        out["wall"] = round(self.wall, 2)
        for key in ("cpu", "drain_cpu", "drain_seconds", "sipp_cpu"):
            out[key] = round(out[key], 2)
        return out

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        return (
            f"  {self.scenario:8} {self.impl:5} {self.rate:6d}/s {self.seconds:3d} s  {verdict} "
            f"{self.successful:7d} ok {self.failed:5d} failed {self.retransmissions:6d} retrans  "
            f"{self.wall:5.1f} s  {self.cpu_us_per_call:6.1f} us/call"
            f"  sipp {100 * self.sipp_cpu / max(self.wall, 1e-9):3.0f}% cpu  load {self.load:.1f}"
        )


class Bench:
    def __init__(self, workdir: Path, full: int = FULL_SECONDS, probe: int = PROBE_SECONDS) -> None:
        self.workdir = workdir
        self.full = full
        self.probe = probe
        self.files = sip_scenarios.write(workdir, USERS)
        self.runs: list[Run] = []

    def run(self, scenario: str, impl: str, rate: int, seconds: int, *, drain: bool) -> Run:
        result = Run(scenario, impl, rate, seconds, calls=rate * seconds)
        stat = self.workdir / f"{scenario}-{impl}-{rate}-{seconds}.csv"
        stat.unlink(missing_ok=True)
        command = ["sipp", f"{HOST}:0", "-sf", str(self.files[scenario])]
        if scenario == "register":
            command += ["-inf", str(self.files["users"])]
        command += ["-buff_size", BUFF_SIZE, "-i", HOST, "-mi", HOST, "-mp", str(free_port())]
        command += ["-r", str(rate), "-m", str(result.calls), "-l", str(max(1000, rate * 5))]
        command += ["-recv_timeout", "10000", "-timeout", str(seconds + 30), "-timeout_error"]
        command += ["-nostdin", "-trace_stat", "-stf", str(stat), "-fd", "1"]
        errors = self.workdir / "sipp-stderr.txt"
        server = Server(impl)
        try:
            command[1] = f"{HOST}:{server.port}"
            cpu0 = server.cpu()
            start = time.monotonic()
            with errors.open("wb") as stderr:
                sipp = subprocess.Popen(
                    command,
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    preexec_fn=lambda: os.sched_setaffinity(0, {SIPP_CORE}),
                )
            try:
                _, status, usage = os.wait4(sipp.pid, 0)
            except BaseException:
                sipp.kill()
                sipp.wait()
                raise
            sipp.returncode = os.waitstatus_to_exitcode(status)
            result.wall = time.monotonic() - start
            result.load = round(os.getloadavg()[0], 2)
            result.cpu = server.cpu() - cpu0
            result.sipp_cpu = usage.ru_utime + usage.ru_stime
            result.sipp_rc = sipp.returncode
            self._read_stats(stat, result)
            if not result.passed:  # sipp's last complaint (its whole stderr is in the workdir)
                lines = errors.read_text(errors="replace").splitlines()
                result.notes += [x for x in lines if x.startswith(("20", "Aborting", "Error"))][-1:]
            stats = server.stats()
            result.rss_kb = stats["rss_kb"]
            if drain and result.passed:
                cpu1, drain_start = server.cpu(), time.monotonic()
                while stats["transactions"] and time.monotonic() - drain_start < DRAIN_LIMIT:
                    time.sleep(0.5)
                    stats = server.stats()
                if stats["transactions"]:
                    result.notes.append(f"{stats['transactions']} transactions left after drain")
                result.drain_seconds = time.monotonic() - drain_start
                result.drain_cpu = server.cpu() - cpu1
        finally:
            server.close()
        self.runs.append(result)
        print(result.line(), flush=True)
        for note in result.notes:
            print(f"      {note}", flush=True)
        return result

    @staticmethod
    def _read_stats(path: Path, result: Run) -> None:
        if not path.exists():
            result.notes.append("sipp wrote no statistics")
            return
        with path.open() as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        if not rows:
            return
        last = rows[-1]
        result.successful = int(last["SuccessfulCall(C)"])
        result.failed = int(last["FailedCall(C)"])
        result.retransmissions = int(last["Retransmissions(C)"])

    def search(self, scenario: str) -> Run | None:
        """The best full run.

        Short probes double the rate until one fails (or halve it until one passes), and one
        more probe bisects. Probes flatter
        helin: over a full run its lingering transactions (32 s each) pile up, and with them the
        garbage collector's pauses. So full runs start at ``FULL_START`` of the best probe and
        then bisect between the best full run that passed and the lowest that failed; a run
        that passes is drained (its CPU figure needs the transactions' expiry).
        """
        print(f"{scenario}: probing with {self.probe} s runs", flush=True)
        good, bad, rate = 0, 0, START_RATE
        while MIN_RATE <= rate <= MAX_RATE:  # up from START_RATE, or down when it fails
            if self.run(scenario, "helin", rate, self.probe, drain=False).passed:
                good, rate = rate, rate * 2
                if bad:
                    break
            else:
                bad, rate = rate, _round_rate(rate // 2)
                if good or rate == bad:
                    break
        if good and bad and bad > good:
            middle = _round_rate((good + bad) // 2)
            probe = self.run(scenario, "helin", middle, self.probe, drain=False)
            if middle > good and probe.passed:
                good = middle
        print(f"{scenario}: {self.full} s runs", flush=True)
        best: Run | None = None
        failed = 0
        rate = _round_rate(int((good or MIN_RATE) * FULL_START))
        for _ in range(FULL_RUNS):
            run = self.run(scenario, "helin", rate, self.full, drain=True)
            if run.passed:
                if best is None or run.rate > best.rate:
                    best = run
                upper = failed or (bad if bad > rate else 2 * max(good, rate))
            else:
                failed = min(failed or rate, rate)
                if best is None:  # nothing has passed yet: step down until something does
                    lower = _round_rate(int(rate * FULL_STEP_DOWN))
                    if lower == rate:
                        break
                    rate = lower
                    continue
                upper = failed
            step = _round_rate((best.rate + upper) // 2) - best.rate
            if step < max(100, best.rate // 10):
                break  # close enough: the step is within 10%
            rate = best.rate + step
        return best


def _round_rate(rate: int) -> int:
    step = 50 if rate < 2000 else 100
    return max(step, rate // step * step)


def sipp_version() -> str:
    out = subprocess.run(["sipp", "-v"], capture_output=True, text=True, check=False)
    for line in (out.stdout + out.stderr).splitlines():
        if "SIPp" in line:
            return line.strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("register", "invite"), help="run one scenario")
    parser.add_argument("--rate", type=int, help="skip the search: one full run at this rate")
    parser.add_argument("--seconds", type=int, default=FULL_SECONDS, help="with --rate")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("HELIN_BENCH_QUICK", "") not in ("", "0"),
        help=f"{QUICK_SECONDS[0]} s full runs, {QUICK_SECONDS[1]} s probes (figures not written)",
    )
    args = parser.parse_args()
    full, probe = QUICK_SECONDS if args.quick else (FULL_SECONDS, PROBE_SECONDS)
    write = not (args.quick or args.only or args.rate)
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian: apt-get install sip-tester)")
    if CORES > 1:
        os.sched_setaffinity(0, {SIPP_CORE})
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="helin-bench-sip-") as tmp:
        bench = Bench(Path(tmp), full, probe)
        best: dict[str, Run | None] = {}
        for scenario in ("register", "invite"):
            if args.only not in (None, scenario):
                continue
            if args.rate:
                run = bench.run(scenario, "helin", args.rate, args.seconds, drain=True)
                best[scenario] = run if run.passed else None
            else:
                best[scenario] = bench.search(scenario)
        invite = best.get("invite")
        ceiling: Run | None = None
        if invite is not None:
            print(f"ceiling: the bare responder at {invite.rate}/s", flush=True)
            ceiling = bench.run("invite", "bare", invite.rate, invite.seconds, drain=False)
        report(bench, best, ceiling, time.monotonic() - began, write=write)


def report(
    bench: Bench, best: dict[str, Run | None], ceiling: Run | None, took: float, *, write: bool
) -> None:
    register, invite = best.get("register"), best.get("invite")
    helin_cps = 1e6 / invite.cpu_us_per_call if invite else None
    bare_cps = 1e6 / ceiling.cpu_us_per_call if ceiling and ceiling.passed else None
    results: dict[str, Any] = {
        "register_cps": register.rate if register else None,
        "invite_cps": invite.rate if invite else None,
        "invite_calls_per_cpu_s": round(helin_cps) if helin_cps else None,
        "ceiling_calls_per_cpu_s": round(bare_cps) if bare_cps else None,
        "ratio": round(helin_cps / bare_cps, 3) if helin_cps and bare_cps else None,
        "register_cpu_us": round(register.cpu_us_per_call, 1) if register else None,
        "invite_cpu_us": round(invite.cpu_us_per_call, 1) if invite else None,
        "invite_run_cpu_us": round(invite.run_cpu_us_per_call, 1) if invite else None,
        "ceiling_cpu_us": round(ceiling.cpu_us_per_call, 1) if ceiling else None,
        "full_seconds": bench.full,
        "probe_seconds": bench.probe,
        "users": USERS,
        "buff_size": int(BUFF_SIZE),
        "sipp": sipp_version(),
        "python": platform.python_version(),
        "build": compiled.BUILD,
        "cores": CORES,
        "pinning": {"server": SERVER_CORE, "sipp": SIPP_CORE},
        "machine": platform.machine(),
        "seconds": round(took),
        "runs": [run.summary() for run in bench.runs],
    }
    if write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    def show(value: Any, unit: str = "") -> str:
        return "—" if value is None else f"{value:,}{unit}"

    print()
    print(f"SIP on loopback, sipp {results['sipp']}, {bench.full} s runs, {took:.0f} s in all")
    print(f"  {'':34} {'calls/s':>9} {'CPU us/call':>12} {'calls/CPU-s':>12}")
    rows = [
        ("REGISTER + digest (helin)", register, None),
        ("INVITE/200/ACK/BYE (helin)", invite, helin_cps),
        ("INVITE/200/ACK/BYE (bare)", ceiling, bare_cps),
    ]
    for label, run, per_cpu in rows:
        rate = run.rate if run and run.passed else None
        cpu = round(run.cpu_us_per_call, 1) if run else None
        print(
            f"  {label:34} {show(rate):>9} {show(cpu):>12} "
            f"{show(round(per_cpu) if per_cpu else None):>12}"
        )
    print(f"  ratio (helin / bare calls per CPU-second): {show(results['ratio'])}")
    if write:
        print(f"  written to {RESULTS}")
    else:
        print("  not written (a partial or quick run): the full search writes the figures")


if __name__ == "__main__":
    main()
