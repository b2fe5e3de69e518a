"""SIP over UDP and TCP on one host and port: bytes in with their source, bytes out to an address.

Theory of operation
-------------------
``bind_sockets`` binds a UDP socket and a TCP listener to the same port. Each transport hands
every complete message to one callback, ``on_message(data, source)``, and sends what it is
given with ``send(data, to)``; neither parses SIP nor reads a clock beyond its own housekeeping.

UDP is the hot path. A reader registered with ``loop.add_reader`` drains the non-blocking
socket with ``recvfrom`` until it would block (at most ``batch`` datagrams a turn, so a flood
cannot starve the loop), and ``send`` calls ``sendto`` directly; only when the kernel buffer
is full are datagrams queued and flushed by a writer callback. Source addresses are interned,
so a busy peer costs no ``Address`` allocation per packet.

TCP frames messages by Content-Length (``StreamFramer``). A connection is known by its peer's
``Address(host, port, "TCP")``: responses to a request go back on the connection it came on, and
a request to a TCP address reuses the open connection to it or opens one. Idle connections are
closed by a periodic sweep, and the number of connections is bounded.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from helin.sip.transaction_layer import MAX_MESSAGE
from helin.sip.wire import Address

log = logging.getLogger(__name__)

OnMessage = Callable[[bytes, Address], None]
"""Where a transport hands each received message and its source."""

SOCKET_BUFFER = 4 * 1024 * 1024
"""Socket receive and send buffer asked of the kernel, bytes."""
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
_SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
PING = b"\r\n\r\n"
"""RFC 5626 keep-alive ping; ``StreamFramer.feed`` yields this very object for each one."""
PONG = b"\r\n"


class Throttle:
    """Lets at most ``burst`` log lines through per ``window`` seconds and counts the rest."""

    def __init__(self, burst: int = 20, window: float = 60.0) -> None:
        self.burst = burst
        self.window = window
        self._start = float("-inf")
        self._count = 0
        self.suppressed = 0
        """Lines held back in the current window."""

    def allow(self, now: float) -> bool:
        if now - self._start >= self.window:
            if self.suppressed:
                log.warning("%d similar log lines suppressed", self.suppressed)
            self._start, self._count, self.suppressed = now, 0, 0
        self._count += 1
        if self._count <= self.burst:
            return True
        self.suppressed += 1
        return False


def bind_sockets(host: str, port: int, attempts: int = 50) -> tuple[socket.socket, socket.socket]:
    """A UDP socket and a listening TCP socket on the same numeric ``host`` and port.

    Port 0 lets the OS pick the UDP port and tries another when TCP finds it taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    last: OSError | None = None
    for _ in range(attempts if port == 0 else 1):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            for sock in (udp, tcp):
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            udp.bind((host, port))
            tcp.bind((host, udp.getsockname()[1]))
            tcp.listen(1024)
        except OSError as exc:
            udp.close()
            tcp.close()
            last = exc
            continue
        udp.setblocking(False)
        tcp.setblocking(False)
        _grow_buffers(udp)  # TCP keeps the default, so a peer that stops reading shows soon
        return udp, tcp
    assert last is not None
    raise last


def _grow_buffers(sock: socket.socket) -> None:
    """Ask for ``SOCKET_BUFFER`` each way; beyond the sysctl limits only with CAP_NET_ADMIN."""
    for force, plain in ((_SO_RCVBUFFORCE, socket.SO_RCVBUF), (_SO_SNDBUFFORCE, socket.SO_SNDBUF)):
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, SOCKET_BUFFER)
        except OSError:
            try:
                sock.setsockopt(socket.SOL_SOCKET, plain, SOCKET_BUFFER)
            except OSError:
                log.debug("could not set socket buffer %d", plain)


