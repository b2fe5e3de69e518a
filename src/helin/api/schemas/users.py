"""The tenant admin's users.

Values are checked by the provisioning file's own rules (names, E.164 numbers, e-mail
addresses, password lengths); bodies refuse unknown fields (``common.Body``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from helin.api.schemas.common import Body
from helin.store.provisioning.schema import E164, Email, Name

Right = Literal["tenant_admin", "manager", "agent"]
Password = Annotated[str, Field(min_length=8, max_length=1024)]


class UserCreate(Body):
    username: Name
    """Sign-in name, unique across the service."""
    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: Password | None = None
    """Web password; omitted: helin makes one and shows it once in the answer."""
    rights: list[Right] = Field(default=[])


class UserUpdate(Body):
    """Only the fields sent are changed."""

    display_name: str = Field(default="", max_length=200)
    email: Email | None = None
    password: Password = ""
    rights: list[Right] = Field(default=[])
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
