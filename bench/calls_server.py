"""The helin side of ``bench.calls``: ``helin serve`` with a stats channel on stdin.

``python -m bench.calls_server --data-dir D --rtp-ports LOW-HIGH --core 0`` builds exactly what
``helin serve`` builds (``helin.app.Helin`` from ``Settings``, uvloop, INFO logging, here to
stderr which the benchmark sends to a file) and runs it pinned to ``--core``. It prints one
JSON line ``{"port": ..., "pid": ...}`` when ready, then answers one command per stdin line:

- ``stats``: RSS, live calls, media sessions, SIP transactions, relay send errors, and the RTP
  the media sessions have *received* so far: packets received and expected (from the
  sequence numbers, RFC 3550 A.3) summed over every leg helin has seen. A session's figures
  are sampled every ``SAMPLE_SECONDS`` and its last sample is kept after it ends, so the
  totals cover ended calls up to their last sample.
- ``trace``: start ``tracemalloc`` (from then on, ``stats`` collects the garbage and also gives
  ``traced``: the bytes of Python memory allocated since and still held); answers
  ``{"tracing": true}``.
- ``quit``: stop helin and exit. The process also exits when stdin closes, so it never
  outlives the benchmark.

With ``HELIN_BENCH_PROFILE=<file>`` the whole run is profiled with cProfile and the stats
dumped to that file at exit (it slows helin down: for finding costs, not for figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
import tracemalloc
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.5


def status_kb(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) in kB, from /proc."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out


class Sampler:
    """RTP receive counts of every media session, kept after the session ends."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.legs: dict[tuple[int, int], tuple[int, int, int]] = {}
        """(id of the session, its port) → (received, expected, packets sent)."""

    def sample(self) -> None:
        media = self.node.media
        if media is None:
            return
        legs = self.legs
        for port, session in list(media.sessions.items()):
            core = session.core
            stats = core.stats
            if stats.ssrc < 0:
                continue
            legs[(id(session), port)] = (stats.received, stats.expected, core.sender.packets)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            self.sample()

    def totals(self) -> dict[str, int]:
        received = expected = sent = 0
        for r, e, s in self.legs.values():
            received += r
            expected += e
            sent += s
        return {"legs": len(self.legs), "received": received, "expected": expected, "sent": sent}


async def serve(args: argparse.Namespace) -> None:
    from helin.app import Helin
    from helin.config import Settings

    settings = Settings(
        data_dir=args.data_dir,
        sip_host="127.0.0.1",
        sip_port=0,
        http_port=0,
        rtp_ports=args.rtp_ports,
        log_level="INFO",
    )
    node = Helin(settings)
    await node.start()
    sampler = Sampler(node)
    task = asyncio.create_task(sampler.run())
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def traced() -> int:
        """Python memory allocated since ``trace`` and still held, once the garbage is
        collected (else it depends on when the last collection ran)."""
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    def stats() -> dict[str, Any]:
        sampler.sample()
        media, sip, calls = node.media, node.sip, node.calls
        return {
            **status_kb(),
            "calls": len(calls.calls) if calls is not None else 0,
            "sessions": len(media.sessions) if media is not None else 0,
            "send_errors": media.send_errors if media is not None else 0,
            "transactions": sip.stack.layer.transactions if sip is not None else 0,
            "sip_dropped": sip.stack.dropped if sip is not None else 0,
            "rtp": sampler.totals(),
            "store_cpu": node.writer.cpu_seconds,
            **({"traced": traced()} if tracemalloc.is_tracing() else {}),
        }

    def command() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            loop.remove_reader(sys.stdin.fileno())
            done.set()
            return
        if line.strip() == "stats":
            print(json.dumps(stats()), flush=True)
        elif line.strip() == "trace":
            tracemalloc.start()
            print(json.dumps({"tracing": True}), flush=True)

    loop.add_reader(sys.stdin.fileno(), command)
    print(json.dumps({"port": node.sip_port, "pid": os.getpid()}), flush=True)
    try:
        await done.wait()
    finally:
        task.cancel()
        await node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rtp-ports", required=True, help="LOW-HIGH")
    parser.add_argument("--core", type=int, help="pin to this CPU")
    args = parser.parse_args()
    low, high = (int(x) for x in args.rtp_ports.split("-"))
    args.rtp_ports = (low, high)
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(ImportError):  # as helin serve does
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    profile_to = os.environ.get("HELIN_BENCH_PROFILE")
    runner = asyncio.run
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            runner(serve(args))
        finally:
            profiler.disable()
            profiler.dump_stats(profile_to)
    else:
        runner(serve(args))


if __name__ == "__main__":
    main()
