"""Composition root: the one module that reads the settings and wires the parts together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import uvicorn

from helin import compiled
from helin.acd.commands import Command, Output
from helin.acd.engine import AcdEngine, AcdUsageError
from helin.acd.events import DevicesReachable, Event, GroupConfigured
from helin.acd.model import AgentCall, AgentState, GroupStatus
from helin.api.context import ApiContext
from helin.api.throttle import ThrottlePolicy
from helin.clips.library import default_library, load_clip
from helin.config import Settings
from helin.http import create_app
from helin.media.clip import Clip, ClipLibrary
from helin.recordings.policy import DEFAULT_FORMAT
from helin.recordings.purge import PurgeJob
from helin.recordings.s3 import S3Settings, S3Storage
from helin.recordings.storage import FileStorage, Storage
from helin.recordings.uploader import Uploader, sweep
from helin.records import CallLayerRecord, Record, RecordingMade
from helin.reports.mailer import SmtpSettings
from helin.reports.runs import ReportRunner
from helin.sip.digest import Algorithm
from helin.sip.wire import Address
from helin.store import accounts, clips, db, runtime
from helin.store.calls import calllog
from helin.store.calls import records as store_records
from helin.store.calls.writer import RecordWriter
from helin.switch.authenticator import Device
from helin.switch.calls import CallLayer, recording_made
from helin.switch.calls.numbers import Directory
from helin.switch.mediaserver import MediaServer
from helin.switch.recording import describe, finalise_orphans
from helin.switch.registrar import Binding
from helin.switch.runtime import AcdRuntime
from helin.switch.service import SipService, device_of

log = logging.getLogger("helin")
T = TypeVar("T")


def setup(settings: Settings) -> None:
    """Create or migrate the database and, the first time, an operator account."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    db.migrate(url)
    created = accounts.ensure_first_operator(url)
    print(f"helin: database ready at {_describe(url)}")
    if created is not None:
        username, password = created
        print("helin: first operator account created; this password is shown only once:")
        print(f"    username: {username}")
        print(f"    password: {password}")


