"""A user's phones: listed, added (only the HA1s of the SIP password are kept), names taken."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.store.accounts import digest_ha1
from helin.store.tables import (
    Device,
    User,
)
from helin.store.tables.enums import DeviceKind


def name_taken(session: Session, sip_username: str) -> bool:
    found = select(Device.id).where(Device.sip_username == sip_username)
    return session.scalar(found) is not None


def of_user(session: Session, user_id: int) -> list[Device]:
    return list(
        session.scalars(select(Device).where(Device.user_id == user_id).order_by(Device.id))
    )


def add(
    session: Session,
    owner: User,
    realm: str,
    *,
    kind: DeviceKind,
    sip_username: str,
    password: str,
    label: str,
) -> Device:
    """A new phone of ``owner``; only the HA1s of ``password`` in ``realm`` are kept."""
    md5, sha256 = digest_ha1(sip_username, realm, password)
    device = Device(
        user_id=owner.id,
        kind=kind,
        sip_username=sip_username,
        ha1_md5=md5,
        ha1_sha256=sha256,
        label=label,
    )
    session.add(device)
    session.flush()
    return device
