"""Media benchmark: relay throughput against a bare relay, recorded calls, hold-music streams.

Run as ``python -m bench.media`` (``make bench-media``). Two processes on loopback: this one
generates and counts traffic (pinned to the second core when there is one); a relay process
(``--serve``, pinned to the first core) runs either helin's ``MediaServer`` or the bare relay,
the fastest few lines of Python we know (an ``add_reader`` callback draining a non-blocking
socket with ``recvfrom_into`` and ``sendto``). CPU time is the relay process's own
(``/proc/<pid>/stat``, user + system), so the figures are packets per CPU-second of one core.

- **relay**: a closed window of 512 packets in flight over 10 calls keeps the relay busy with
  no loss; packets relayed per CPU-second, for the bare relay and for helin's bridges with the
  recording tap on, each with asyncio's default loop and with uvloop. ``ratio`` is helin's
  best over the bare relay's best.
- **recorded calls**: real-time calls (50 packets a second each way, 20 ms apart), bridged and
  recorded, added in steps of three seconds; the figure is the most calls with at most 0.1%
  loss and no backlog (packets stop coming within ``MAX_BACKLOG`` of the senders stopping). A
  failed step is run once more before the search ends, since other load on the machine can
  spoil one. The bare epoll relay runs the same test for comparison. Each step also records
  the relay's CPU per relayed packet; the median over the passing steps up to 400 calls is
  ``recorded_call_us_per_packet`` (``bare_call_us_per_packet`` for the bare relay), a figure
  other load on a shared machine disturbs less than the pass/fail search.
- **hold music**: queue-audio streams on the one 20 ms ticker, in steps; the figure is the most
  streams with every frame sent (no skipped tick) and at most 0.5% missing at the receiver.
- **memory per call**: the relay process's RSS growth per recorded call, measured with traffic.

Results are printed and written to ``bench/results/media.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from helin import compiled

RESULTS = Path(__file__).parent / "results" / "media.json"
HOST = "127.0.0.1"
PAYLOAD = b"\xff" * 160
RELAY_CALLS = 10
BURSTS = 16
BURST_ROUNDS = 500
"""Packets per leg in one burst (20 legs: 10,000 packets, within the sockets' buffers)."""
CALL_STEPS = (100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200, 1400)
CALL_SECONDS = 3.0
MUSIC_STEPS = (500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000)
MUSIC_SECONDS = 3.0
MUSIC_SHORTFALL = 0.005
"""Frames a step may miss at the receiver: the count window's edges cut up to a tick of
every stream, so the test for falling behind is above all that no tick was skipped."""
MAX_LOSS = 0.001
MAX_BACKLOG = 0.25
"""Seconds packets may keep arriving after the senders stop: more means the relay fell
behind and only its socket buffers kept the loss down."""
PORTS = (40000, 59999)
TICK = os.sysconf("SC_CLK_TCK")
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33
"""Linux socket options (root may exceed rmem_max/wmem_max); the socket module lacks them."""


# ---------------------------------------------------------------- relay process (--serve)


def _offer(port: int) -> bytes:
    return (
        f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
    ).encode()


class BareRelay:
    """The ceiling: pairs of sockets, each forwarding to the generator from the other.

    ``drain``: one ``add_reader`` per socket, draining it with ``recvfrom_into`` until it would
    block (the relay the issue measured). ``epoll``: every socket in one ``select.epoll`` set
    behind one ``add_reader``, one datagram per ready socket per round (what helin does).
    """

    def __init__(self, target: tuple[str, int], mode: str) -> None:
        self.target = target
        self.mode = mode
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.peer: dict[int, tuple[socket.socket, socket.socket]] = {}
        self.epoll = select.epoll()
        self.buffer = bytearray(2048)
        self.view = memoryview(self.buffer)
        self.release()

    def add_calls(self, count: int) -> list[tuple[int, int]]:
        while len(self.pairs) < count:
            a, b = socket.socket(type=socket.SOCK_DGRAM), socket.socket(type=socket.SOCK_DGRAM)
            for sock in (a, b):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                sock.bind((HOST, 0))
                sock.setblocking(False)
            self.pairs.append((a, b))
            self.peer[a.fileno()], self.peer[b.fileno()] = (a, b), (b, a)
            self.epoll.register(a.fileno(), select.EPOLLIN)
            self.epoll.register(b.fileno(), select.EPOLLIN)
            if self.mode == "drain":
                self._watch(a, b)
        return [(a.getsockname()[1], b.getsockname()[1]) for a, b in self.pairs]

    def _watch(self, a: socket.socket, b: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(a.fileno(), self.drain, a, b)
        loop.add_reader(b.fileno(), self.drain, b, a)

    def hold(self) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.epoll.fileno())
        for a, b in self.pairs:
            loop.remove_reader(a.fileno())
            loop.remove_reader(b.fileno())

    def release(self) -> None:
        if self.mode == "epoll":
            asyncio.get_running_loop().add_reader(self.epoll.fileno(), self.poll)
        for a, b in self.pairs:
            self._watch(a, b)

    def drain(self, sock: socket.socket, other: socket.socket) -> None:
        buffer, view, target = self.buffer, self.view, self.target
        recv, send = sock.recvfrom_into, other.sendto
        for _ in range(128):
            try:
                n, _ = recv(buffer)
            except BlockingIOError:
                return
            send(view[:n], target)

    def poll(self) -> None:
        buffer, view, target, peer = self.buffer, self.view, self.target, self.peer
        for _ in range(64):
            events = self.epoll.poll(0, 1024)
            if not events:
                return
            for fd, _ in events:
                sock, other = peer[fd]
                try:
                    n, _ = sock.recvfrom_into(buffer)
                except BlockingIOError:
                    continue
                other.sendto(view[:n], target)


class HelinRelay:
    """helin's media server with recorded bridges and hold-music sessions."""

    def __init__(self, target: tuple[str, int], spool_dir: Path) -> None:
        from helin.clips.library import default_library
        from helin.switch.mediaserver import MediaServer

        self.server = MediaServer(host=HOST, ports=PORTS, clips=default_library(), quarantine=0)
        self.server.start()
        self.target = target
        self.spool_dir = spool_dir
        self.calls: list[tuple[int, int]] = []
        self.music: list[int] = []

    def add_calls(self, count: int) -> list[tuple[int, int]]:
        while len(self.calls) < count:
            name = f"call-{len(self.calls)}"
            caller = self.server.allocate(name, offer=_offer(self.target[1]))
            agent = self.server.allocate(name, offer=_offer(self.target[1]))
            self.server.bridge(caller, agent, record_to=self.spool_dir / f"{name}.wav")
            self.calls.append((caller.port, agent.port))
        return self.calls

    def add_music(self, count: int) -> list[int]:
        while len(self.music) < count:
            session = self.server.allocate(f"hold-{len(self.music)}", offer=_offer(self.target[1]))
            session.start_music()
            self.music.append(session.port)
        return self.music

    def hold(self) -> None:
        loop = asyncio.get_running_loop()
        if self.server._epoll is not None:
            loop.remove_reader(self.server._epoll.fileno())
            return
        for session in self.server.sessions.values():
            loop.remove_reader(session.sock.fileno())

    def release(self) -> None:
        loop = asyncio.get_running_loop()
        if self.server._epoll is not None:
            loop.add_reader(self.server._epoll.fileno(), self.server._poll)
            return
        for session in self.server.sessions.values():
            loop.add_reader(session.sock.fileno(), self.server._drain, session)

    def skipped(self) -> int:
        pacer = self.server._pacer
        return 0 if pacer is None else pacer.skipped


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


async def serve(impl: str, target: tuple[str, int]) -> None:
    """Answer one JSON command per stdin line until ``quit``."""
    spool_dir = Path(tempfile.mkdtemp(prefix="helin-bench-"))
    relay: Any = HelinRelay(target, spool_dir) if impl == "helin" else BareRelay(target, impl)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()
    pending = b""

    def readable() -> None:
        nonlocal pending
        pending += os.read(0, 65536)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            lines.put_nowait(line.decode())

    loop.add_reader(0, readable)
    print(json.dumps({"ready": True, "rss_kb": rss_kb()}), flush=True)
    while True:
        command = json.loads(await lines.get())
        reply: dict[str, Any] = {"rss_kb": rss_kb()}
        if command["op"] == "calls":
            reply["ports"] = relay.add_calls(command["count"])
        elif command["op"] == "music":
            reply["ports"] = relay.add_music(command["count"])
        elif command["op"] == "hold":
            relay.hold()
        elif command["op"] == "release":
            relay.release()
        elif command["op"] == "quit":
            print(json.dumps(reply), flush=True)
            os._exit(0)
        reply["skipped"] = relay.skipped() if impl == "helin" else 0
        reply["rss_kb"] = rss_kb()
        reply["cpu"] = time.process_time()
        print(json.dumps(reply), flush=True)


# ---------------------------------------------------------------- traffic generator


class Relay:
    """A relay process under test."""

    def __init__(self, impl: str, loop: str, target: tuple[str, int]) -> None:
        command = [sys.executable, "-m", "bench.media", "--serve", impl, "--loop", loop]
        command += ["--target", f"{target[0]}:{target[1]}"]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ready = self.read()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("relay process died")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        self.proc.stdin.flush()
        return self.read()

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ask(op="quit")
        self.proc.wait(timeout=30)


def generator_socket() -> socket.socket:
    sock = socket.socket(type=socket.SOCK_DGRAM)
    for option, fallback in (
        (SO_RCVBUFFORCE, socket.SO_RCVBUF),
        (SO_SNDBUFFORCE, socket.SO_SNDBUF),
    ):
        size = 64 << 20
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, size)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, fallback, size)
    sock.bind((HOST, 0))
    sock.setblocking(False)
    return sock