class UdpTransport:
    """Datagrams on one socket: a reader that drains it, ``sendto`` straight from ``send``."""

    def __init__(
        self,
        sock: socket.socket,
        on_message: OnMessage,
        *,
        batch: int = 256,
        max_queue: int = 4096,
    ) -> None:
        self.sock = sock
        self.on_message = on_message
        self.batch = batch
        """Most datagrams read in one turn of the loop."""
        self.max_queue = max_queue
        """Most datagrams waiting for the kernel's send buffer; more are dropped."""
        self._queue: deque[tuple[bytes, tuple[str, int]]] = deque()
        self._sources: dict[object, Address] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._throttle = Throttle()
        self.oversize = 0
        """Datagrams dropped for being over ``MAX_MESSAGE``."""
        self.send_errors = 0
        """Datagrams the kernel refused or that the queue had no room for."""

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        loop.add_reader(self.sock.fileno(), self._read)

    def close(self) -> None:
        if self._loop is not None and self.sock.fileno() >= 0:
            self._loop.remove_reader(self.sock.fileno())
            self._loop.remove_writer(self.sock.fileno())
        self._queue.clear()
        self.sock.close()

    def _read(self) -> None:
        recvfrom = self.sock.recvfrom
        sources = self._sources
        deliver = self.on_message
        limit = MAX_MESSAGE
        for _ in range(self.batch):
            try:
                data, addr = recvfrom(limit + 1)
            except (BlockingIOError, InterruptedError):
                return
            except (ConnectionRefusedError, ConnectionResetError):
                continue  # ICMP port unreachable for an earlier datagram
            except OSError as exc:
                self._note(f"UDP receive failed: {exc}")
                return
            if len(data) > limit:
                self.oversize += 1
                continue
            source = sources.get(addr)
            if source is None:
                if len(sources) >= 4096:
                    sources.clear()
                source = sources[addr] = Address(addr[0], addr[1], "UDP")
            deliver(data, source)

    def send(self, data: bytes, to: Address) -> None:
        if self._queue:
            self._enqueue(data, (to.host, to.port))
            return
        try:
            self.sock.sendto(data, (to.host, to.port))
        except (BlockingIOError, InterruptedError):
            self._enqueue(data, (to.host, to.port))
            if self._loop is not None:
                self._loop.add_writer(self.sock.fileno(), self._flush)
        except ConnectionRefusedError:
            pass  # ICMP port unreachable for an earlier datagram; this one was not sent
        except OSError as exc:
            self.send_errors += 1
            self._note(f"UDP send to {to} failed: {exc}")

    def _enqueue(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(self._queue) >= self.max_queue:
            self.send_errors += 1
            return
        self._queue.append((data, addr))

    def _flush(self) -> None:
        queue = self._queue
        while queue:
            data, addr = queue[0]
            try:
                self.sock.sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                pass
            except OSError as exc:
                self.send_errors += 1
                self._note(f"UDP send to {addr} failed: {exc}")
            queue.popleft()
        assert self._loop is not None
        self._loop.remove_writer(self.sock.fileno())

    def _note(self, text: str) -> None:
        assert self._loop is not None
        if self._throttle.allow(self._loop.time()):
            log.info("%s", text)


_CONTENT_LENGTH = re.compile(rb"\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)", re.IGNORECASE)


class StreamFramer:
    """Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 18.3).

    ``feed`` returns complete messages in order, and ``PING`` for each CRLFCRLF keep-alive
    (RFC 5626 4.4.1); bare CRLFs between messages are skipped. When the stream can no longer be
    framed, ``error`` says why and the connection must be closed. A header block without a
    usable Content-Length is still returned, so the parser can answer it with a 400.
    """

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.max_message = max_message
        self.error: str | None = None
        """Why the stream cannot be framed any more; None while it can."""
        self._buf = bytearray()
        self._scan = 0
        self._need = -1

    def feed(self, data: bytes) -> list[bytes]:
        if self.error is not None:
            return []
        buf = self._buf
        buf += data
        out: list[bytes] = []
        while buf:
            if self._need < 0:
                if buf[0] in b"\r\n":
                    if buf.startswith(PING):
                        out.append(PING)
                        del buf[:4]
                    elif len(buf) < 4 and PING.startswith(buf):
                        break  # perhaps a ping split across segments
                    else:
                        del buf[: 2 if buf.startswith(b"\r\n") else 1]
                    self._scan = 0
                    continue
                if not self._head(buf, out):
                    break
            if len(buf) < self._need:
                break
            out.append(bytes(buf[: self._need]))
            del buf[: self._need]
            self._need = -1
        return out

    def _head(self, buf: bytearray, out: list[bytes]) -> bool:
        """Find the header block and the message's length; False when more bytes are needed."""
        end = buf.find(b"\r\n\r\n", self._scan)
        if end < 0:
            if len(buf) > self.max_message:
                self._fail(f"no end of headers within {self.max_message} bytes")
            self._scan = max(0, len(buf) - 3)
            return False
        head = end + 4
        self._scan = 0
        values = {v.strip() for v in _CONTENT_LENGTH.findall(buf, 0, end)}
        if len(values) != 1 or not (length := values.pop()).isdigit() or len(length) > 9:
            out.append(bytes(buf[:head]))
            self._fail("no usable Content-Length")
            return False
        if head + int(length) > self.max_message:
            self._fail(f"message of {head + int(length)} bytes is over the limit")
            return False
        self._need = head + int(length)
        return True

    def _fail(self, reason: str) -> None:
        self.error = reason
        self._buf.clear()


@dataclass(frozen=True, kw_only=True, slots=True)
class TcpLimits:
    """Bounds on TCP connections."""

    idle_timeout: float = 600.0
    """Seconds without traffic after which a connection is closed."""
    max_connections: int = 1024
    """Most open connections, both directions; more are refused."""
    connect_timeout: float = 10.0
    """Seconds an outgoing connection may take to open."""
    max_write_buffer: int = 1024 * 1024
    """Bytes a peer may leave unread before its connection is dropped."""


class _Connection(asyncio.Protocol):
    """One TCP connection: frames what arrives, writes what is sent (queued while connecting)."""

    def __init__(self, owner: TcpTransport, peer: Address | None) -> None:
        self.owner = owner
        self.peer = peer
        self.framer = StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []
        self.last = owner.loop.time()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport = cast(
            asyncio.Transport, transport
        )  # uvloop's are not subclasses
        if self.peer is None:
            host, port = transport.get_extra_info("peername")[:2]
            self.peer = Address(host, port, "TCP")
            if not self.owner.admit(self):
                transport.abort()
                return
        for data in self.pending:
            self.write(data)
        self.pending.clear()

    def data_received(self, data: bytes) -> None:
        assert self.peer is not None and self.transport is not None
        self.last = self.owner.loop.time()
        for message in self.framer.feed(data):
            if message is PING:
                self.transport.write(PONG)
            else:
                self.owner.on_message(message, self.peer)
        if self.framer.error is not None:
            self.owner.note(f"closing TCP connection from {self.peer}: {self.framer.error}")
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.forget(self)

    def write(self, data: bytes) -> None:
        if self.transport is None:
            if len(self.pending) < 256:
                self.pending.append(data)
            return
        if self.transport.is_closing():
            return
        self.last = self.owner.loop.time()
        self.transport.write(data)
        if self.transport.get_write_buffer_size() > self.owner.limits.max_write_buffer:
            self.owner.note(f"dropping TCP connection to {self.peer}: it is not reading")
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class TcpTransport:
    """Accepts connections on a listening socket and keeps one connection per peer address."""

    def __init__(
        self,
        sock: socket.socket,
        on_message: OnMessage,
        loop: asyncio.AbstractEventLoop,
        limits: TcpLimits | None = None,
    ) -> None:
        self.sock = sock
        self.on_message = on_message
        self.loop = loop
        self.limits = limits or TcpLimits()
        self.connections: set[_Connection] = set()
        """Every open or opening connection."""
        self._by_peer: dict[tuple[str, int], _Connection] = {}
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._throttle = Throttle()
        local = sock.getsockname()[0]
        self._local_host = None if local in ("0.0.0.0", "::") else local

    async def start(self) -> None:
        self._server = await self.loop.create_server(
            lambda: _Connection(self, None), sock=self.sock
        )
        self._sweep()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        for conn in list(self.connections):
            conn.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await asyncio.sleep(0)  # let the closed connections finish
        self.connections.clear()
        self._by_peer.clear()

    def admit(self, conn: _Connection) -> bool:
        """Register an accepted connection, unless there are too many."""
        if len(self.connections) >= self.limits.max_connections:
            self.note(f"refusing TCP connection from {conn.peer}: too many connections")
            return False
        self._add(conn)
        return True

    def _add(self, conn: _Connection) -> None:
        assert conn.peer is not None
        self.connections.add(conn)
        self._by_peer.setdefault((conn.peer.host, conn.peer.port), conn)

    def forget(self, conn: _Connection) -> None:
        self.connections.discard(conn)
        if conn.peer is not None:
            key = (conn.peer.host, conn.peer.port)
            if self._by_peer.get(key) is conn:
                del self._by_peer[key]
                for other in self.connections:  # another connection with the same peer
                    if other.peer == conn.peer:
                        self._by_peer[key] = other
                        break

    def send(self, data: bytes, to: Address) -> None:
        """Send on the connection to ``to``, opening one if there is none."""
        conn = self._by_peer.get((to.host, to.port))
        if conn is None:
            if len(self.connections) >= self.limits.max_connections:
                self.note(f"not connecting to {to}: too many connections")
                return
            conn = _Connection(self, to)
            self._add(conn)
            task = self.loop.create_task(self._connect(conn, to))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        conn.write(data)

    async def _connect(self, conn: _Connection, to: Address) -> None:
        local = (self._local_host, 0) if self._local_host else None
        try:
            await asyncio.wait_for(
                self.loop.create_connection(lambda: conn, to.host, to.port, local_addr=local),
                self.limits.connect_timeout,
            )
        except (OSError, TimeoutError) as exc:
            self.note(f"cannot connect to {to}: {exc or 'timed out'}")
            conn.pending.clear()
            self.forget(conn)

    def _sweep(self) -> None:
        now = self.loop.time()
        idle = self.limits.idle_timeout
        for conn in [c for c in self.connections if now - c.last > idle]:
            self.note(f"closing idle TCP connection with {conn.peer}")
            conn.close()
        every = max(0.05, min(idle / 4, 30.0))
        self._sweeper = self.loop.call_later(every, self._sweep)

    def note(self, text: str) -> None:
        """Log a connection event, rate-limited."""
        if self._throttle.allow(self.loop.time()):
            log.info("%s", text)
