"""Bodies and answers of the tenant admins' and operators' endpoints, and what they share:
the error shapes.

Bodies refuse unknown fields, so a misspelt or forbidden field (``operator``) is a 422 that
names it instead of being ignored. Values are checked by the provisioning file's own rules
(names, E.164 numbers, e-mail addresses, SIP domains, password lengths).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from helin.api.deps import MAX_ROW_ID
from helin.store.enums import DeviceKind
from helin.store.provision_schema import _DOMAIN, E164, Email, Name, Text

Right = Literal["tenant_admin", "manager", "agent"]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
SipPassword = Annotated[str, Field(min_length=8, max_length=128)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def invalid(field: str, message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own, naming the body field."""
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def conflict(reason: str) -> HTTPException:
    return HTTPException(409, reason)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- users ------------------------------------------------------------------------------


class UserCreate(Body):
    username: Name
    """Sign-in name, unique across the service."""
    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: Password | None = None
    """Web password; omitted: helin makes one and shows it once in the answer."""
    rights: list[Right] = []


class UserUpdate(Body):
    """Only the fields sent are changed."""

    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: Password = ""
    rights: list[Right] = []
    disabled: bool = False
    """A disabled user cannot sign in, register phones or take calls."""
    presented_number: E164 | None = None
    """A group number of the tenant or one of the user's own; null: the user's own."""


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    rights: list[str]
    disabled: bool
    presented_number: str | None
    numbers: list[str]
    """The user's own (direct) numbers."""
    created_at: datetime


class NewUser(UserPublic):
    password: str | None
    """The password helin made, shown only now; null when you gave one."""


# -- devices ----------------------------------------------------------------------------


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


# -- numbers ----------------------------------------------------------------------------


class NumberOwner(Body):
    """Exactly one of ``user_id`` and ``group_id``: a user or a group of your company."""

    user_id: BodyId | None = None
    group_id: BodyId | None = None


class NumberAssign(NumberOwner):
    e164: E164


class NumberPublic(BaseModel):
    id: int
    e164: str
    user_id: int | None
    group_id: int | None
    owner: str
    """The owner's user name or group name."""


# -- tenants ----------------------------------------------------------------------------


class TenantCreate(Body):
    name: Text
    sip_domain: str = Field(max_length=253)
    """The company's SIP domain, also its phones' digest realm; cannot change later."""
    call_center: bool = False
    recording: bool = False
    recording_retention_days: Literal[30, 60] = 30

    @field_validator("sip_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not _DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name like example.helin.test")
        return value.lower()


class TenantUpdate(Body):
    """Only the fields sent are changed."""

    call_center: bool = False
    recording: bool = False
    recording_retention_days: Literal[30, 60] = 30


class TenantPublic(BaseModel):
    id: int
    name: str
    sip_domain: str
    call_center: bool
    recording: bool
    recording_retention_days: int
    users: int
    created_at: datetime


class AdminCreate(Body):
    """A tenant's first tenant admin."""

    username: Name
    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: Password | None = None
    """Omitted: helin makes one and shows it once in the answer."""
