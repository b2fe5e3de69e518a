"""What the SIP side reads from the store (phones, trunks, registrations) and writes back.

Plain rows in, plain rows out: the store does not know the switch's types; ``app.py`` maps
them. Registrations are replaced per (device, contact), so a refresh updates its row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from helin.store.tables import Device, Registration, Tenant, Trunk, TrunkPeer, User
from helin.store.tables.base import from_posix
from helin.store.tables.enums import Transport


@dataclass(frozen=True, slots=True)
class DeviceRow:
    id: str
    user_id: str
    sip_username: str
    realm: str
    """The tenant's SIP domain."""
    ha1_md5: str
    ha1_sha256: str
    kind: str


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    device_id: str
    contact: str
    host: str
    port: int
    transport: str
    expires_at: float
    call_id: str
    cseq: int
    user_agent: str


def load_devices(session: Session) -> list[DeviceRow]:
    """Phones of enabled users, with their tenant's domain as digest realm."""
    rows = session.execute(
        select(Device, User.id, Tenant.sip_domain)
        .join(User, Device.user_id == User.id)
        .join(Tenant, User.tenant_id == Tenant.id)
        .where(User.disabled.is_(False))
    ).all()
    return [
        DeviceRow(
            id=str(device.id),
            user_id=str(user_id),
            sip_username=device.sip_username,
            realm=domain,
            ha1_md5=device.ha1_md5,
            ha1_sha256=device.ha1_sha256,
            kind=str(device.kind),
        )
        for device, user_id, domain in rows
    ]


def load_realms(session: Session) -> set[str]:
    return set(session.scalars(select(Tenant.sip_domain)))


def load_trunk_peers(session: Session) -> list[tuple[str, str]]:
    """(trunk name, host or network) for every enabled trunk."""
    rows = session.execute(
        select(Trunk.name, TrunkPeer.address)
        .join(TrunkPeer, TrunkPeer.trunk_id == Trunk.id)
        .where(Trunk.enabled.is_(True))
    ).all()
    return [(name, address) for name, address in rows]


def load_registrations(session: Session) -> list[RegistrationRow]:
    out = []
    for reg in session.scalars(select(Registration)):
        host, _, port = reg.source.rpartition(":")
        out.append(
            RegistrationRow(
                device_id=str(reg.device_id),
                contact=reg.contact,
                host=host.strip("[]"),
                port=int(port or 5060),
                transport=str(reg.transport).upper(),
                expires_at=reg.expires_at.timestamp(),
                call_id=reg.sip_call_id or "",
                cseq=reg.cseq or 0,
                user_agent=reg.user_agent or "",
            )
        )
    return out


def save_registrations(
    session: Session, added: Iterable[RegistrationRow], removed: Iterable[RegistrationRow]
) -> None:
    """Write bindings that were added or refreshed, delete removed ones; does not commit."""
    added, removed = list(added), list(removed)  # each is walked twice
    for row in [*removed, *added]:
        session.execute(
            delete(Registration).where(
                Registration.device_id == int(row.device_id), Registration.contact == row.contact
            )
        )
    for row in added:
        host = f"[{row.host}]" if ":" in row.host else row.host
        session.add(
            Registration(
                device_id=int(row.device_id),
                contact=row.contact,
                source=f"{host}:{row.port}",
                transport=Transport(row.transport.lower()),
                expires_at=from_posix(row.expires_at),
                sip_call_id=row.call_id,
                cseq=row.cseq,
                user_agent=row.user_agent[:255],
            )
        )
