"""RFC 3261 section 17 transactions, with the RFC 6026 Accepted states.

Theory of operation
-------------------
A transaction is a small state machine driven by three inputs: a message from the wire, a
message from the transaction user (TU), and a timer firing. Each input returns *actions*:
``Send`` (bytes for the transport) and TU notifications (``ResponseReceived``,
``TransactionTimedOut``, ...). No transaction reads a clock or touches a socket; the
``TransactionLayer`` (``sip/transaction_layer.py``) owns the timers and routes input to
transactions.

State tables (UDP timers; on TCP the retransmit timers never run and the linger timers are 0):

=========  ====================  =====================================================
kind       states                timers
=========  ====================  =====================================================
INVITE     calling, proceeding,  A: retransmit INVITE (T1, doubling); B: give up (64·T1);
client     completed, accepted   D: linger after a failure (32 s); M: accepted (64·T1)
non-INV    trying, proceeding,   E: retransmit (T1 doubling to T2; T2 once proceeding);
client     completed             F: give up (64·T1); K: linger (T4)
INVITE     proceeding,           trying: 100 Trying if the TU has not answered in 200 ms;
server     completed, confirmed, G: retransmit the failure (T1 doubling to T2);
           accepted              H: wait for ACK (64·T1); I: linger (T4);
                                 L: accepted (64·T1); 2xx retransmitted (T1 doubling to
                                 T2) until the ACK arrives (RFC 3261 13.3.1.4)
non-INV    trying, proceeding,   J: linger after the final response (64·T1)
server     completed
=========  ====================  =====================================================

An INVITE server transaction sends 100 Trying only when the TU has sent no response 200 ms
after the INVITE arrived, or at once when the INVITE is retransmitted before any response
(RFC 3261 17.2.1 lets a server skip it when the TU answers within 200 ms, as helin's TU
usually does: it answers a trunk's call or challenges a phone at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from helin.sip.errors import LocalProtocolError
from helin.sip.message import Request, Response, make_response, parse
from helin.sip.wire import Address, annotate_top_via


@dataclass(frozen=True, slots=True)
class TimerConfig:
    t1: float = 0.5
    """Round-trip estimate, seconds."""
    t2: float = 4.0
    """Longest retransmit interval for non-INVITE requests and INVITE responses."""
    t4: float = 5.0
    """How long a message may stay in the network."""
    timer_d: float = 32.0
    """Linger of an INVITE client transaction after a failure response (UDP)."""
    trying: float = 0.2
    """How long an INVITE server transaction waits for the TU's first response before it
    sends 100 Trying itself (RFC 3261 17.2.1: 200 ms)."""


class State(Enum):
    CALLING = "calling"
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class Send:
    """Bytes for the transport to send to ``to``."""

    data: bytes
    to: Address


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    response: Response
    transaction: ClientTransaction


@dataclass(frozen=True, slots=True)
class TransactionTimedOut:
    """No final response (client: Timer B/F), or no ACK for a final response (server: H/L)."""

    transaction: ClientTransaction | ServerTransaction


@dataclass(frozen=True, slots=True)
class AckMissing:
    """A 2xx to an INVITE was retransmitted for 64·T1 without an ACK (the TU should BYE)."""

    transaction: ServerTransaction


Action = Send | ResponseReceived | TransactionTimedOut | AckMissing
Timers = dict[str, float]
"""Timer name -> absolute deadline; what a transaction wants armed after an input."""


class Transaction:
    """What every transaction has: its key, peer, state and timers."""

    __slots__ = ("_armed", "config", "key", "peer", "reliable", "state", "timers")

    def __init__(
        self,
        key: tuple[str, ...],
        peer: Address,
        config: TimerConfig,
        armed: list[tuple[float, str]] | None = None,
    ) -> None:
        self.key = key
        self.peer = peer
        self.config = config
        self.state = State.TRYING
        self.timers: Timers = {}
        """The timers running: name -> deadline (a timer is stopped by removing it)."""
        self.reliable = peer.transport != "UDP"
        self._armed = [] if armed is None else armed
        """Where ``_arm`` notes each timer started, for the layer to schedule (it passes the one
        list it drains after every input; a timer removed from ``timers`` simply never fires)."""

    @property
    def terminated(self) -> bool:
        return self.state is State.TERMINATED

    def _arm(self, name: str, when: float) -> None:
        self.timers[name] = when
        self._armed.append((when, name))

    def _linger(self, name: str, seconds: float, now: float) -> None:
        """Arm a linger timer, or terminate at once on reliable transports."""
        if self.reliable or seconds <= 0:
            self.state = State.TERMINATED
        else:
            self._arm(name, now + seconds)

    def on_timer(self, name: str, now: float) -> list[Action]:
        raise NotImplementedError


class ClientTransaction(Transaction):
    """Sends one request and collects its responses (INVITE or not, see ``invite``)."""

    __slots__ = ("data", "interval", "invite", "last_response", "request")

    def __init__(
        self,
        request: Request,
        peer: Address,
        config: TimerConfig,
        now: float,
        armed: list[tuple[float, str]] | None = None,
    ) -> None:
        branch = request.via[0].branch or ""
        super().__init__((branch, request.cseq.method), peer, config, armed)
        self.request = request
        self.invite = request.method == "INVITE"
        self.data = request.to_bytes()
        self.interval = config.t1
        self.state = State.CALLING if self.invite else State.TRYING
        if not self.reliable:
            self._arm("retransmit", now + config.t1)
        self._arm("timeout", now + 64 * config.t1)
        self.last_response: Response | None = None

    def start(self) -> list[Action]:
        return [Send(self.data, self.peer)]

    def on_response(self, response: Response, now: float) -> list[Action]:
        if self.state is State.TERMINATED:
            return []
        self.last_response = response
        if self.invite:
            return self._invite_response(response, now)
        return self._non_invite_response(response, now)

    def _invite_response(self, response: Response, now: float) -> list[Action]:
        status = response.status
        if self.state in (State.CALLING, State.PROCEEDING):
            if status < 200:
                self.state = State.PROCEEDING
                self.timers.pop("retransmit", None)
                return [ResponseReceived(response, self)]
            self.timers.pop("retransmit", None)
            self.timers.pop("timeout", None)
            if status < 300:
                self.state = State.ACCEPTED
                self._arm("accepted", now + 64 * self.config.t1)
                return [ResponseReceived(response, self)]
            self.state = State.COMPLETED
            self._linger("linger", self.config.timer_d, now)
            return [
                Send(self.ack_for(response).to_bytes(), self.peer),
                ResponseReceived(response, self),
            ]
        if self.state is State.ACCEPTED and 200 <= status < 300:
            return [ResponseReceived(response, self)]  # the TU ACKs each 2xx again
        if self.state is State.COMPLETED and status >= 300:
            return [Send(self.ack_for(response).to_bytes(), self.peer)]
        return []

    def _non_invite_response(self, response: Response, now: float) -> list[Action]:
        if self.state not in (State.TRYING, State.PROCEEDING):
            return []
        if response.status < 200:
            if self.state is State.TRYING and "retransmit" in self.timers:
                self.interval = self.config.t2
            self.state = State.PROCEEDING
            return [ResponseReceived(response, self)]
        self.state = State.COMPLETED
        self.timers.pop("retransmit", None)
        self.timers.pop("timeout", None)
        self._linger("linger", self.config.t4, now)
        return [ResponseReceived(response, self)]

    def ack_for(self, response: Response) -> Request:
        """The ACK for a non-2xx final response (RFC 3261 17.1.1.3): same branch, To tag."""
        from helin.sip.headers import Headers

        req = self.request
        headers = Headers.trusted(
            [
                ("Via", req.headers.get_all("Via")[0]),
                ("Max-Forwards", "70"),
                ("From", req.headers.get("From") or ""),
                ("To", response.headers.get("To") or ""),
                ("Call-ID", req.headers.get("Call-ID") or ""),
                ("CSeq", f"{req.cseq.seq} ACK"),
                *[("Route", v) for v in req.headers.get_all("Route")],
            ]
        )
        return Request("ACK", req.uri, headers)

    def on_timer(self, name: str, now: float) -> list[Action]:
        if name == "retransmit" and self.state in (State.CALLING, State.TRYING, State.PROCEEDING):
            if self.invite:
                self.interval *= 2
            else:
                self.interval = min(self.interval * 2, self.config.t2)
            self._arm("retransmit", now + self.interval)
            return [Send(self.data, self.peer)]
        if name == "timeout" and self.state in (State.CALLING, State.TRYING, State.PROCEEDING):
            self.state = State.TERMINATED
            return [TransactionTimedOut(self)]
        if name in ("linger", "accepted"):
            self.state = State.TERMINATED
        return []

    def cancel_request(self, reason: str | None = None) -> Request:
        """A CANCEL for this INVITE (RFC 3261 9.1): same Via branch, Route set, CSeq number."""
        from helin.sip.headers import Headers

        if not self.invite:
            raise LocalProtocolError("only an INVITE can be cancelled")
        req = self.request
        items = [
            ("Via", req.headers.get_all("Via")[0]),
            ("Max-Forwards", "70"),
            ("From", req.headers.get("From") or ""),
            ("To", req.headers.get("To") or ""),
            ("Call-ID", req.headers.get("Call-ID") or ""),
            ("CSeq", f"{req.cseq.seq} CANCEL"),
            *[("Route", v) for v in req.headers.get_all("Route")],
        ]
        if reason:
            items.append(("Reason", reason))
        return Request("CANCEL", req.uri, Headers.trusted(items))


class ServerTransaction(Transaction):
    """Receives one request and sends its responses.

    Once answered, a transaction lingers (up to 64·T1) only to absorb retransmissions. Given the
    request's bytes (``data``, ``source``), it then drops the parsed request (``release``) and
    parses it again if asked: a lingering transaction is then one object for the garbage
    collector to visit instead of three with a dozen references.
    """

    __slots__ = (
        "_data",
        "_request",
        "_source",
        "acked",
        "final_status",
        "interval",
        "invite",
        "last",
        "unacked_key",
    )

    def __init__(
        self,
        key: tuple[str, ...],
        request: Request,
        peer: Address,
        config: TimerConfig,
        armed: list[tuple[float, str]] | None = None,
        *,
        data: bytes | None = None,
        source: Address | None = None,
    ) -> None:
        super().__init__(key, peer, config, armed)
        self._request: Request | None = request
        self._data = data
        self._source = source
        self.invite = request.method == "INVITE"
        self.state = State.PROCEEDING if self.invite else State.TRYING
        self.last: bytes | None = None
        """The last response sent, for retransmissions."""
        self.final_status = 0
        self.interval = config.t1
        self.acked = False
        """The ACK for our 2xx arrived."""
        self.unacked_key: tuple[str, int] | None = None
        """(Call-ID, CSeq number) while the layer waits for the ACK of our 2xx."""

    @property
    def request(self) -> Request:
        request = self._request
        if request is None:
            assert self._data is not None and self._source is not None
            request = self._request = reparse(self._data, self._source)
        return request

    def release(self) -> None:
        """Drop the parsed request if it can be parsed again (see the class docstring)."""
        if self._data is not None:
            self._request = None

    def defer_trying(self, now: float) -> None:
        """Send 100 Trying later, unless the TU responds first (an INVITE just received)."""
        self._arm("trying", now + self.config.trying)

    def _trying(self) -> list[Action]:
        self.timers.pop("trying", None)
        self.last = make_response(self.request, 100).to_bytes()
        return [Send(self.last, self.peer)]

    def on_retransmission(self) -> list[Action]:
        """The same request arrived again: resend the last response (an INVITE that has none
        yet gets its 100 Trying now: the client is already retransmitting)."""
        if self.last is None and self.invite and self.state is State.PROCEEDING:
            return self._trying()
        if self.last is not None and self.state in (
            State.PROCEEDING,
            State.COMPLETED,
            State.ACCEPTED,
        ):
            return [Send(self.last, self.peer)]
        return []

    def on_ack(self, now: float) -> list[Action]:
        """An ACK matching this INVITE transaction (a non-2xx final response was sent)."""
        if self.state is State.COMPLETED:
            self.timers.pop("retransmit", None)
            self.timers.pop("timeout", None)
            self.state = State.CONFIRMED
            self._linger("linger", self.config.t4, now)
        return []

    def on_2xx_ack(self) -> None:
        """The ACK for our 2xx arrived (matched by dialog): stop retransmitting the 2xx."""
        self.acked = True
        self.timers.pop("retransmit", None)

    def respond(self, response: Response, now: float) -> list[Action]:
        if self.state in (State.COMPLETED, State.CONFIRMED, State.TERMINATED):
            raise LocalProtocolError(f"transaction already answered {self.final_status}")
        if self.state is State.ACCEPTED:
            if 200 <= response.status < 300:  # the TU resends its 2xx
                self.last = response.to_bytes()
                return [Send(self.last, self.peer)]
            raise LocalProtocolError("an accepted INVITE can only get 2xx again")
        self.timers.pop("trying", None)
        self.last = data = response.to_bytes()
        status = response.status
        if status < 200:
            if not self.invite:
                self.state = State.PROCEEDING
            return [Send(data, self.peer)]
        self.final_status = status
        if not self.invite:
            self.state = State.COMPLETED
            self._linger("linger", 64 * self.config.t1, now)
        elif status < 300:
            self.state = State.ACCEPTED
            self._arm("accepted", now + 64 * self.config.t1)
            if not self.reliable:
                self._arm("retransmit", now + self.interval)
        else:
            self.state = State.COMPLETED
            self._arm("timeout", now + 64 * self.config.t1)
            if not self.reliable:
                self._arm("retransmit", now + self.interval)
        return [Send(data, self.peer)]

    def on_timer(self, name: str, now: float) -> list[Action]:
        if name == "trying":
            return self._trying() if self.last is None else []
        if name == "retransmit" and self.last is not None:
            if self.state in (State.COMPLETED, State.ACCEPTED):
                self.interval = min(self.interval * 2, self.config.t2)
                self._arm("retransmit", now + self.interval)
                return [Send(self.last, self.peer)]
            return []
        if name == "timeout" and self.state is State.COMPLETED:
            self.state = State.TERMINATED
            return [TransactionTimedOut(self)]
        if name == "accepted" and self.state is State.ACCEPTED:
            self.state = State.TERMINATED
            self.timers.pop("retransmit", None)
            return [] if self.acked else [AckMissing(self)]
        if name == "linger":
            self.state = State.TERMINATED
        return []


def reparse(data: bytes, source: Address) -> Request:
    """A request that was parsed from ``data`` once, as the layer handed it up."""
    request = parse(data, stream=source.transport != "UDP")
    assert isinstance(request, Request)
    annotate_top_via(request, source)
    return request
