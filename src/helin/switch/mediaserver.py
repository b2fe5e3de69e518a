"""The media server: RTP sockets, the shared 20 ms ticker, relays and recordings on asyncio.

The SIP call layer allocates a ``MediaSession`` per call leg (``allocate``, with the peer's
offer or to make helin's own), carries out the ACD's queue-audio commands on the caller's
(``MediaSession.apply``), bridges caller and agent with an optional recording (``bridge``,
``end_bridge``) and releases the legs; docs/media.md shows the calls in order.

Everything that decides is in ``helin.media`` (pure); this module only reads sockets, keeps
time and sends. Every RTP socket is registered in one ``select.epoll`` set, and the loop
watches that set's descriptor with ``loop.add_reader``: one callback polls it and reads one
datagram from each ready socket per round with non-blocking reads into one shared buffer.
That schedules no callback per socket and makes no failing read per wake-up, and forwards
several times more packets per CPU-second than a ``DatagramProtocol`` (without epoll, each
socket gets its own ``add_reader`` drain). Once a leg has latched, its socket is connected
to the latched address: the kernel drops other sources, reads need no source address
(``recv_into``) and sends to the leg need none either (``send``), which saves the address
formatting, parsing and route lookup of every packet; a new SDP address disconnects it.
One ``Pacer``-driven timer sends every queue-audio stream's next frame, flushes recording
spools about once a second and sends RTCP receiver reports about every five seconds per leg.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ipaddress
import logging
import random
import select
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helin.acd.commands import AnnouncePosition, AnnounceWait, PlayClip, StartMusic, StopMusic
from helin.media import announce, rtcp, sdp
from helin.media.clip import Clip, ClipLibrary
from helin.media.negotiation import Negotiator
from helin.media.player import Pacer, QueueAudio
from helin.media.ports import PortPool
from helin.media.recorder import AGENT, CALLER
from helin.media.relay import RtpLeg
from helin.media.rtp import CLOCK_RATE, RtpSender
from helin.switch.recording import Recording, Spool, finalise

log = logging.getLogger(__name__)

QueueCommand = PlayClip | AnnouncePosition | AnnounceWait | StartMusic | StopMusic
MAX_DATAGRAM = 2048
BATCH = 128
"""Most datagrams read from one socket per callback (fairness between sockets)."""
ROUNDS = 64
"""Most epoll rounds per loop callback, so timers and other sockets get their turn."""
MAX_EVENTS = 1024
FLUSH_TICKS = 50
"""Ticks between spool flushes (one second)."""
RTCP_TICKS = 250
"""Ticks over which every leg sends one RTCP receiver report (five seconds)."""
SOCKET_BUFFER = 1 << 20


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not a libc platform
        return None


_LIBC = _libc()
_UNSPEC = ctypes.create_string_buffer(32)
"""A ``sockaddr`` of family AF_UNSPEC (all zeros): ``connect`` to it disconnects UDP."""


def _disconnect(sock: socket.socket) -> bool:
    """Dissolve a UDP socket's connection (Python's ``connect`` cannot pass AF_UNSPEC)."""
    if _LIBC is None:
        return False
    return bool(_LIBC.connect(sock.fileno(), _UNSPEC, len(_UNSPEC)) == 0)


class MediaSession:
    """One call leg's media: its RTP/RTCP sockets, negotiated stream and queue audio."""

    def __init__(
        self, server: MediaServer, call_id: str, port: int, sockets: tuple[socket.socket, ...]
    ) -> None:
        self.server = server
        self.call_id = call_id
        """The call this leg belongs to (for logs and callbacks)."""
        self.port = port
        """Local RTP port (RTCP is ``port + 1``)."""
        self.sock, self.rtcp_sock = sockets
        self.language = server.language
        """Language of built-in clips and announcements."""
        self.core = RtpLeg(
            RtpSender(
                ssrc=random.getrandbits(32),
                payload_type=0,
                first_seq=random.getrandbits(16),
                first_ts=random.getrandbits(32),
            )
        )
        self.audio = QueueAudio()
        self.peer: MediaSession | None = None
        """The session this one is bridged with."""
        self.bridge: Bridge | None = None
        self.local_sdp = b""
        """The SDP to send: the answer to the peer's offer, or helin's offer."""
        self.params: sdp.MediaParams | None = None
        """The negotiated stream (None until an offer/answer completed)."""
        self.remote_reports: list[rtcp.Report] = []
        """The latest RTCP reports the peer sent."""
        self.on_dtmf: Callable[[str], None] | None = None
        """Called with each digit the peer sends (RFC 4733)."""
        self.on_clip_finished: Callable[[str], None] | None = None
        """Called when a clip queued with ``report=True`` has played to its end."""
        self.negotiator = Negotiator(server.advertise, port, random.getrandbits(31))
        self.released = False
        self.on_hold = False
        """Bridged, but the peer put the call on hold: this leg hears the hold music."""
        self._connected: tuple[Any, ...] | None = None
        """The address the RTP socket is connected to (the latched one), if it is."""

    @property
    def local_address(self) -> tuple[str, int]:
        return self.server.advertise, self.port

    def answer_offer(self, offer: bytes) -> bytes:
        """Answer the peer's offer (initial INVITE or re-INVITE: hold, resume, new address);
        raises ``sdp.NoCommonCodec`` (488) or ``sdp.SdpError`` (400)."""
        self.local_sdp, params = self.negotiator.answer(offer)
        self._apply(params)
        return self.local_sdp

    def make_offer(self) -> bytes:
        """helin's offer for an outgoing INVITE; then ``accept_answer`` with the reply."""
        self.local_sdp = self.negotiator.offer()
        return self.local_sdp

    def accept_answer(self, answer: bytes) -> None:
        """The peer's answer to ``make_offer``; raises ``sdp.SdpError``."""
        self._apply(self.negotiator.accept(answer))

    def _apply(self, params: sdp.MediaParams) -> None:
        self.params = params
        self.core.configure(params)
        self.server._update_playing(self)
        self.server._check_connection(self)

    def play_clip(self, name: str, *, report: bool = False) -> None:
        """Queue a clip (built-in name or uploaded id); a missing clip finishes at once."""
        clip = self.server.clips.get(name, self.language)
        if clip is None:
            log.warning("call %s: no clip %r", self.call_id, name)
        self._play([clip] if clip else [], name, report)

    def announce_position(self, position: int) -> None:
        self._play_names(announce.position(position, self.language), "position")

    def announce_wait(self, seconds: int) -> None:
        self._play_names(announce.wait(seconds, self.language), "wait")

    def _play_names(self, names: list[str], label: str) -> None:
        clips = [self.server.clips.get(name, self.language) for name in names]
        self._play([c for c in clips if c is not None], label, False)

    def _play(self, clips: list[Clip], label: str, report: bool) -> None:
        codec = self.core.codec
        frames = tuple(frame for clip in clips for frame in clip.frames(codec))
        self.audio.play(frames, label, report=report)
        self.server._update_playing(self)

    def start_music(self) -> None:
        music = self.server.music
        if music is not None:
            self.audio.start_music(music.frames(self.core.codec))
            self.server._update_playing(self)

    def stop_music(self) -> None:
        self.audio.stop_music()

    def apply(self, command: QueueCommand) -> None:
        """Carry out one of the ACD's queue-audio commands for this (caller) leg."""
        if isinstance(command, PlayClip):
            self.play_clip(command.clip, report=command.report)
        elif isinstance(command, AnnouncePosition):
            self.announce_position(command.position)
        elif isinstance(command, AnnounceWait):
            self.announce_wait(command.seconds)
        elif isinstance(command, StartMusic):
            self.start_music()
        else:
            self.stop_music()