def serve(settings: Settings) -> None:
    """Run helin until interrupted (Ctrl-C or SIGTERM)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    node = Helin(settings)
    await node.start()
    # What start-up made (modules, the configuration, clips) lives as long as the process:
    # moved out of the collector's sight, so a collection never walks it again (the long
    # pauses that made a statistics view's p99 three to five times its median)
    gc.collect()
    gc.freeze()
    try:
        await stop.wait()
    finally:
        await node.stop()


class Helin:
    """One running helin: the ACD engine, the SIP side, the media server and the call layer,
    wired to the store. ``helin serve`` runs one; tests run one in-process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.effective_database_url
        self.url = url
        db.migrate(url)
        self.sessions = db.session_factory(db.make_engine(url))
        self.writer = RecordWriter(self.sessions)
        """Where every record goes: written off the loop in batches."""
        self.runtime = AcdRuntime(
            AcdEngine(), on_commands=self._carry_out, on_records=self._write_records
        )
        self.recordings = settings.data_dir / "spool" / "recordings"
        """The spool: where the switch finishes recordings before they are stored."""
        self.storages = storages_of(settings)
        """Every storage recordings may be in, by name; new ones go to the configured one."""
        self.uploader = Uploader(
            self.sessions,
            self.storages[settings.recordings_storage],
            fmt=settings.recordings_format or DEFAULT_FORMAT,
            settle=self.writer.flush,
        )
        self.purge = PurgeJob(
            self.sessions, self.storages, interval=settings.recordings_purge_interval
        )
        self.sip: SipService | None = None
        self.media: MediaServer | None = None
        self.calls: CallLayer | None = None
        self.http: uvicorn.Server | None = None
        self._http_task: asyncio.Task[None] | None = None
        self.reports: ReportRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def sip_port(self) -> int:
        assert self.sip is not None
        return self.sip.stack.port

    def _write_records(self, records: Sequence[Record | Output]) -> None:
        """The one route by which call rows, offers and agent events reach the store."""
        self.writer.submit(records)

    def _write_record(self, record: CallLayerRecord) -> None:
        self._write_records([record])
        if isinstance(record, RecordingMade):
            self.uploader.wake()

    def _carry_out(self, commands: list[Command]) -> None:
        if self.calls is not None:
            self.calls.carry_out(commands)

    async def start(self) -> None:
        settings = self.settings
        now = time.time()
        with self.sessions.begin() as session:
            failed = calllog.fail_open_calls(session, now)
        if failed:
            log.warning("closed %d calls left open by an unclean stop as failed", failed)
        self._adopt_orphan_recordings()
        self.uploader.start()
        self.purge.start()
        with self.sessions() as session:
            events = runtime.engine.load_acd_events(session)
            realms = runtime.phones.load_realms(session)
            trunk_peers = runtime.phones.load_trunk_peers(session)
            saved = runtime.phones.load_registrations(session)
        devices = self.load_devices()
        book = self.load_directory()
        self.runtime.restore(events)

        def save_bindings(added: list[Binding], removed: list[Binding]) -> None:
            with self.sessions.begin() as session:
                runtime.phones.save_registrations(session, map(_row, added), map(_row, removed))

        sip = self.sip = SipService(
            host=settings.sip_host,
            port=settings.sip_port,
            secret=_secret(settings.data_dir),
            devices=devices,
            realms=realms,
            trunk_peers=trunk_peers,
            digest=tuple(Algorithm(name) for name in settings.sip_digest.split(",")),
            on_bindings=save_bindings,
            on_reachable=lambda user_id, count: self.runtime.feed(
                DevicesReachable(agent_id=user_id, count=count)
            ),
        )
        media = self.media = MediaServer(
            host=settings.sip_host,
            ports=settings.rtp_ports,
            clips=default_library(settings.language),
            language=settings.language,
        )
        self.load_clips(media.clips)
        self.calls = CallLayer(
            ua=sip.ua,
            registrar=sip.registrar,
            media=media,
            directory=book,
            feed=self.runtime.feed,
            record=self._write_record,
            recordings=self.recordings,
        )
        sip.ua.handler = self.calls
        users = {d.id: d.user_id for d in devices}
        sip.registrar.restore(
            [_binding(row, users[row.device_id]) for row in saved if row.device_id in users],
            time.time(),
        )
        await sip.start()
        media.start()
        await self._start_http()
        groups = sum(1 for e in events if isinstance(e, GroupConfigured))
        log.info(
            "helin %s (%s): database %s, %d call-center groups, %d phones, %d trunk peers",
            _version(),
            compiled.BUILD,
            _describe(self.url),
            groups,
            len(devices),
            len(trunk_peers),
        )
        log.info(
            "SIP on %s:%d (UDP, TCP), RTP on %d-%d, HTTP on http://%s:%d/",
            settings.sip_host,
            sip.stack.port,
            *settings.rtp_ports,
            settings.http_host,
            self.http_port,
        )

    async def _start_http(self) -> None:
        """The API (and later the web app) on the same loop, through uvicorn."""
        live = EngineLive(self, asyncio.get_running_loop())
        settings = self.settings
        signin = ThrottlePolicy(
            window=settings.signin_window,
            block_after=settings.signin_block_after,
            block_seconds=settings.signin_block_seconds,
            max_delay=settings.signin_max_delay,
        )
        context = ApiContext(
            sessions=self.sessions,
            live=live,
            data_dir=settings.data_dir,
            signin=signin,
            signin_trusted_days=settings.signin_trusted_days,
            storages=self.storages,
            wake_reports=self._wake_reports_soon,
        )
        api = create_app(context)
        config = uvicorn.Config(
            api,
            host=settings.http_host,
            port=settings.http_port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        server = self.http = EmbeddedServer(config)
        self._loop = asyncio.get_running_loop()
        self._http_task = self._loop.create_task(server.serve())
        while not server.started:
            if self._http_task.done():
                self._http_task.result()  # raises why it could not start
                raise OSError(f"HTTP port {self.settings.http_port} could not be served")
            await asyncio.sleep(0.01)
        self._start_reports(context)

    def _start_reports(self, context: ApiContext) -> None:
        settings = self.settings
        self.reports = ReportRunner(
            self.sessions,
            context,
            smtp_of(settings),
            public_url=settings.public_url or f"http://{settings.http_host}:{self.http_port}",
            attachment_limit=settings.reports_attachment_limit,
            interval=settings.reports_interval,
        )
        self.reports.start()

    @property
    def http_port(self) -> int:
        """The HTTP port really bound (the setting may be 0)."""
        server = self.http
        if server is None or not server.servers:
            return self.settings.http_port
        port: int = server.servers[0].sockets[0].getsockname()[1]
        return port

    def load_devices(self) -> list[Device]:
        """Every phone of an enabled user, with its digest HA1s, from the store."""
        with self.sessions() as session:
            return [
                device_of(
                    id=d.id,
                    user_id=d.user_id,
                    username=d.sip_username,
                    realm=d.realm,
                    ha1_md5=d.ha1_md5,
                    ha1_sha256=d.ha1_sha256,
                    kind=d.kind,
                )
                for d in runtime.phones.load_devices(session)
            ]

    def load_clips(self, library: ClipLibrary, tenant_id: int | None = None) -> None:
        """Put uploaded clips into the media server's library as ``<tenant id>/<name>`` and
        ``<tenant id>/<clip id>`` (groups' settings name a tenant's upload by its id), all
        tenants' or one tenant's after dropping what it had."""
        with self.sessions() as session:
            rows = clips.load_clips(session, tenant_id)
        if tenant_id is not None:
            library.remove_prefix(f"{tenant_id}/")
        for row in rows:
            try:
                clip = load_clip(self.settings.data_dir / row.path, f"{row.tenant_id}/{row.name}")
            except (OSError, ValueError) as exc:
                log.error("clip %r of tenant %s cannot be loaded: %s", row.name, row.tenant_id, exc)
                continue
            library.add(clip)
            library.add(Clip(f"{row.tenant_id}/{row.id}", clip.ulaw))

    def load_directory(self) -> Directory:
        """Numbers, groups and users as the call layer routes them, from the store."""
        with self.sessions() as session:
            return Directory(
                runtime.routing.load_groups(session),
                runtime.routing.load_users(session),
                outbound_uri=runtime.routing.load_outbound_uri(session),
            )

    def _adopt_orphan_recordings(self) -> None:
        """Finish recordings a crash left as spools, and record them with their calls; also
        WAVs finished whose row a crash lost, and tidy what was already stored."""
        if not self.recordings.exists():
            return
        self._adopt([r.path for r in finalise_orphans(self.recordings)])
        self._adopt(sweep(self.sessions, self.recordings))

    def _adopt(self, wavs: list[Path]) -> None:
        for path in wavs:
            tenant = path.parent.parent.name
            if not tenant.isdigit() or not path.is_file():
                continue
            try:
                recording = describe(path)
            except (OSError, ValueError):
                log.exception("recording %s cannot be read; left in the spool", path)
                continue
            made = recording_made(path.stem, tenant, recording, time.time())
            with self.sessions.begin() as session:  # before serving: at once
                store_records.write(session, [made])

    def _wake_reports_soon(self) -> None:
        """From any thread (the API's routes run in worker threads)."""
        if self.reports is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self.reports.wake)

    async def stop(self) -> None:
        if self.reports is not None:
            await self.reports.close()
        if self.http is not None and self._http_task is not None:
            self.http.should_exit = True
            await asyncio.wait({self._http_task}, timeout=5)
        if self.calls is not None:
            await self.calls.close()
        if self.media is not None:
            await self.media.close()
        if self.sip is not None:
            await self.sip.stop()
        self.runtime.close()
        self.writer.close()
        self.uploader.close()
        self.purge.close()
        log.info("helin stopped")


