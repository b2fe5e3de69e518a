"""Memory benchmark: what helin keeps per registered phone, per queued caller and per bridged
recorded call.

Run as ``python -m bench.memory`` (``make bench-memory``; needs ``sipp``). It is built on
``bench.calls``: the same company (``PHONES`` agents with one softphone each, logged in to one
uniform group) plus a group ``Hold`` with no members, whose callers wait in its queue (its
no-agents action is to queue them); the same helin process (``bench/calls_server.py``, what
``helin serve`` builds, pinned to the first core) and the same sipp scenarios.

Two figures for each step, divided by what the step added: helin's resident memory
(``VmRSS`` from ``/proc``) after the step minus before it, and, in a second run of the step,
the Python memory it allocated and still holds (``tracemalloc``, started just before the
step; it does not see the C libraries' own allocations, its own bookkeeping would swell the
RSS, and the kernel's socket buffers are in neither figure). Every step starts a fresh helin;
even so, start-up frees memory that CPython keeps and the step then reuses, so the RSS growth
can understate a step (much so for the queued callers): the traced figure is the one to read
where there is one. ``tracemalloc`` makes helin several times
slower, too slow for 1,000 calls of RTP, so the bridged calls have the RSS figure only (taken
after 10,000 registrations, when start-up's freed memory is long reused). The steps:

- **phones**: before and after ``PHONES`` phones register (digest auth, ``BATCH`` phones a sipp
  port; then an agents' sipp answers helin's OPTIONS pings on it), taken ``LINGER`` seconds
  after the last registration, once its transactions have lingered out (32 s on UDP): what a
  phone costs for as long as it stays registered, its pings included.
- **queued callers**: ``CALLS`` callers call the Hold number at ``RAMP_CPS`` and stay (the
  greeting, then music, each caller with a media session); taken with all of them queued.
- **bridged recorded calls**: with every phone registered (the baseline taken ``LINGER``
  seconds after the registrations), ``CALLS`` calls to the group, answered by the agents' sipp,
  RTP both ways (sipp's ``rtp_stream``, 50 packets/s a direction), each relayed and recorded;
  taken with all of them up.

Results are printed and written to ``bench/results/memory.json`` (``--phones`` and
``--calls`` change the sizes; a run at other sizes is not written).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.calls import (
    CALLER,
    HOST,
    NUMBER,
    TRUNK,
    Bench,
    Server,
    Sipp,
    free_port,
    register_phones,
)
from bench.process import load_average
from helin import compiled

RESULTS = Path(__file__).parent / "results" / "memory.json"
PHONES = 10_000
CALLS = 1_000
RAMP_CPS = 50
REGISTER_CPS = 150
"""Registrations a second (``tracemalloc`` slows helin down: at 400 a second it fell behind)."""
BATCH = 1_000
"""Phones registered from one sipp port. helin pings a phone (OPTIONS) as soon as it has
registered and every 15 s; the registering sipp does not answer, so until an agents' sipp
takes the port, each ping retransmits for 32 s. From one port, 10,000 phones' pings and
registrations pass helin's 20,000 transactions, and it answers 503."""
LINGER = 40.0
"""Seconds after the registrations before memory is taken: their server transactions linger
32 s on UDP (64·T1)."""
MIN_SHARE = 0.95
"""Of the calls placed, the share that must be in helin when memory is taken (at 1,000 calls
with RTP, twice what one core relays without loss, a few may fail to set up)."""
SETTLE = 5.0
"""Seconds after the last call of a step is up before memory is taken."""
HOLD_NUMBER = "+3726000200"
HOLD_GROUP = (
    "      - name: Hold\n"
    f'        numbers: ["{HOLD_NUMBER}"]\n'
    "        override: open\n"
    "        queue: {greeting_clip: greeting, max_queue_length: 5000, max_wait: 3600,"
    " no_agents: queue}\n"
    "        members: []\n"
)


def rss(server: Server) -> int:
    """helin's resident memory now, bytes."""
    return int(server.stats()["VmRSS"]) * 1024


