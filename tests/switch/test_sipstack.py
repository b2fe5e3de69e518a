"""The SIP stack on loopback sockets: UDP and TCP in, the TU's answers out, timers on the loop."""

from __future__ import annotations

import asyncio
import random
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from helin.sip.headers import Headers
from helin.sip.message import Request, Response, make_response, parse
from helin.sip.transaction import (
    ResponseReceived,
    TimerConfig,
    TransactionTimedOut,
)
from helin.sip.transaction_layer import RequestReceived
from helin.sip.wire import Address
from helin.switch.sipstack import SipStack, TuEvent
from helin.switch.transport import TcpLimits
from tests.sip.wire_helpers import request
from tests.switch.test_transport import Run, host, run

__all__ = ["host", "run"]  # fixtures shared with the transport tests

FAST = TimerConfig(t1=0.01, t2=0.04, t4=0.05, timer_d=0.1)


class Tu:
    """A transaction user that answers every request (but ACK) with ``status`` and records all."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.stack: SipStack | None = None
        self.events: asyncio.Queue[TuEvent] = asyncio.Queue()
        self.fail_next = False

    def __call__(self, event: TuEvent) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("a TU bug")
        self.events.put_nowait(event)
        if isinstance(event, RequestReceived) and event.transaction is not None:
            assert self.stack is not None
            reply = make_response(event.request, self.status, to_tag="helin1")
            self.stack.respond(event.transaction, reply)

    async def next(self, kind: type[TuEvent] = RequestReceived) -> TuEvent:
        while True:
            event = await self.events.get()
            if isinstance(event, kind):
                return event


@asynccontextmanager
async def started(
    tu: Tu,
    host: str = "127.0.0.1",
    timers: TimerConfig | None = None,
    tcp: TcpLimits | None = None,
) -> AsyncIterator[SipStack]:
    stack = SipStack(tu, host=host, timers=timers, tcp=tcp)
    tu.stack = stack
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()


def via_host(host: str, port: int = 9) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def outgoing(method: str = "OPTIONS") -> Request:
    headers = Headers(
        [
            ("Max-Forwards", "70"),
            ("From", "<sip:helin@127.0.0.1>;tag=h1"),
            ("To", "<sip:agent@127.0.0.1>"),
            ("Call-ID", f"{uuid.uuid4().hex}@helin"),
            ("CSeq", f"1 {method}"),
        ]
    )
    return Request(method, "sip:agent@127.0.0.1", headers)


async def recv_message(sock: socket.socket) -> Request | Response:
    data = await asyncio.get_running_loop().sock_recv(sock, 65536)
    return parse(data)


async def read_message(reader: asyncio.StreamReader) -> Request | Response:
    head = await reader.readuntil(b"\r\n\r\n")
    message = parse(head)
    body = await reader.readexactly(int(message.headers.get("Content-Length") or 0))
    return parse(head + body, stream=True) if body else message


def udp_client(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


# -- UDP ------------------------------------------------------------------------------------


def test_udp_request_reaches_the_tu_and_the_response_goes_to_the_source(
    run: Run, host: str
) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu, host) as stack:
            dest = stack.local_address("UDP")
            with udp_client(host) as client:
                # The Via names port 9; rport sends the answer to where the request came from.
                client.sendto(
                    request("OPTIONS", via_host=via_host(host), rport=True), (host, dest.port)
                )
                event = await tu.next()
                assert isinstance(event, RequestReceived)
                assert event.source == Address(host, client.getsockname()[1], "UDP")
                response = await recv_message(client)
                assert isinstance(response, Response) and response.status == 200
                assert response.via[0].params["rport"] == str(client.getsockname()[1])

    run(scenario())


def test_udp_client_transaction_retransmits_and_times_out_on_the_loop(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu, timers=FAST) as stack:
            with udp_client("127.0.0.1") as silent:
                dest = Address("127.0.0.1", silent.getsockname()[1])
                tx = stack.send_request(outgoing(), dest)
                timed_out = await tu.next(TransactionTimedOut)
                assert isinstance(timed_out, TransactionTimedOut) and timed_out.transaction is tx
                copies = 0
                while True:
                    try:
                        silent.recv(65536)
                    except BlockingIOError:
                        break
                    copies += 1
                assert copies >= 3  # the first send and Timer E retransmissions
                assert stack.layer.transactions == 0

    run(scenario())


def test_2xx_to_an_invite_is_retransmitted_until_the_ack(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu, timers=FAST) as stack:
            port = stack.local_address().port
            with udp_client("127.0.0.1") as client:
                client.sendto(request("INVITE", rport=True), ("127.0.0.1", port))
                statuses = [(await recv_message(client)) for _ in range(4)]
                # answered at once: no 100 Trying (RFC 3261 17.2.1), then Timer G's copies
                assert [m.status for m in statuses if isinstance(m, Response)] == [200] * 4
                ack = request("ACK", branch="z9hG4bKack", to_tag="helin1", rport=True)
                client.sendto(ack, ("127.0.0.1", port))
                assert isinstance(await tu.next(), RequestReceived)  # the INVITE
                acked = await tu.next()
                assert isinstance(acked, RequestReceived) and acked.request.method == "ACK"
                for _ in range(500):
                    if stack.layer.transactions == 0:
                        break
                    await asyncio.sleep(0.01)
                assert stack.layer.transactions == 0
                assert tu.events.empty()  # no AckMissing

    run(scenario())


def test_a_failing_tu_does_not_stop_the_stack(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu) as stack:
            port = stack.local_address().port
            with udp_client("127.0.0.1") as client:
                tu.fail_next = True
                client.sendto(
                    request("OPTIONS", branch="z9hG4bK1", rport=True), ("127.0.0.1", port)
                )
                client.sendto(
                    request("OPTIONS", branch="z9hG4bK2", rport=True), ("127.0.0.1", port)
                )
                response = await recv_message(client)
                assert isinstance(response, Response) and response.status == 200
                assert response.via[0].branch == "z9hG4bK2"

    run(scenario())


def test_a_flood_of_malformed_datagrams_costs_nothing_that_stays(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu) as stack:
            port = stack.local_address().port
            rng = random.Random(5060)
            bad_cseq = request("OPTIONS", rport=True).replace(b"CSeq: 1 OPTIONS", b"CSeq: x")
            options = parse(request("OPTIONS"))
            assert isinstance(options, Request)
            stray = make_response(options, 200).to_bytes()
            kinds = [lambda: rng.randbytes(rng.randrange(1, 1400)), lambda: bad_cseq, lambda: stray]
            flooders = [udp_client("127.0.0.1") for _ in range(4)]
            for i in range(10_000):
                flooders[i % 4].sendto(kinds[i % 3](), ("127.0.0.1", port))
                if i % 100 == 99:
                    await asyncio.sleep(0)
            with udp_client("127.0.0.1") as client:
                client.sendto(
                    request("OPTIONS", branch="z9hG4bKgood", rport=True), ("127.0.0.1", port)
                )
                response = await recv_message(client)
                assert isinstance(response, Response) and response.status == 200
            for sock in flooders:
                sock.close()
            assert stack.dropped == 10_000
            assert stack.layer.transactions == 1  # the good request's, lingering
            assert tu.events.qsize() == 1

    run(scenario())


# -- TCP ------------------------------------------------------------------------------------


@asynccontextmanager
async def tcp_client(
    stack: SipStack,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    dest = stack.local_address("TCP")
    reader, writer = await asyncio.open_connection(dest.host, dest.port)
    try:
        yield reader, writer
    finally:
        writer.close()


def tcp_request(method: str, branch: str, host: str = "127.0.0.1", body: bytes = b"") -> bytes:
    data = request(method, branch=branch, via_host=via_host(host, 5070), body=body)
    return data.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")


def test_tcp_two_messages_in_one_segment_answered_on_the_same_connection(
    run: Run, host: str
) -> None:
    async def scenario() -> None:
        tu = Tu()
        async with started(tu, host) as stack, tcp_client(stack) as (reader, writer):
            writer.write(
                tcp_request("OPTIONS", "z9hG4bKa", host) + tcp_request("OPTIONS", "z9hG4bKb", host)
            )
            answers = [await read_message(reader) for _ in range(2)]
            assert [m.via[0].branch for m in answers] == ["z9hG4bKa", "z9hG4bKb"]
            event = await tu.next()
            assert isinstance(event, RequestReceived) and event.source.transport == "TCP"
            assert event.source.port == writer.get_extra_info("sockname")[1]

    run(scenario())


def test_tcp_message_split_byte_by_byte_with_a_body(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        body = b"v=0\r\n\r\ns=-\r\n"
        data = tcp_request("MESSAGE", "z9hG4bKs", body=body)
        async with started(tu) as stack, tcp_client(stack) as (reader, writer):
            for i in range(len(data)):
                writer.write(data[i : i + 1])
                await writer.drain()
                await asyncio.sleep(0)
            answer = await read_message(reader)
            assert isinstance(answer, Response) and answer.status == 200
            event = await tu.next()
            assert isinstance(event, RequestReceived) and event.request.body == body

    run(scenario())


def test_tcp_keep_alive_ping_gets_a_pong(run: Run) -> None:
    async def scenario() -> None:
        async with started(Tu()) as stack, tcp_client(stack) as (reader, writer):
            writer.write(b"\r\n\r\n")
            assert await reader.readexactly(2) == b"\r\n"
            writer.write(b"\r\n" + tcp_request("OPTIONS", "z9hG4bKk"))  # a bare CRLF is skipped
            answer = await read_message(reader)
            assert isinstance(answer, Response) and answer.status == 200

    run(scenario())


def test_tcp_without_content_length_gets_400_and_the_connection_closes(run: Run) -> None:
    async def scenario() -> None:
        data = tcp_request("OPTIONS", "z9hG4bKn").replace(b"Content-Length: 0\r\n", b"")
        async with started(Tu()) as stack, tcp_client(stack) as (reader, writer):
            writer.write(data)
            answer = await read_message(reader)
            assert isinstance(answer, Response) and answer.status == 400
            assert answer.reason == "Missing Content-Length"
            assert await reader.read() == b""

    run(scenario())


def test_tcp_oversize_header_block_and_garbage_close_the_connection_only(run: Run) -> None:
    async def scenario() -> None:
        async with started(Tu()) as stack:
            async with tcp_client(stack) as (reader, writer):
                writer.write(b"OPTIONS sip:x SIP/2.0\r\n" + b"X-Pad: " + b"y" * 17_000)
                assert await reader.read() == b""
            async with tcp_client(stack) as (reader, writer):
                writer.write(random.Random(1).randbytes(3000) + b"\r\n\r\n" + b"\x00\xff" * 100)
                assert await reader.read() == b""  # no usable Content-Length: closed
            async with tcp_client(stack) as (reader, writer):
                writer.write(tcp_request("OPTIONS", "z9hG4bKafter"))
                answer = await read_message(reader)
                assert isinstance(answer, Response) and answer.status == 200

    run(scenario())


def test_tcp_outgoing_requests_open_one_connection_and_reuse_it(run: Run, host: str) -> None:
    async def scenario() -> None:
        tu = Tu()
        accepted: list[asyncio.StreamWriter] = []

        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)
            while True:
                try:
                    message = await read_message(reader)
                except asyncio.IncompleteReadError:
                    writer.close()
                    return
                assert isinstance(message, Request)
                assert message.via[0].transport == "TCP"
                writer.write(make_response(message, 200, to_tag="p1").to_bytes())

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server = await asyncio.start_server(peer, host, 0, family=family)
        dest = Address(host, server.sockets[0].getsockname()[1], "TCP")
        async with started(tu, host) as stack:
            for _ in range(2):
                tx = stack.send_request(outgoing(), dest)
                answer = await tu.next(ResponseReceived)
                assert isinstance(answer, ResponseReceived) and answer.transaction is tx
                assert answer.response.status == 200
            assert len(accepted) == 1
            assert len(stack.tcp.connections) == 1
        server.close()
        await server.wait_closed()

    run(scenario())


def test_tcp_request_to_nobody_times_out_without_harm(run: Run) -> None:
    async def scenario() -> None:
        tu = Tu()
        with socket.socket() as gone:
            gone.bind(("127.0.0.1", 0))
            nobody = Address("127.0.0.1", gone.getsockname()[1], "TCP")
        async with started(tu, timers=FAST) as stack:
            tx = stack.send_request(outgoing(), nobody)
            timed_out = await tu.next(TransactionTimedOut)
            assert isinstance(timed_out, TransactionTimedOut) and timed_out.transaction is tx
            assert not stack.tcp.connections

    run(scenario())


def test_idle_tcp_connections_are_closed(run: Run) -> None:
    async def scenario() -> None:
        limits = TcpLimits(idle_timeout=0.1)
        async with started(Tu(), tcp=limits) as stack, tcp_client(stack) as (reader, writer):
            writer.write(tcp_request("OPTIONS", "z9hG4bKi"))
            await read_message(reader)
            assert await reader.read() == b""
            assert not stack.tcp.connections

    run(scenario())


def test_the_stack_refuses_names_and_unknown_transports(run: Run) -> None:
    async def scenario() -> None:
        async with started(Tu()) as stack:
            with pytest.raises(ValueError):
                stack.send_request(outgoing(), Address("phone.example", 5060))
            with pytest.raises(ValueError):
                stack.send_request(outgoing(), Address("127.0.0.1", 5060, "SCTP"))

    run(scenario())


def test_binding_every_interface_needs_an_address_to_advertise(run: Run) -> None:
    async def scenario() -> None:
        with pytest.raises(ValueError, match="advertise"):
            await SipStack(Tu(), host="0.0.0.0").start()

    run(scenario())