class Traffic:
    """Sends RTP to the relay's legs and counts what comes back.

    Packets are built ahead (``ROUNDS`` consecutive sequence numbers per leg, then the
    numbering starts over) so that the generator is cheap enough to keep the relay busy.
    """

    ROUNDS = 4096

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sent = 0
        self.received = 0
        self.buffer = bytearray(2048)
        self.packets: dict[int, list[bytes]] = {}
        self.rounds = 0

    def prepare(self, ports: list[int]) -> None:
        for port in ports:
            if port not in self.packets:
                self.packets[port] = [
                    struct.pack("!BBHII", 0x80, 0, seq, seq * 160, port) + PAYLOAD
                    for seq in range(self.ROUNDS)
                ]

    def send_round(self, ports: list[int], limit: int | None = None) -> None:
        """One packet to each port (at most ``limit`` packets)."""
        index = self.rounds % self.ROUNDS
        self.rounds += 1
        sendto, packets = self.sock.sendto, self.packets
        count = 0
        for port in ports if limit is None else ports[:limit]:
            try:
                sendto(packets[port][index], (HOST, port))
                count += 1
            except BlockingIOError:
                select.select([], [self.sock], [], 0.01)
        self.sent += count

    def receive(self, wait: float = 0.0) -> None:
        if wait and not select.select([self.sock], [], [], wait)[0]:
            return
        recv, buffer = self.sock.recv_into, self.buffer
        count = 0
        while True:
            try:
                recv(buffer)
            except BlockingIOError:
                break
            count += 1
        self.received += count

    def settle(self, seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.receive(0.02)

    def quiet(self, limit: float = 3.0) -> float:
        """Receive until nothing has come for 100 ms (stragglers of a step stay in it);
        returns how long packets kept coming: the relay's backlog when the sending stopped."""
        start = time.monotonic()
        end, last, last_at = start + limit, self.received, start
        while time.monotonic() < end:
            self.settle(0.1)
            if self.received == last:
                break
            last, last_at = self.received, time.monotonic()
        return last_at - start

    def reset(self) -> None:
        self.sent = self.received = 0


def measure_relay(impl: str, loop: str) -> dict[str, float]:
    """Relay ``BURSTS`` bursts: the generator fills the held relay's socket buffers, then the
    relay drains them at full speed; only the relay's CPU time while draining counts. Other
    load on the machine only ever slows a burst down, so the figure is the best burst's."""
    sock = generator_socket()
    relay = Relay(impl, loop, sock.getsockname())
    try:
        ports = [p for pair in relay.ask(op="calls", count=RELAY_CALLS)["ports"] for p in pair]
        traffic = Traffic(sock)
        traffic.prepare(ports)
        rates: list[float] = []
        for _ in range(BURSTS + 1):
            before = traffic.received
            relay.ask(op="hold")
            for _ in range(BURST_ROUNDS):
                traffic.send_round(ports)
            expected = traffic.sent
            start = relay.ask(op="release")["cpu"]
            deadline = time.monotonic() + 5
            while traffic.received < expected and time.monotonic() < deadline:
                traffic.receive(0.05)
            cpu = relay.ask(op="stats")["cpu"] - start
            rates.append((traffic.received - before) / cpu)
        rates = sorted(rates[1:])
        return {
            "pps": rates[-1],
            "median_pps": rates[len(rates) // 2],
            "loss": 1 - traffic.received / traffic.sent,
            "packets": traffic.received,
        }
    finally:
        relay.close()
        sock.close()


def paced(traffic: Traffic, ports: list[int], seconds: float) -> None:
    """Every 20 ms one packet to each port, on an absolute schedule."""
    start = time.monotonic()
    tick = 0
    traffic.prepare(ports)
    while tick < seconds / 0.02:
        traffic.send_round(ports)
        tick += 1
        while (delay := start + tick * 0.02 - time.monotonic()) > 0:
            traffic.receive(min(delay, 0.005))
        traffic.receive()


def measure_calls(loop: str, impl: str = "helin") -> dict[str, Any]:
    """Add real-time calls step by step; a step that loses more than 0.1% is run once more
    (other load on the machine can cost a step), and the second failure ends the search."""
    sock = generator_socket()
    relay = Relay(impl, loop, sock.getsockname())
    steps: list[dict[str, float]] = []
    best, memory = 0, 0.0
    try:
        base = relay.ready["rss_kb"]
        traffic = Traffic(sock)
        for count in CALL_STEPS:
            reply = relay.ask(op="calls", count=count)
            ports = [p for pair in reply["ports"] for p in pair]
            for _attempt in range(2):
                paced(traffic, ports, 0.5)
                traffic.quiet()
                traffic.reset()
                cpu0 = relay.cpu()
                paced(traffic, ports, CALL_SECONDS)
                cpu = relay.cpu() - cpu0
                backlog = traffic.quiet()
                loss = 1 - traffic.received / traffic.sent
                kept_up = loss <= MAX_LOSS and backlog <= MAX_BACKLOG
                steps.append(
                    {
                        "calls": count,
                        "loss": loss,
                        "backlog_s": backlog,
                        "cpu_share": cpu / CALL_SECONDS,
                        "cpu_us_per_packet": cpu / traffic.sent * 1e6,
                    }
                )
                if kept_up:
                    break
            if not kept_up:
                break
            rss = relay.ask(op="stats")["rss_kb"]
            best, memory = count, (rss - base) / count
        return {
            "calls": best,
            "memory_per_call_kb": memory,
            "us_per_packet": _median_cost(steps),
            "steps": steps,
        }
    finally:
        relay.close()
        sock.close()


COST_STEPS = 400
"""Steps up to this many calls give the CPU-per-packet figure (both relays pass them)."""


def _median_cost(steps: list[dict[str, float]]) -> float:
    """The relay's CPU per relayed packet in the steps up to ``COST_STEPS`` calls it kept up
    with (their median): less sensitive to other load on the machine than the search."""
    costs = sorted(
        s["cpu_us_per_packet"]
        for s in steps
        if s["calls"] <= COST_STEPS and s["loss"] <= MAX_LOSS and s["backlog_s"] <= MAX_BACKLOG
    )
    return round(costs[len(costs) // 2], 2) if costs else 0.0


def measure_music(loop: str) -> dict[str, Any]:
    sock = generator_socket()
    relay = Relay("helin", loop, sock.getsockname())
    steps: list[dict[str, float]] = []
    best = 0
    try:
        traffic = Traffic(sock)
        for count in MUSIC_STEPS:
            relay.ask(op="music", count=count)
            traffic.settle(0.5)
            skipped0 = relay.ask(op="stats")["skipped"]
            traffic.reset()
            cpu0, start = relay.cpu(), time.monotonic()
            traffic.settle(MUSIC_SECONDS)
            elapsed, cpu = time.monotonic() - start, relay.cpu() - cpu0
            skipped = relay.ask(op="stats")["skipped"] - skipped0
            ratio = traffic.received / (count * elapsed / 0.02)
            steps.append(
                {
                    "streams": count,
                    "received": ratio,
                    "skipped_ticks": skipped,
                    "cpu_share": cpu / elapsed,
                }
            )
            if skipped or ratio < 1 - MUSIC_SHORTFALL:
                break
            best = count
        return {"streams": best, "steps": steps}
    finally:
        relay.close()
        sock.close()


def loops() -> list[str]:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio"]
    return ["asyncio", "uvloop"]


CORES = sorted(os.sched_getaffinity(0))
"""The cores this run may use, read before pinning (the relay inherits the generator's)."""


def pin(index: int) -> None:
    """Pin this process to one core: the relay to the first, the generator to the second."""
    cores = [int(c) for c in os.environ.get("HELIN_BENCH_CORES", "").split(",") if c] or CORES
    if len(cores) > 1:
        os.sched_setaffinity(0, {cores[index % len(cores)]})
    os.environ["HELIN_BENCH_CORES"] = ",".join(map(str, cores))


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=["drain", "epoll", "helin"])
    parser.add_argument("--loop", default="asyncio")
    parser.add_argument("--target", default="")
    args = parser.parse_args()
    raise_file_limit()
    if args.serve:
        pin(0)
        host, port = args.target.rsplit(":", 1)
        if args.loop == "uvloop":
            import uvloop

            uvloop.run(serve(args.serve, (host, int(port))))
        else:
            asyncio.run(serve(args.serve, (host, int(port))))
        return
    pin(1)
    started = time.monotonic()
    relay: dict[str, dict[str, float]] = {}
    print("relaying bursts (packets per CPU-second of the relay process):")
    for impl in ("drain", "epoll", "helin"):
        for loop in loops():
            relay[f"{impl}/{loop}"] = measure_relay(impl, loop)
            print(f"  {impl:6} {loop:8} {relay[f'{impl}/{loop}']['pps']:>9,.0f}", flush=True)
    best_loop = max(loops(), key=lambda name: relay[f"helin/{name}"]["pps"])
    relay_pps = relay[f"helin/{best_loop}"]["pps"]
    ceiling = max(v["pps"] for k, v in relay.items() if not k.startswith("helin/"))
    print(f"real-time calls, {best_loop}:", flush=True)
    calls = measure_calls(best_loop)
    print(f"  helin, bridged and recorded: {calls['calls']}", flush=True)
    bare_calls = measure_calls(best_loop, "epoll")
    print(f"  bare epoll relay, for comparison: {bare_calls['calls']}", flush=True)
    music = measure_music(best_loop)
    print(f"  hold-music streams: {music['streams']}", flush=True)
    result = {
        "relay_pps": round(relay_pps),
        "ceiling_pps": round(ceiling),
        "ratio": round(relay_pps / ceiling, 3),
        "recorded_calls": calls["calls"],
        "hold_music_streams": music["streams"],
        "memory_per_call_kb": round(calls["memory_per_call_kb"], 1),
        "bare_calls": bare_calls["calls"],
        "recorded_call_us_per_packet": calls["us_per_packet"],
        "bare_call_us_per_packet": bare_calls["us_per_packet"],
        "loop": best_loop,
        "relay": {k: {n: round(x, 4) for n, x in v.items()} for k, v in relay.items()},
        "call_steps": calls["steps"],
        "bare_call_steps": bare_calls["steps"],
        "music_steps": music["steps"],
        "machine": {
            "python": platform.python_version(),
            "build": compiled.BUILD,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)


def print_table(r: dict[str, Any]) -> None:
    names = {"drain": "bare, drain", "epoll": "bare, epoll", "helin": "helin + rec."}
    print()
    print("helin media benchmark (relay pinned to one core; packets per CPU-second)")
    print(f"  {'relay':<14}{'loop':<9}{'best burst':>12}{'median':>10}{'loss':>8}")
    for key, value in r["relay"].items():
        impl, loop = key.split("/")
        print(
            f"  {names[impl]:<14}{loop:<9}{value['pps']:>12,.0f}"
            f"{value['median_pps']:>10,.0f}{value['loss']:>8.2%}"
        )
    print(f"  relay_pps {r['relay_pps']:,} / ceiling_pps {r['ceiling_pps']:,}")
    print(f"  ratio {r['ratio']:.2f} (goal >= 0.60), loop {r['loop']}")
    print(
        f"  bridged, recorded calls at <= 0.1% loss: {r['recorded_calls']} (goal >= 800;"
        f" bare epoll relay, same test: {r['bare_calls']})"
    )
    print(
        f"  relay CPU per relayed packet, steps up to {COST_STEPS} calls (median): helin"
        f" {r['recorded_call_us_per_packet']} us, bare epoll relay"
        f" {r['bare_call_us_per_packet']} us"
    )
    print(f"  hold-music streams on one ticker: {r['hold_music_streams']}")
    print(f"  memory per recorded call: {r['memory_per_call_kb']} KiB")
    print(f"  load average {r['machine']['load_average'][0]:.2f}; {r['seconds']} s")
    print(f"  written to {RESULTS}")


if __name__ == "__main__":
    main()
