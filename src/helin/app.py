"""Composition root: the one module that reads the settings and wires the parts together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import time
from pathlib import Path

from helin.acd.commands import Command, Record
from helin.acd.engine import AcdEngine
from helin.acd.events import DevicesReachable, GroupConfigured
from helin.config import Settings
from helin.sip.auth import Algorithm
from helin.sip.wire import Address
from helin.store import accounts, db, repos, sipdata
from helin.switch.registrar import Binding
from helin.switch.runtime import AcdRuntime
from helin.switch.service import SipService, device_of

log = logging.getLogger("helin")


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
    url = settings.effective_database_url
    db.migrate(url)
    sessions = db.session_factory(db.make_engine(url))

    def write(records: list[Record]) -> None:
        with sessions.begin() as session:
            repos.write_records(session, records)

    def carry_out(commands: list[Command]) -> None:
        for command in commands:
            log.info("no switch yet to carry out %s", command)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runtime = AcdRuntime(AcdEngine(), on_commands=carry_out, on_records=write)
    with sessions() as session:
        events = repos.load_acd_events(session)
        devices = [
            device_of(
                id=d.id,
                user_id=d.user_id,
                username=d.sip_username,
                realm=d.realm,
                ha1_md5=d.ha1_md5,
                ha1_sha256=d.ha1_sha256,
                kind=d.kind,
            )
            for d in sipdata.load_devices(session)
        ]
        realms = sipdata.load_realms(session)
        trunk_peers = sipdata.load_trunk_peers(session)
        saved = sipdata.load_registrations(session)
    runtime.restore(events)

    def save_bindings(added: list[Binding], removed: list[Binding]) -> None:
        with sessions.begin() as session:
            sipdata.save_registrations(session, map(_row, added), map(_row, removed))

    sip = SipService(
        host=settings.sip_host,
        port=settings.sip_port,
        secret=_secret(settings.data_dir),
        devices=devices,
        realms=realms,
        trunk_peers=trunk_peers,
        digest=tuple(Algorithm(name) for name in settings.sip_digest.split(",")),
        on_bindings=save_bindings,
        on_reachable=lambda user_id, count: runtime.feed(
            DevicesReachable(agent_id=user_id, count=count)
        ),
    )
    users = {d.id: d.user_id for d in devices}
    sip.registrar.restore(
        [_binding(row, users[row.device_id]) for row in saved if row.device_id in users],
        time.time(),
    )
    await sip.start()
    groups = sum(1 for e in events if isinstance(e, GroupConfigured))
    log.info(
        "helin %s: database %s, %d call-center groups, %d phones, %d trunk peers",
        _version(),
        _describe(url),
        groups,
        len(devices),
        len(trunk_peers),
    )
    log.info(
        "SIP on %s:%d (UDP, TCP); HTTP (port %d) and RTP (%d-%d) are not served yet",
        settings.sip_host,
        sip.stack.port,
        settings.http_port,
        *settings.rtp_ports,
    )
    try:
        await stop.wait()
    finally:
        await sip.stop()
        runtime.close()
        log.info("helin stopped")


def _secret(data_dir: Path) -> bytes:
    """The digest nonce key, made once per data directory (nodes sharing one share it)."""
    path = data_dir / "sip-secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def _row(binding: Binding) -> sipdata.RegistrationRow:
    return sipdata.RegistrationRow(
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


def _binding(row: sipdata.RegistrationRow, user_id: str) -> Binding:
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
