"""What the API needs from the rest of helin, as plain interfaces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from helin.acd.events import Event
from helin.acd.model import AgentCall, AgentState, GroupStatus
from helin.api.throttle import ThrottlePolicy
from helin.recordings.storage import Storage


class Live(Protocol):
    """The running switch, as the API sees it. Callable from any thread: plain routes run in
    FastAPI's worker threads, and the implementation carries each call over to helin's loop."""

    def feed(self, event: Event) -> None:
        """Tell the ACD engine (log in/out, DND): it records the change itself."""

    def group_status(self, group_id: str) -> GroupStatus | None:
        """Open/closed, queue and members of a call-center group (None: not in the engine)."""

    def agent_state(self, agent_id: str) -> AgentState: ...

    def last_call(self, agent_id: str) -> AgentCall | None:
        """The group call the agent is on or answered last, as the engine knows it (None
        before their first one since helin started)."""

    def device_status(self, device_id: str) -> str:
        """``reachable``, ``unreachable`` or ``unregistered``."""

    def log_version(self, group_id: int) -> int:
        """Grows whenever the group's call rows change in the store (after the commit)."""

    def directory_changed(self) -> None:
        """Numbers, users, groups or presented numbers changed in the store: call routing
        must follow (the call layer reloads its directory)."""

    def devices_changed(self) -> None:
        """Phones or their SIP credentials changed in the store: digest authentication must
        follow (the SIP side reloads its phones)."""

    def clips_changed(self, tenant_id: int) -> None:
        """A tenant's uploaded clips changed in the store and under the data directory: the
        media server reloads them (callers hear the new ones from their next clip on)."""


@dataclass
class ApiContext:
    sessions: sessionmaker[Session]
    live: Live
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    data_dir: Path = Path("data")
    """Where uploaded clips (``clips/``) and recordings live."""
    secure_cookies: bool = False
    """Mark the session cookie ``Secure`` (when helin is served over HTTPS)."""
    signin: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    """How failed sign-ins are slowed and blocked."""
    signin_trusted_days: int = 90
    """A user name's block spares addresses where the user signed in within this many days."""
    storages: Mapping[str, Storage] = field(default_factory=dict)
    """Where recordings are stored, by the name their rows give (``files``, ``s3``)."""
    wake_reports: Callable[[], None] = field(default=lambda: None)
    """A report run was added: the reports' loop should look now (``reports.runs``)."""