class Memory:
    def __init__(self, workdir: Path, phones: int, calls: int) -> None:
        self.bench = Bench(workdir, quick=False, agents=phones, more_groups=HOLD_GROUP)
        self.phones = phones
        self.calls = calls
        self.steps: dict[str, dict[str, Any]] = {}

    @contextmanager
    def helin(self, name: str) -> Iterator[tuple[Path, Server, list[Sipp]]]:
        """A fresh helin on a copy of the provisioned database, and the sipps of the step
        (all stopped at the end)."""
        rundir = self.bench.workdir / name
        data = rundir / "data"
        data.mkdir(parents=True)
        shutil.copy(self.bench.template, data / "helin.db")
        server = Server(data, rundir / "helin.log")
        sipps: list[Sipp] = []
        try:
            time.sleep(2.0)  # start-up's own work (restoring log-ins, the first pings) done
            yield rundir, server, sipps
        finally:
            for sipp in sipps:
                sipp.kill()
            server.close()

    def _registered(self, rundir: Path, server: Server, sipps: list[Sipp], hold_ms: int) -> None:
        """Every phone registered, ``BATCH`` from each sipp port; an agents' sipp takes each
        port as soon as its phones are in (answering helin's pings, and calls with RTP,
        talking ``hold_ms``; 0: no calls expected). Returns once the registrations have
        lingered out."""
        scenario = "agent_rtp" if hold_ms else "agent"
        agent_file = rundir / "agent.xml"
        text = self.bench.files[scenario].read_text()
        agent_file.write_text(text.replace("@HOLD@", str(hold_ms or 3_600_000)))
        header, *lines = self.bench.users.read_text().splitlines(keepends=True)
        for first in range(0, self.phones, BATCH):
            batch = lines[first : first + BATCH]
            users = rundir / f"users{first:05d}.csv"
            users.write_text(header + "".join(batch))
            register = register_phones(
                rundir,
                server,
                sipps,
                self.bench.files["register"],
                users,
                len(batch),
                f"register{first:05d}",
                REGISTER_CPS,
            )
            agents = Sipp(
                rundir,
                f"agents{first:05d}",
                ["-sf", str(agent_file)],
                ip=HOST,
                port=register.port,
                timeout=900,
            )
            sipps.append(agents.start())
            agents.wait_listening()
        time.sleep(LINGER)

    def _call(
        self, rundir: Path, server: Server, sipps: list[Sipp], number: str, scenario: str
    ) -> dict[str, Any]:
        """``calls`` callers from the trunk to ``number``; helin's figures once all are in
        (or failed: a failed call is counted, the figures are per call in helin, and at least
        ``MIN_SHARE`` of the calls must be)."""
        caller = Sipp(
            rundir,
            "caller",
            [
                *(f"{HOST}:{server.port}", "-sf", str(self.bench.files[scenario])),
                *("-s", number, "-key", "caller", CALLER, "-r", str(RAMP_CPS)),
                *("-m", str(self.calls), "-l", str(self.calls)),
            ],
            ip=TRUNK,
            port=free_port(TRUNK),
            timeout=900,
        )
        sipps.append(caller.start())
        deadline = time.monotonic() + self.calls / RAMP_CPS + 60
        stats = server.stats()
        while stats["calls"] + caller.calls()[1] < self.calls and time.monotonic() < deadline:
            time.sleep(0.5)
            stats = server.stats()
        time.sleep(SETTLE)
        after = server.stats()
        after["failed"] = caller.calls()[1]
        if after["calls"] < MIN_SHARE * self.calls:
            raise RuntimeError(
                f"only {after['calls']} of {self.calls} calls in helin: {caller.tail()}"
            )
        return after

    def _record(
        self, name: str, before: int, after: dict[str, Any], count: int, *, traced: bool
    ) -> None:
        step = self.steps.setdefault(name, {"count": count, "python_bytes_each": None})
        if traced:
            python = int(after["traced"]) / count
            step["python_bytes_each"] = round(python)
            print(f"  {name:24} {count:>6,}: Python {python / 1024:6.1f} KiB each", flush=True)
            return
        grown = int(after["VmRSS"]) * 1024 - before
        step.update(
            {
                "rss_before_mb": round(before / 2**20, 1),
                "rss_after_mb": round(int(after["VmRSS"]) / 1024, 1),
                "rss_bytes_each": round(grown / count),
                "calls_in_helin": after["calls"],
                "media_sessions": after["sessions"],
                "sip_transactions": after["transactions"],
                "failed_calls": after.get("failed", 0),
            }
        )
        print(
            f"  {name:24} {count:>6,}: RSS {before / 2**20:6.1f} -> "
            f"{int(after['VmRSS']) / 1024:6.1f} MB, {grown / count / 1024:6.1f} KiB each"
            f"  ({after['calls']} calls, {after['sessions']} media sessions,"
            f" {after['transactions']} SIP transactions)",
            flush=True,
        )

    def phones_step(self, *, traced: bool) -> None:
        with self.helin("phones" + "-traced" * traced) as (rundir, server, sipps):
            before = rss(server)
            if traced:
                server.ask("trace")
            self._registered(rundir, server, sipps, 0)
            after = server.stats()
            self._record("registered_phones", before, after, self.phones, traced=traced)

    def queued_step(self, *, traced: bool) -> None:
        with self.helin("queued" + "-traced" * traced) as (rundir, server, sipps):
            before = rss(server)
            if traced:
                server.ask("trace")
            after = self._call(rundir, server, sipps, HOLD_NUMBER, "caller")
            self._record("queued_callers", before, after, after["calls"], traced=traced)

    def bridged_step(self) -> None:
        with self.helin("bridged") as (rundir, server, sipps):
            hold_ms = int(1000 * (self.calls / RAMP_CPS + 60 + SETTLE))
            self._registered(rundir, server, sipps, hold_ms)
            before = rss(server)
            after = self._call(rundir, server, sipps, NUMBER, "caller_rtp")
            count = after["calls"]
            self._record("bridged_recorded_calls", before, after, count, traced=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", type=int, default=PHONES)
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian: apt-get install sip-tester)")
    if args.calls > args.phones:
        sys.exit("--calls needs at least as many --phones")
    load_before = load_average()
    began = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="helin-bench-memory-")
    try:
        memory = Memory(Path(tmp), args.phones, args.calls)
        print(
            f"memory: {args.phones:,} agents provisioned in {memory.bench.provision_seconds:.0f} s",
            flush=True,
        )
        for traced in (False, True):
            memory.phones_step(traced=traced)
            memory.queued_step(traced=traced)
        memory.bridged_step()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def figure(step: str) -> dict[str, int | None]:
        found = memory.steps[step]
        return {"rss": found["rss_bytes_each"], "python": found["python_bytes_each"]}

    results = {
        "bytes_per_registered_phone": figure("registered_phones"),
        "bytes_per_queued_caller": figure("queued_callers"),
        "bytes_per_bridged_recorded_call": figure("bridged_recorded_calls"),
        "steps": memory.steps,
        "phones": args.phones,
        "calls": args.calls,
        "measured": "over what the step added: helin's VmRSS after the step minus before it "
        "(rss), and the Python memory allocated during the step and still held (python, "
        "tracemalloc); a fresh helin for every step",
        "python": platform.python_version(),
        "build": compiled.BUILD,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "seconds": round(time.monotonic() - began),
    }
    if (args.phones, args.calls) == (PHONES, CALLS):
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
