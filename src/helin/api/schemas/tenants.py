"""The operator's tenants (companies) and each one's first tenant admin."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from helin.api.schemas.common import Body
from helin.api.schemas.users import Password
from helin.store.provisioning.schema import _DOMAIN, Email, Name, Text


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
