"""The demo company: "Demo OÜ" with two always-open groups, N agents with one softphone each
and a trunk on 127.0.0.2, provisioned through helin's own provisioning (idempotent).

Support (uniform: the agent idle longest rings) has every agent; Sales (regular: always in
the same order) has the second half of them, so those agents serve both queues.

The agents' SIP passwords come from a key kept in the data directory (made once), so running
the demo again changes nothing in the database, and no fixed password ships with helin.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from helin.store import db
from helin.store.provisioning.file import provision_file
from helin.store.tables import Group, Tenant, User

TENANT = "Demo OÜ"
SIP_DOMAIN = "demo.helin.test"
TRUNK = "demo-carrier"
TRUNK_HOST = "127.0.0.2"
GROUPS = {"Support": "+3726900100", "Sales": "+3726900200"}
"""Group name -> its public number."""
SHARE = {"Support": 0.6, "Sales": 0.4}
"""Share of the demo's calls each group gets."""
FIRST_NAMES = ("Mari", "Jaan", "Liis", "Peeter", "Kadri", "Tõnu", "Kristi", "Andres", "Eva")


@dataclass(frozen=True, slots=True)
class Agent:
    username: str
    display_name: str
    sip_username: str
    password: str


@dataclass(frozen=True, slots=True)
class Company:
    agents: tuple[Agent, ...]
    groups: dict[str, str]
    """Group name -> number."""
    tenant_id: int
    group_ids: dict[str, str]
    """Group name -> the engine's group id."""
    user_ids: dict[str, str]
    """Engine agent id -> username."""


def agents_of(count: int, key: bytes) -> tuple[Agent, ...]:
    agents = []
    for n in range(1, count + 1):
        name = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
        sip_username = f"demo-agent{n}-softphone"
        digest = hmac.new(key, sip_username.encode(), hashlib.sha256).hexdigest()
        agents.append(
            Agent(f"demo-agent{n}", f"{name} (demo agent {n})", sip_username, digest[:24])
        )
    return tuple(agents)


def spec(agents: tuple[Agent, ...], outbound: str, *, enabled: bool = True) -> dict[str, Any]:
    """The provisioning document (docs/provisioning.md) of the demo company."""
    queue = {
        "ring_timeout": 10,
        "wrap_up": 3,
        "max_wait": 120,
        "announce_position": True,
        "announce_interval": 30,
        "bounce_after_missed": 0,
    }
    support = [{"user": a.username, "order": n} for n, a in enumerate(agents, 1)]
    sales = support[len(support) // 2 :] or support  # the second half, in ring order
    return {
        "version": 1,
        "trunks": [
            {"name": TRUNK, "peers": [TRUNK_HOST], "outbound": outbound, "enabled": enabled}
        ],
        "tenants": [
            {
                "name": TENANT,
                "sip_domain": SIP_DOMAIN,
                "call_center": True,
                "recording": True,
                "users": [
                    {
                        "username": a.username,
                        "display_name": a.display_name,
                        "rights": ["agent"],
                        "devices": [
                            {
                                "kind": "softphone",
                                "sip_username": a.sip_username,
                                "password": a.password,
                                "label": "helin demo softphone",
                            }
                        ],
                    }
                    for a in agents
                ],
                "groups": [
                    {
                        "name": "Support",
                        "numbers": [GROUPS["Support"]],
                        "policy": "uniform",
                        "override": "open",
                        "queue": queue,
                        "members": support,
                    },
                    {
                        "name": "Sales",
                        "numbers": [GROUPS["Sales"]],
                        "policy": "regular",
                        "override": "open",
                        "queue": queue,
                        "members": sales,
                    },
                ],
            }
        ],
    }


def _apply(url: str, data_dir: Path, document: dict[str, Any]) -> None:
    """Provision ``document`` from a private temporary file (it holds SIP passwords)."""
    fd, name = tempfile.mkstemp(prefix="demo-", suffix=".yaml", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.safe_dump(document, out, allow_unicode=True, sort_keys=False)
        provision_file(url, Path(name))
    finally:
        os.unlink(name)


def demo_key(data_dir: Path) -> bytes:
    """The key the demo phones' passwords are derived from, made once per data directory."""
    path = data_dir / "demo-secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def provision(url: str, data_dir: Path, agent_count: int, outbound: str) -> Company:
    """Make the database hold the demo company (creating or updating it) and read its ids."""
    data_dir.mkdir(parents=True, exist_ok=True)
    agents = agents_of(agent_count, demo_key(data_dir))
    _apply(url, data_dir, spec(agents, outbound))
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == TENANT))
            assert tenant_id is not None
            groups = session.execute(
                select(Group.name, Group.id).where(Group.tenant_id == tenant_id)
            ).all()
            users = session.execute(
                select(User.id, User.username).where(User.tenant_id == tenant_id)
            ).all()
    finally:
        engine.dispose()
    return Company(
        agents=agents,
        groups=dict(GROUPS),
        tenant_id=tenant_id,
        group_ids={name: str(gid) for name, gid in groups if name in GROUPS},
        user_ids={str(uid): username for uid, username in users},
    )


def retire_trunk(url: str, data_dir: Path, outbound: str) -> None:
    """Disable the demo trunk after the run, so a later ``helin serve`` neither accepts calls
    from 127.0.0.2 nor sends calls out to the demo's (gone) trunk."""
    document = {
        "version": 1,
        "trunks": [{"name": TRUNK, "peers": [TRUNK_HOST], "outbound": outbound, "enabled": False}],
    }
    _apply(url, data_dir, document)