def smtp_of(settings: Settings) -> SmtpSettings | None:
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=password,
        sender=settings.smtp_sender,
    )


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside helin: the signals are helin's (``_serve`` stops everything)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EngineLive:
    """The API's view of the running switch (``helin.api.context.Live``).

    The engine, the registrar and the call layer belong to helin's event loop; the API's
    plain (non-async) routes run in worker threads, so every call is carried over to the
    loop and waited for."""

    def __init__(self, node: Helin, loop: asyncio.AbstractEventLoop) -> None:
        self.node = node
        self.loop = loop

    def _on_loop(self, function: Callable[[], T]) -> T:
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            return function()

        async def call() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    def feed(self, event: Event) -> None:
        self._on_loop(lambda: self.node.runtime.feed(event))
        self.node.writer.flush()  # the API reads its own writes (log-ins, DND)

    def group_status(self, group_id: str) -> GroupStatus | None:
        def status() -> GroupStatus | None:
            try:
                return self.node.runtime.engine.group_status(group_id, time.time())
            except AcdUsageError:
                return None

        return self._on_loop(status)

    def agent_state(self, agent_id: str) -> AgentState:
        return self._on_loop(lambda: self.node.runtime.engine.agent_state(agent_id))

    def last_call(self, agent_id: str) -> AgentCall | None:
        return self._on_loop(lambda: self.node.runtime.engine.last_call(agent_id))

    def log_version(self, group_id: int) -> int:
        return self.node.writer.log_versions.get(group_id, 0)

    def device_status(self, device_id: str) -> str:
        sip = self.node.sip
        if sip is None:
            return "unregistered"
        return self._on_loop(lambda: sip.registrar.status(device_id).value)

    def directory_changed(self) -> None:
        directory = self.node.load_directory()
        calls = self.node.calls
        if calls is not None:

            def change() -> None:
                calls.directory = directory

            self._on_loop(change)

    def clips_changed(self, tenant_id: int) -> None:
        media = self.node.media
        if media is not None:
            self._on_loop(lambda: self.node.load_clips(media.clips, tenant_id))

    def devices_changed(self) -> None:
        sip = self.node.sip
        if sip is None:
            return
        phones = {d.username: d for d in self.node.load_devices()}
        with self.node.sessions() as session:
            realms = runtime.phones.load_realms(session)

        def change() -> None:
            sip.devices.clear()
            sip.devices.update(phones)
            sip.realms.clear()
            sip.realms.update(realms)

        self._on_loop(change)