class Bridge:
    """Two legs relayed to each other, optionally recorded (caller left, agent right)."""

    def __init__(self, caller: MediaSession, agent: MediaSession, spool: Spool | None) -> None:
        self.caller = caller
        self.agent = agent
        self.spool = spool
        self.recording: asyncio.Future[Recording] | None = None
        """Set when the bridge ends with a recording: resolves to the finished WAV."""


class MediaServer:
    """RTP for every call leg of one switch process."""

    def __init__(
        self,
        *,
        host: str,
        ports: tuple[int, int],
        clips: ClipLibrary | None = None,
        music: str = "hold",
        language: str = "en",
        advertise: str | None = None,
        quarantine: float = 30.0,
    ) -> None:
        self.host = host
        """Address the RTP sockets bind to."""
        self.advertise = advertise or host
        """Address written into SDP (a public address when behind 1:1 NAT)."""
        self.family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        self.pool = PortPool(ports[0], ports[1], quarantine=quarantine)
        self.clips = clips or ClipLibrary(language)
        self.music: Clip | None = self.clips.get(music)
        """The hold music (a clip named ``music`` in the library)."""
        self.language = language
        self.sessions: dict[int, MediaSession] = {}
        """Live sessions by local RTP port."""
        self._playing: dict[int, MediaSession] = {}
        self._rtcp_round: deque[MediaSession] = deque()
        self._spools: set[Spool] = set()
        self._tasks: set[asyncio.Task[Recording]] = set()
        self.send_errors = 0
        """Relayed packets the kernel refused (full socket buffer) or with nowhere to go."""
        self._buffer = bytearray(MAX_DATAGRAM)
        self._view = memoryview(self._buffer)
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        """One epoll set of every RTP socket, itself watched by the loop (Linux)."""
        self._routes: dict[int, list[Any]] = {}
        """RTP socket fd → [read, accept, send, session]: what the hot path needs, bound
        once. A latched leg's socket is connected: read is ``recv_into`` and accept the
        core's ``accept``; before, read is ``recvfrom_into`` and accept None (the source is
        checked by ``core.receive``). ``send`` relays to the bridged peer (None: not bridged)."""
        self._dtmf_ready: list[MediaSession] = []
        """Sessions whose core received digits not yet reported."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pacer: Pacer | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Start the ticker on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._pacer = Pacer(time.monotonic())
        if self._epoll is not None:
            self._loop.add_reader(self._epoll.fileno(), self._poll)
        self._arm()

    async def close(self) -> None:
        """Release every session, finish recordings, stop the ticker."""
        for session in list(self.sessions.values()):
            self.release(session)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._epoll is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._epoll.fileno())
            self._epoll.close()
            self._epoll = None

    def allocate(
        self, call_id: str, *, offer: bytes | None = None, language: str | None = None
    ) -> MediaSession:
        """A new leg on a free port pair. With ``offer`` its ``local_sdp`` is the answer
        (raises ``sdp.NoCommonCodec`` / ``sdp.SdpError``); without, it is helin's offer."""
        loop = self._loop or asyncio.get_running_loop()
        for _ in range(self.pool.capacity):
            port = self.pool.acquire(time.monotonic())
            try:
                sockets = self._bind(port)
            except OSError:
                self.pool.release(port, time.monotonic())
                continue
            break
        else:
            raise OSError("no RTP port of the range could be bound")
        session = MediaSession(self, call_id, port, sockets)
        if language:
            session.language = language
        try:
            if offer is not None:
                session.answer_offer(offer)
            else:
                session.make_offer()
        except sdp.SdpError:
            self._close_sockets(session)
            self.pool.release(port, time.monotonic())
            raise
        self.sessions[port] = session
        self._rtcp_round.append(session)
        ready = self._dtmf_ready
        session.core.notify = lambda _core: ready.append(session)
        if self._epoll is not None:
            self._routes[session.sock.fileno()] = [
                session.sock.recvfrom_into,
                None,
                None,
                session,
            ]
            self._epoll.register(session.sock.fileno(), select.EPOLLIN)
        else:
            loop.add_reader(session.sock.fileno(), self._drain, session)
        loop.add_reader(session.rtcp_sock.fileno(), self._read_rtcp, session)
        return session

    def _bind(self, port: int) -> tuple[socket.socket, socket.socket]:
        made: list[socket.socket] = []
        try:
            for number in (port, port + 1):
                sock = socket.socket(self.family, socket.SOCK_DGRAM)
                made.append(sock)
                sock.setblocking(False)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
                sock.bind((self.host, number))
        except OSError:
            for sock in made:
                sock.close()
            raise
        return made[0], made[1]

    def release(self, session: MediaSession) -> None:
        """The leg ended: stop its media, end its bridge, free its ports (after a rest)."""
        if session.released:
            return
        if session.bridge is not None:
            self._end_bridge(session.bridge)
        session.released = True
        self._playing.pop(session.port, None)
        self.sessions.pop(session.port, None)
        with contextlib.suppress(ValueError):
            self._rtcp_round.remove(session)
        self._close_sockets(session)
        self.pool.release(session.port, time.monotonic())

    def _close_sockets(self, session: MediaSession) -> None:
        loop = self._loop
        fd = session.sock.fileno()
        if self._routes.pop(fd, None) is not None and self._epoll is not None:
            self._epoll.unregister(fd)
        for sock in (session.sock, session.rtcp_sock):
            if loop is not None and sock.fileno() >= 0:
                loop.remove_reader(sock.fileno())
            sock.close()

    def bridge(
        self, caller: MediaSession, agent: MediaSession, *, record_to: Path | None = None
    ) -> Bridge:
        """Stop both legs' queue audio and relay them to each other; record to a WAV."""
        for session in (caller, agent):
            if session.bridge is not None:
                self._end_bridge(session.bridge)
            session.audio.clear()
            self._playing.pop(session.port, None)
        spool = Spool(record_to, time.monotonic()) if record_to is not None else None
        bridge = Bridge(caller, agent, spool)
        caller.peer, agent.peer = agent, caller
        self._route(caller, agent)
        self._route(agent, caller)
        caller.bridge = agent.bridge = bridge
        caller.core.bridge(agent.core)
        agent.core.bridge(caller.core)
        if spool is not None:
            self._spools.add(spool)
            caller.core.tap, caller.core.channel = spool, CALLER
            agent.core.tap, agent.core.channel = spool, AGENT
        return bridge

    async def end_bridge(self, bridge: Bridge) -> Recording | None:
        """Stop relaying; with a recording, finish the WAV (in a thread) and describe it."""
        self._end_bridge(bridge)
        return await bridge.recording if bridge.recording is not None else None

    def _end_bridge(self, bridge: Bridge) -> None:
        for session in (bridge.caller, bridge.agent):
            if session.bridge is bridge:
                session.bridge, session.peer, session.on_hold = None, None, False
                self._route(session, None)
                session.core.bridge(None)
                session.core.tap = None
                session.core.sender.pause()
                self._update_playing(session)
        spool = bridge.spool
        if spool is not None and bridge.recording is None:
            spool.close()
            self._spools.discard(spool)
            loop = self._loop or asyncio.get_running_loop()
            task = loop.create_task(asyncio.to_thread(finalise, spool.path))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            bridge.recording = task

    def hold(self, session: MediaSession, on: bool) -> None:
        """``session``'s bridged peer put the call on hold (``on``) or took it back: meanwhile
        ``session`` hears the hold music instead of the peer (whose packets are not relayed);
        the recording goes on."""
        if session.bridge is None or session.on_hold == on:
            return
        session.on_hold = on
        peer = session.peer
        if on:
            if peer is not None:
                self._route(peer, None)
            session.start_music()
        else:
            session.audio.clear()
            self._playing.pop(session.port, None)
            session.core.sender.pause()
            if peer is not None:
                self._route(peer, session)

    def _update_playing(self, session: MediaSession) -> None:
        if (
            session.audio.active
            and (session.bridge is None or session.on_hold)
            and not session.released
        ):
            self._playing[session.port] = session
        elif not session.audio.reports:
            self._playing.pop(session.port, None)

    def _route(self, session: MediaSession, peer: MediaSession | None) -> None:
        """Relay what ``session`` receives to ``peer`` (None: to nobody)."""
        route = self._routes.get(session.sock.fileno())
        if route is not None:
            route[2] = None if peer is None else self._sender(peer)

    @staticmethod
    def _sender(peer: MediaSession) -> Callable[[memoryview], object]:
        """How to send a packet to ``peer``'s device: plain ``send`` on its connected socket,
        else ``sendto`` its current remote address."""
        if peer._connected is not None:
            return peer.sock.send
        sendto, core = peer.sock.sendto, peer.core
        return lambda packet: sendto(packet, core.remote)  # type: ignore[arg-type]

    def _connect(self, session: MediaSession, route: list[Any], now: float) -> None:
        """``session`` latched: connect its socket to the latched address, handle what was
        queued before the kernel began filtering, and switch its route to the fast reads."""
        core, sock = session.core, session.sock
        remote = core.remote
        try:
            sock.connect(remote)  # type: ignore[arg-type]
        except (OSError, TypeError):
            log.debug("call %s: cannot connect RTP socket to %s", session.call_id, remote)
            return
        session._connected = remote
        self._receive_queued(session, route, now)
        route[0], route[1] = sock.recv_into, core.accept
        peer = session.peer
        if peer is not None:
            self._route(peer, session)

    def _receive_queued(self, session: MediaSession, route: list[Any], now: float) -> None:
        """Datagrams queued before the socket was connected, sources checked one by one."""
        recv, receive = session.sock.recvfrom_into, session.core.receive
        buffer, view = self._buffer, self._view
        for _ in range(BATCH):
            try:
                n, source = recv(buffer)
            except OSError:
                return
            out = receive(buffer, view, n, source, now)
            send = route[2]
            if out is not None and send is not None:
                try:
                    send(out)
                except (OSError, TypeError):
                    self.send_errors += 1

    def _check_connection(self, session: MediaSession) -> None:
        """After an offer/answer: a leg no longer latched to its connected address (a new
        SDP address) has its socket disconnected, so it can latch again."""
        connected = session._connected
        if connected is None or (session.core.latched and session.core.remote == connected):
            return
        route = self._routes.get(session.sock.fileno())
        if not _disconnect(session.sock):
            log.warning("call %s: cannot disconnect RTP socket", session.call_id)
            return
        session._connected = None
        if route is not None:
            route[0], route[1] = session.sock.recvfrom_into, None
        peer = session.peer
        if peer is not None:
            self._route(peer, session)

    def _poll(self) -> None:
        """Every RTP socket that is readable gives one datagram per round; a socket with
        more is reported again by the next round (level-triggered), so no read ever fails
        with EAGAIN and no per-socket callback is scheduled on the loop."""
        assert self._epoll is not None
        poll, routes = self._epoll.poll, self._routes
        buffer, view = self._buffer, self._view
        monotonic = time.monotonic
        errors = 0
        for _ in range(ROUNDS):
            events = poll(0, MAX_EVENTS)
            if not events:
                break
            now = monotonic()
            arrival = int(now * CLOCK_RATE)
            for fd, _ in events:
                try:
                    read, accept, send, session = routes[fd]
                    got = read(buffer)
                except (KeyError, OSError):  # a socket closed this round; ICMP error
                    continue
                if accept is None:  # not latched yet: recvfrom_into's (n, source)
                    self._receive_unlatched(session, got, now)
                    continue
                out = accept(buffer, view, got, now, arrival)
                if out is not None and send is not None:
                    try:
                        send(out)
                    except (OSError, TypeError):  # full buffer, or no address yet
                        errors += 1
            if self._dtmf_ready:
                self._report_ready()
        self.send_errors += errors

    def _receive_unlatched(self, session: MediaSession, got: tuple[int, Any], now: float) -> None:
        route = self._routes.get(session.sock.fileno())
        if route is None:
            return
        n, source = got
        out = session.core.receive(self._buffer, self._view, n, source, now)
        send = route[2]
        if out is not None and send is not None:
            try:
                send(out)
            except (OSError, TypeError):
                self.send_errors += 1
        if session.core.latched and session._connected is None:
            self._connect(session, route, now)

    def _report_ready(self) -> None:
        ready = self._dtmf_ready[:]
        self._dtmf_ready.clear()
        for session in ready:
            if session.core.digits and not session.released:
                self._report_digits(session)

    def _report_digits(self, session: MediaSession) -> None:
        digits, session.core.digits = session.core.digits, []
        if session.on_dtmf is not None:
            for digit in digits:
                session.on_dtmf(digit.digit)

    def _drain(self, session: MediaSession) -> None:
        sock, receive = session.sock, session.core.receive
        buffer, view = self._buffer, self._view
        recv = sock.recvfrom_into
        monotonic = time.monotonic
        for _ in range(BATCH):
            try:
                n, source = recv(buffer)
            except OSError:  # BlockingIOError: drained
                break
            out = receive(buffer, view, n, source, monotonic())
            if out is not None:
                peer = session.peer
                if peer is not None:
                    try:
                        peer.sock.sendto(out, peer.core.remote)  # type: ignore[arg-type]
                    except (OSError, TypeError):  # full buffer, or no address yet
                        self.send_errors += 1
        if self._dtmf_ready:
            self._report_ready()

    def _read_rtcp(self, session: MediaSession) -> None:
        for _ in range(BATCH):
            try:
                data, _ = session.rtcp_sock.recvfrom(MAX_DATAGRAM)
            except OSError:
                return
            try:
                reports = rtcp.parse(data)
            except rtcp.RtcpError:
                continue
            for report in reports:
                rtcp.note_sender_report(session.core.stats, report, time.monotonic())
            session.remote_reports = reports

    def _arm(self) -> None:
        assert self._loop is not None and self._pacer is not None
        delay = max(0.0, self._pacer.next_deadline() - time.monotonic())
        self._timer = self._loop.call_later(delay, self._tick)

    def _tick(self) -> None:
        assert self._pacer is not None
        now = time.monotonic()
        send, skip = self._pacer.due(now)
        if send:
            self._play_streams(send, skip, now)
            first = self._pacer.ticks - send
            if any((first + i) % FLUSH_TICKS == 0 for i in range(send)):
                for spool in self._spools:
                    spool.flush()
            self._send_reports(now)
        self._arm()

    def _play_streams(self, send: int, skip: int, now: float) -> None:
        finished: list[MediaSession] = []
        for session in list(self._playing.values()):
            audio, core = session.audio, session.core
            if skip:
                audio.skip(skip)
            for _ in range(send):
                frame = audio.next_frame()
                if frame is None:
                    core.sender.pause()
                    break
                remote = core.remote
                if core.send_enabled and remote is not None:
                    try:
                        session.sock.sendto(core.sender.frame(frame, now), remote)
                    except OSError:
                        self.send_errors += 1
            if audio.reports or not audio.active:
                finished.append(session)
        for session in finished:
            reports, session.audio.reports = session.audio.reports, []
            self._update_playing(session)
            if session.on_clip_finished is not None:
                for label in reports:
                    session.on_clip_finished(label)

    def _send_reports(self, now: float) -> None:
        count = -(-len(self._rtcp_round) // RTCP_TICKS)
        for _ in range(count):
            session = self._rtcp_round.popleft()
            self._rtcp_round.append(session)
            core = session.core
            if core.stats.ssrc < 0 or core.remote is None:
                continue
            packet = rtcp.build_rr(core.sender.ssrc, [core.stats.report_block(now)], "helin")
            with contextlib.suppress(OSError):
                session.rtcp_sock.sendto(packet, (core.remote[0], core.remote[1] + 1))
