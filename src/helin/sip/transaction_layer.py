"""The transaction layer: bytes in, actions out; owns every transaction and its timers.

The transport adapter feeds ``receive(data, source, now)`` and ``on_timer(now)`` and carries
out the returned actions: ``Send`` goes to the wire, the rest go to the transaction user (the
registrar, the call layer). The TU answers through ``respond`` and starts requests with
``send_request``. Malformed requests get a stateless error response when one can be formed;
everything else malformed is dropped with a ``Dropped`` action saying why (the adapter logs it).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

from helin.sip.errors import RemoteProtocolError
from helin.sip.message import MAGIC_COOKIE, Request, Response, make_response, new_branch, parse
from helin.sip.transaction import (
    Action,
    ClientTransaction,
    Send,
    ServerTransaction,
    TimerConfig,
    Transaction,
)
from helin.sip.wire import Address, annotate_top_via, response_address

MAX_MESSAGE = 16 * 1024
"""Largest message helin accepts, bytes."""


@dataclass(frozen=True, slots=True)
class RequestReceived:
    """A new request for the TU; ``transaction`` is None for an ACK (of a 2xx) or stray ACK."""

    request: Request
    source: Address
    transaction: ServerTransaction | None


@dataclass(frozen=True, slots=True)
class Dropped:
    """A message that was not processed, and why (for the log)."""

    reason: str
    source: Address


LayerAction = Action | RequestReceived | Dropped
_Entry = tuple[float, int, str, tuple[str, ...], str]
"""A timer in the layer's schedule: (deadline, sequence, kind, transaction key, timer name)."""