def storages_of(settings: Settings) -> dict[str, Storage]:
    """The file storage always (rows made before a switch to S3 stay readable), and the
    object store when it is configured."""
    found: dict[str, Storage] = {
        "files": FileStorage(settings.recordings_dir or settings.data_dir / "recordings")
    }
    if settings.recordings_storage == "s3" or settings.s3_endpoint:
        secret = settings.s3_secret_key
        found["s3"] = S3Storage(
            S3Settings(
                endpoint=settings.s3_endpoint,
                bucket=settings.s3_bucket,
                prefix=settings.s3_prefix,
                access_key=settings.s3_access_key,
                secret_key=secret.get_secret_value() if secret is not None else None,
                region=settings.s3_region,
            )
        )
    return found


def _secret(data_dir: Path) -> bytes:
    """The digest nonce key, made once per data directory (nodes sharing one share it)."""
    path = data_dir / "sip-secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def _row(binding: Binding) -> runtime.phones.RegistrationRow:
    return runtime.phones.RegistrationRow(
        device_id=binding.device_id,
        contact=binding.contact,
        host=binding.source.host,
        port=binding.source.port,
        transport=binding.source.transport,
        expires_at=binding.expires_at,
        call_id=binding.call_id,
        cseq=binding.cseq,
        user_agent=binding.user_agent,
    )


def _binding(row: runtime.phones.RegistrationRow, user_id: str) -> Binding:
    return Binding(
        device_id=row.device_id,
        user_id=user_id,
        contact=row.contact,
        source=Address(row.host, row.port, row.transport),
        expires_at=row.expires_at,
        call_id=row.call_id,
        cseq=row.cseq,
        user_agent=row.user_agent,
    )


def _describe(url: str) -> str:
    """The database URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _version() -> str:
    from helin import __version__

    return __version__
