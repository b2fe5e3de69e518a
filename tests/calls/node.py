"""A whole helin (``helin.app.Helin``: store, engine, SIP, media, call layer) in a thread.

The tests drive real peers (sipp, baresip) from the main thread with blocking calls; helin
runs its own asyncio loop in a background thread, exactly as ``helin serve`` wires it, on
127.0.0.1 with SIP on a free port, a random RTP range and a SQLite database provisioned from a
YAML file the test writes. ``call`` runs a function on helin's loop (to read the engine's
state or feed it an event) and returns its result.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.acd.events import AgentLoggedIn, Event
from helin.app import Helin
from helin.config import Settings
from helin.store import db
from helin.store.provisioning.file import provision_file
from helin.store.tables import Device, Group, User

T = TypeVar("T")

WAIT = 20.0
"""Seconds any wait for helin's state may take before the test fails."""


class Node:
    """helin on 127.0.0.1, provisioned from ``config`` (provisioning YAML)."""

    def __init__(
        self, workdir: Path, config: str, *, rtp_ports: int = 400, **settings: object
    ) -> None:
        self.workdir = workdir
        self.data = workdir / "helin-data"
        self.data.mkdir(parents=True)
        low = random.randrange(20000, 29400, 2)
        self.settings = Settings(
            data_dir=self.data,
            sip_host="127.0.0.1",
            sip_port=0,
            rtp_ports=(low, low + rtp_ports - 1),
            http_port=0,
            log_level="INFO",
            **settings,  # type: ignore[arg-type]
        )
        self.url = self.settings.effective_database_url
        db.migrate(self.url)
        (workdir / "provision.yaml").write_text(config)
        provision_file(self.url, workdir / "provision.yaml")
        self.helin: Helin | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Node:
        started: Future[None] = Future()

        def run() -> None:
            loop = self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self.helin = Helin(self.settings)
            try:
                loop.run_until_complete(self.helin.start())
                started.set_result(None)
            except BaseException as exc:
                started.set_exception(exc)
                return
            loop.run_forever()
            loop.run_until_complete(self.helin.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="helin", daemon=True)
        self._thread.start()
        started.result(timeout=30)
        return self

    def stop(self) -> None:
        if self.loop is not None and self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)

    @property
    def port(self) -> int:
        assert self.helin is not None
        return self.helin.sip_port

    @property
    def http(self) -> str:
        """The base URL of helin's HTTP API."""
        assert self.helin is not None
        return f"http://127.0.0.1:{self.helin.http_port}"

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on helin's loop; its result."""
        assert self.loop is not None

        async def wrapped() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(10)

    def feed(self, event: Event) -> None:
        helin = self.helin
        assert helin is not None
        self.call(lambda: helin.runtime.feed(event))

    def log_in(self, *usernames: str) -> None:
        """Log agents in to all their groups (as the web app will; the tests of feature codes
        log in from a phone instead)."""
        for username in usernames:
            self.feed(AgentLoggedIn(agent_id=self.user_id(username)))

    def group_id(self, name: str) -> str:
        return str(self.query(lambda s: s.scalar(select(Group.id).where(Group.name == name))))

    def until(self, predicate: Callable[[], object], what: str, timeout: float = WAIT) -> None:
        """Poll ``predicate`` (run on the test's thread) until true, or fail naming ``what``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def query(self, function: Callable[[Session], T]) -> T:
        """``function`` on a session of helin's database, once every record helin emitted
        so far is written (records reach the store off the loop, within a moment)."""
        if self.helin is not None:
            self.helin.writer.flush()
        engine = db.make_engine(self.url)
        try:
            with db.session_factory(engine)() as session:
                return function(session)
        finally:
            engine.dispose()

    def user_id(self, username: str) -> str:
        return str(self.query(lambda s: s.scalar(select(User.id).where(User.username == username))))

    def device_count(self, username: str) -> int:
        """Devices of ``username`` the registrar sees as reachable."""
        helin = self.helin
        assert helin is not None and helin.sip is not None
        registrar = helin.sip.registrar
        user = self.user_id(username)
        return self.call(lambda: registrar.reachable_devices(user))

    def agent_state(self, username: str) -> str:
        helin = self.helin
        assert helin is not None
        user = self.user_id(username)
        return str(self.call(lambda: helin.runtime.engine.agent_state(user)))

    def queued(self, group: str) -> int:
        """Callers in the named group's queue now (ringing ones included)."""
        helin = self.helin
        assert helin is not None
        group_id = self.group_id(group)
        return self.call(lambda: helin.runtime.engine.group_status(group_id, time.time()).queued)

    def devices(self, username: str) -> list[str]:
        return self.query(
            lambda s: list(
                s.scalars(
                    select(Device.sip_username)
                    .join(User, Device.user_id == User.id)
                    .where(User.username == username)
                    .order_by(Device.id)
                )
            )
        )