class TransactionLayer:
    def __init__(
        self,
        local: dict[str, Address],
        *,
        config: TimerConfig | None = None,
        max_transactions: int = 20_000,
    ) -> None:
        self.local = local
        """Our own address per transport ("UDP", "TCP"), used as Via sent-by."""
        self.config = config or TimerConfig()
        self.max_transactions = max_transactions
        self._client: dict[tuple[str, ...], ClientTransaction] = {}
        self._server: dict[tuple[str, ...], ServerTransaction] = {}
        self._unacked: dict[tuple[str, int], ServerTransaction] = {}
        """INVITE server transactions in Accepted state by (Call-ID, CSeq number)."""
        self._heap: list[_Entry] = []
        """(deadline, sequence, kind, transaction key, timer name), earliest first. An entry
        is live while its transaction is and still has that timer at that deadline; others are
        skipped when they surface. Floats, ints and strings only: the garbage collector stops
        tracking the entries, and there are many."""
        self._queue: deque[_Entry] = deque()
        """Entries as in ``_heap``, appended while none is earlier than the last one, so in
        order without a comparison: most timers are lingers of one length (64·T1) started as
        time goes on. The rest (retransmissions, other lengths) go to the heap; ``on_timer``
        takes the earlier of the two heads, so timers fire in exactly the heap's order."""
        self._seq = 0
        self._armed: list[tuple[float, str]] = []
        """Timers the transaction just given an input started (see ``Transaction._arm``)."""

    @property
    def transactions(self) -> int:
        return len(self._client) + len(self._server)

    # -- from the wire --------------------------------------------------------------------

    def receive(self, data: bytes, source: Address, now: float) -> list[LayerAction]:
        if len(data) > MAX_MESSAGE:
            return [Dropped(f"message of {len(data)} bytes is too large", source)]
        if not data or (data[0] in b"\r\n" and not data.strip(b"\r\n")):
            return []  # keep-alive
        try:
            message = parse(data, stream=source.transport != "UDP")
        except RemoteProtocolError as exc:
            return self._reject(exc, source)
        if isinstance(message, Response):
            return self._response(message, source, now)
        return self._request(message, data, source, now)

    def _reject(self, exc: RemoteProtocolError, source: Address) -> list[LayerAction]:
        bad = exc.message
        if not isinstance(bad, Request) or bad.method == "ACK":
            return [Dropped(f"malformed message: {exc.status} {exc.reason}", source)]
        try:
            top = bad.via[0]
        except RemoteProtocolError:
            return [Dropped(f"malformed request without a usable Via: {exc.reason}", source)]
        response = make_response(bad, exc.status, exc.reason)
        dest = response_address(top, source)
        return [
            Send(response.to_bytes(), dest),
            Dropped(f"answered {exc.status} {exc.reason}", source),
        ]

    def _response(self, response: Response, source: Address, now: float) -> list[LayerAction]:
        top = response.via[0]
        tx = self._client.get((top.branch or "", response.cseq.method))
        if tx is None:
            return [Dropped(f"response {response.status} matches no transaction", source)]
        actions: list[LayerAction] = list(tx.on_response(response, now))
        self._sync(tx, "c", now)
        return actions

    def _request(
        self, request: Request, data: bytes, source: Address, now: float
    ) -> list[LayerAction]:
        annotate_top_via(request, source)
        key = server_key(request)
        if request.method == "ACK":
            return self._ack(request, key, source, now)
        tx = self._server.get(key)
        if tx is not None:
            return list(tx.on_retransmission())
        if self.transactions >= self.max_transactions:
            busy = make_response(request, 503, "Service Unavailable", extra=[("Retry-After", "5")])
            dest = response_address(request.via[0], source)
            return [Send(busy.to_bytes(), dest), Dropped("too many transactions", source)]
        dest = response_address(request.via[0], source)
        if dest == source:
            dest = source  # one object fewer for the transaction to keep alive
        tx = ServerTransaction(
            key, request, dest, self.config, self._armed, data=data, source=source
        )
        self._server[key] = tx
        if request.method == "INVITE":
            tx.defer_trying(now)
            self._sync(tx, "s", now)
        return [RequestReceived(request, source, tx)]

    def _ack(
        self, ack: Request, key: tuple[str, ...], source: Address, now: float
    ) -> list[LayerAction]:
        tx = self._server.get(key)
        if tx is not None and tx.final_status >= 300:
            actions: list[LayerAction] = list(tx.on_ack(now))
            self._sync(tx, "s", now)
            return actions
        accepted = self._unacked.pop((ack.call_id, ack.cseq.seq), None)
        if accepted is not None:
            accepted.on_2xx_ack()
            self._sync(accepted, "s", now)
        return [RequestReceived(ack, source, None)]

    # -- from the TU ----------------------------------------------------------------------

    def send_request(
        self, request: Request, dest: Address, now: float, *, via: str | None = None
    ) -> tuple[ClientTransaction, list[LayerAction]]:
        """Start a client transaction; our Via (with a new branch) is put on top.

        ``via`` gives the Via to use instead: a CANCEL carries its INVITE's (RFC 3261 9.1).
        """
        if via is None:
            local = self.local[dest.transport]
            via = f"SIP/2.0/{dest.transport} {local.host_port};branch={new_branch()};rport"
        request.headers.prepend("Via", via)
        tx = ClientTransaction(request, dest, self.config, now, self._armed)
        self._client[tx.key] = tx
        actions: list[LayerAction] = list(tx.start())
        self._sync(tx, "c", now)
        return tx, actions

    def send_ack(self, ack: Request, dest: Address) -> list[LayerAction]:
        """Send an ACK for a 2xx (its own branch, no transaction)."""
        local = self.local[dest.transport]
        via = f"SIP/2.0/{dest.transport} {local.host_port};branch={new_branch()};rport"
        ack.headers.prepend("Via", via)
        return [Send(ack.to_bytes(), dest)]

    def respond(self, tx: ServerTransaction, response: Response, now: float) -> list[LayerAction]:
        actions: list[LayerAction] = list(tx.respond(response, now))
        if response.status >= 200:
            if tx.invite and response.status < 300:
                request = tx.request
                tx.unacked_key = key = (request.call_id, request.cseq.seq)
                self._unacked[key] = tx
            tx.release()  # it lingers with the transaction
        self._sync(tx, "s", now)
        return actions

    def find_invite(self, cancel: Request) -> ServerTransaction | None:
        """The INVITE server transaction a CANCEL refers to (RFC 3261 9.2)."""
        key = server_key(cancel, method="INVITE")
        return self._server.get(key)

    # -- timers ---------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        heap, queue, live = self._heap, self._queue, self._live
        while heap and not live(heap[0]):
            heapq.heappop(heap)
        while queue and not live(queue[0]):
            queue.popleft()
        return self.next_wake()

    def next_wake(self) -> float | None:
        """``next_deadline`` without skipping stopped timers: cheaper, and never later (waking
        for a stopped timer is harmless: ``on_timer`` skips it)."""
        heap, queue = self._heap, self._queue
        if heap and queue:
            return min(heap[0][0], queue[0][0])
        if heap:
            return heap[0][0]
        return queue[0][0] if queue else None

    def _live(self, entry: _Entry) -> bool:
        when, _, kind, key, name = entry
        tx = (self._client if kind == "c" else self._server).get(key)
        return tx is not None and tx.timers.get(name) == when

    def on_timer(self, now: float) -> list[LayerAction]:
        actions: list[LayerAction] = []
        heap, queue, pop = self._heap, self._queue, heapq.heappop
        client, server = self._client, self._server
        while True:
            if queue and (not heap or queue[0] < heap[0]):
                if queue[0][0] > now:
                    break
                when, _, kind, key, name = queue.popleft()
            elif heap and heap[0][0] <= now:
                when, _, kind, key, name = pop(heap)
            else:
                break
            tx: Transaction | None = (client if kind == "c" else server).get(key)
            if tx is None or tx.timers.get(name) != when:
                continue  # stopped, re-armed, or its transaction is gone
            del tx.timers[name]
            actions += tx.on_timer(name, now)
            self._sync(tx, kind, now)
        return actions

    def _sync(self, tx: Transaction, kind: str, now: float) -> None:
        """Schedule the timers the transaction started; forget it once it has terminated."""
        armed = self._armed
        if tx.terminated:
            armed.clear()
            if kind == "c":
                self._client.pop(tx.key, None)
            else:
                self._server.pop(tx.key, None)
                assert isinstance(tx, ServerTransaction)
                unacked_key = tx.unacked_key
                if unacked_key is not None and self._unacked.get(unacked_key) is tx:
                    del self._unacked[unacked_key]
            return
        if armed:
            queue, key = self._queue, tx.key
            for when, name in armed:
                self._seq += 1
                if queue and when < queue[-1][0]:
                    heapq.heappush(self._heap, (when, self._seq, kind, key, name))
                else:
                    queue.append((when, self._seq, kind, key, name))
            armed.clear()


def server_key(request: Request, method: str | None = None) -> tuple[str, ...]:
    """RFC 3261 17.2.3: branch + sent-by + method (ACK matches INVITE), or the RFC 2543 way."""
    top = request.via[0]
    method = method or ("INVITE" if request.method == "ACK" else request.method)
    branch = top.branch or ""
    if branch.startswith(MAGIC_COOKIE):
        return (branch, top.host, str(top.port or ""), method)
    return (
        "2543",
        request.uri,
        request.from_.tag or "",
        request.call_id,
        str(request.cseq.seq),
        f"{top.host}:{top.port}",
        method,
    )
