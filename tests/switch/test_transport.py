"""SIP transports: TCP framing by Content-Length, and the UDP and TCP transports on real sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from helin.sip.wire import Address
from helin.switch.transport import (
    PING,
    StreamFramer,
    TcpLimits,
    TcpTransport,
    UdpTransport,
    bind_sockets,
)
from tests.sip.wire_helpers import request
from tests.support import need

Run = Callable[[Coroutine[Any, Any, None]], None]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Run:
    """Run a coroutine to completion on the default loop or on uvloop."""
    factory = uvloop.new_event_loop if request.param == "uvloop" else asyncio.new_event_loop

    def runner(coro: Coroutine[Any, Any, None]) -> None:
        with asyncio.Runner(loop_factory=factory) as r:
            r.run(asyncio.wait_for(coro, 20))

    return runner


def ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture(params=["127.0.0.1", "::1"])
def host(request: pytest.FixtureRequest) -> str:
    if request.param == "::1":
        need(ipv6_loopback(), "an IPv6 loopback address (::1)")
    return str(request.param)


# -- framing --------------------------------------------------------------------------------


def test_two_messages_in_one_segment() -> None:
    one, two = request("OPTIONS"), request("OPTIONS", branch="z9hG4bK2", body=b"v=0\r\n")
    assert StreamFramer().feed(one + two) == [one, two]


def test_a_message_fed_byte_by_byte() -> None:
    message = request("INVITE", body=b"v=0\r\n\r\no=- 1 1 IN IP4 127.0.0.1\r\n")
    framer = StreamFramer()
    out: list[bytes] = []
    for i in range(len(message)):
        out += framer.feed(message[i : i + 1])
    assert out == [message]


def test_body_is_framed_by_content_length_even_with_blank_lines_inside() -> None:
    body = b"\r\n\r\nINVITE sip:x SIP/2.0\r\n\r\n"
    message = request("MESSAGE", body=body)
    framer = StreamFramer()
    assert framer.feed(message[:-3]) == []
    assert framer.feed(message[-3:] + b"\r\n") == [message]


def test_compact_content_length() -> None:
    message = request("OPTIONS", body=b"hello").replace(b"Content-Length:", b"l :")
    assert StreamFramer().feed(message + message) == [message, message]


def test_keep_alive_ping_and_bare_crlfs() -> None:
    framer = StreamFramer()
    message = request("OPTIONS")
    out = framer.feed(b"\r\n\r\n" + b"\r\n" + message + b"\r\n")
    assert out == [PING, message]
    assert out[0] is PING
    assert framer.feed(b"\r\n") == [PING]  # a ping split across two segments
    assert framer.feed(b"\r") == []
    assert framer.feed(b"\n" + message) == [message]  # a bare CRLF, then a message
    assert framer.error is None


def test_missing_content_length_hands_the_head_over_and_stops() -> None:
    head = request("OPTIONS").replace(b"Content-Length: 0\r\n", b"")
    framer = StreamFramer()
    assert framer.feed(head + b"garbage") == [head]
    assert framer.error == "no usable Content-Length"
    assert framer.feed(request("OPTIONS")) == []


def test_conflicting_content_lengths_stop_the_stream() -> None:
    message = request("OPTIONS").replace(b"Content-Length: 0", b"Content-Length: 0\r\nl: 4")
    framer = StreamFramer()
    assert framer.feed(message) == [message]
    assert framer.error is not None


def test_oversize_header_block_and_body_stop_the_stream() -> None:
    framer = StreamFramer(max_message=1000)
    assert framer.feed(b"OPTIONS sip:x SIP/2.0\r\n" + b"X-Pad: y\r\n" * 200) == []
    assert framer.error is not None and "end of headers" in framer.error
    big = request("MESSAGE", body=b"x" * 1000)
    framer = StreamFramer(max_message=1000)
    assert framer.feed(big[:400]) == []
    assert framer.error is not None and "over the limit" in framer.error


# -- UDP ------------------------------------------------------------------------------------


def test_udp_delivers_datagrams_with_their_source_and_sends_back(run: Run, host: str) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        got: asyncio.Queue[tuple[bytes, Address]] = asyncio.Queue()
        udp_sock, tcp_sock = bind_sockets(host, 0)
        tcp_sock.close()
        udp = UdpTransport(udp_sock, lambda data, source: got.put_nowait((data, source)))
        udp.start(loop)
        family = udp_sock.family
        with socket.socket(family, socket.SOCK_DGRAM) as peer:
            peer.bind((host, 0))
            peer.setblocking(False)
            peer.sendto(b"x" * 20_000, udp_sock.getsockname()[:2])  # over the limit: dropped
            peer.sendto(b"hello", udp_sock.getsockname()[:2])
            data, source = await got.get()
            assert data == b"hello"
            assert (source.host, source.port, source.transport) == (
                host,
                peer.getsockname()[1],
                "UDP",
            )
            assert udp.oversize == 1
            udp.send(b"back", source)
            assert await loop.sock_recv(peer, 100) == b"back"
        udp.close()

    run(scenario())


def test_udp_send_to_a_closed_port_is_not_an_error(run: Run) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        got: asyncio.Queue[bytes] = asyncio.Queue()
        udp_sock, tcp_sock = bind_sockets("127.0.0.1", 0)
        tcp_sock.close()
        udp = UdpTransport(udp_sock, lambda data, source: got.put_nowait(data))
        udp.start(loop)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as gone:
            gone.bind(("127.0.0.1", 0))
            closed = Address("127.0.0.1", gone.getsockname()[1])
        for _ in range(3):
            udp.send(b"nobody", closed)
            await asyncio.sleep(0.01)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.sendto(b"still here", udp_sock.getsockname())
            assert await got.get() == b"still here"
        udp.close()

    run(scenario())


# -- TCP ------------------------------------------------------------------------------------


def test_bind_sockets_gives_udp_and_tcp_the_same_port(host: str) -> None:
    udp, tcp = bind_sockets(host, 0)
    with udp, tcp:
        assert udp.getsockname()[1] == tcp.getsockname()[1]
        assert tcp.type == socket.SOCK_STREAM and udp.type == socket.SOCK_DGRAM


def test_tcp_round_trip_reuse_and_idle_close(run: Run, host: str) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        got: asyncio.Queue[tuple[bytes, Address]] = asyncio.Queue()
        udp_sock, tcp_sock = bind_sockets(host, 0)
        udp_sock.close()
        tcp = TcpTransport(
            tcp_sock, lambda d, s: got.put_nowait((d, s)), loop, TcpLimits(idle_timeout=0.2)
        )
        await tcp.start()
        port = tcp_sock.getsockname()[1]
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request("OPTIONS") + b"\r\n\r\n")
        data, source = await got.get()
        assert data == request("OPTIONS") and source.transport == "TCP"
        assert await reader.readexactly(2) == b"\r\n"  # the pong
        tcp.send(b"answer", source)  # goes back on the same connection
        assert await reader.readexactly(6) == b"answer"
        assert len(tcp.connections) == 1
        assert await reader.read() == b""  # closed once idle
        writer.close()

        accepted: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        server = await asyncio.start_server(
            lambda r, w: accepted.append((r, w)), host, 0, family=tcp_sock.family
        )
        dest = Address(host, server.sockets[0].getsockname()[1], "TCP")
        tcp.send(b"one", dest)  # queued while connecting
        tcp.send(b"two", dest)
        while not accepted:
            await asyncio.sleep(0.01)
        tcp.send(b"three", dest)
        peer_reader, peer_writer = accepted[0]
        assert await peer_reader.readexactly(11) == b"onetwothree"
        assert len(accepted) == 1  # one connection, reused
        await tcp.close()
        assert await peer_reader.read() == b""
        peer_writer.close()
        server.close()
        await server.wait_closed()

    run(scenario())


def test_tcp_connection_limit(run: Run) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        udp_sock, tcp_sock = bind_sockets("127.0.0.1", 0)
        udp_sock.close()
        tcp = TcpTransport(tcp_sock, lambda d, s: None, loop, TcpLimits(max_connections=2))
        await tcp.start()
        port = tcp_sock.getsockname()[1]
        streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        assert await streams[2][0].read() == b""  # the third is refused
        assert len(tcp.connections) == 2
        for _, writer in streams:
            writer.close()
        await tcp.close()

    run(scenario())


def test_tcp_connect_failure_is_logged_not_raised(run: Run) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        udp_sock, tcp_sock = bind_sockets("127.0.0.1", 0)
        udp_sock.close()
        tcp = TcpTransport(tcp_sock, lambda d, s: None, loop)
        await tcp.start()
        with socket.socket() as gone:
            gone.bind(("127.0.0.1", 0))
            nobody = Address("127.0.0.1", gone.getsockname()[1], "TCP")
        tcp.send(b"hello", nobody)
        for _ in range(200):
            if not tcp.connections:
                break
            await asyncio.sleep(0.01)
        assert not tcp.connections
        await tcp.close()

    run(scenario())
