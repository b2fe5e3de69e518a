"""Composition root: the one module that reads the settings and wires the parts together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from helin.acd.commands import Command, Record
from helin.acd.engine import AcdEngine
from helin.acd.events import GroupConfigured
from helin.config import Settings
from helin.store import accounts, db, repos
from helin.switch.runtime import AcdRuntime

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
    runtime.restore(events)
    groups = sum(1 for e in events if isinstance(e, GroupConfigured))
    log.info(
        "helin %s: database %s, %d call-center groups loaded", _version(), _describe(url), groups
    )
    log.info(
        "SIP (port %d), HTTP (port %d) and RTP (%d-%d) are not built yet; ACD engine running",
        settings.sip_port,
        settings.http_port,
        *settings.rtp_ports,
    )
    try:
        await stop.wait()
    finally:
        runtime.close()
        log.info("helin stopped")


def _describe(url: str) -> str:
    """The database URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _version() -> str:
    from helin import __version__

    return __version__
