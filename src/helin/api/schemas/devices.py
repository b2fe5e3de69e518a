"""Phones (devices): the tenant admin's resource, and the status a manager sees of each.

``DevicePublic`` is a phone as its user's tenant admin manages it (SIP user name and domain);
``DeviceStatus`` is the part the group and live views show of every member's phones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from helin.api.schemas.common import Body
from helin.store.provisioning.schema import Name
from helin.store.tables.enums import DeviceKind

SipPassword = Annotated[str, Field(min_length=8, max_length=128)]


class DeviceCreate(Body):
    kind: DeviceKind
    sip_username: Name
    """The digest username the phone registers with; unique across the service."""
    password: SipPassword | None = None
    """SIP password; omitted: helin makes one. Shown once in the answer, never stored."""
    label: str = Field(default="", max_length=100)


class DevicePublic(BaseModel):
    id: int
    user_id: int
    kind: str
    sip_username: str
    sip_domain: str
    """The domain (and digest realm) the phone registers to."""
    label: str
    status: str
    """``reachable``, ``unreachable`` or ``unregistered``."""
    created_at: datetime


class NewDevice(DevicePublic):
    password: str
    """The SIP password, shown only now: helin keeps only its digests."""


class DeviceStatus(BaseModel):
    id: int
    kind: str
    label: str
    status: str
    """Terminal status: ``reachable``, ``unreachable`` or ``unregistered``."""
