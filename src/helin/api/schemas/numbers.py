"""The tenant admin's numbers: each belongs to one user or one group of the company."""

from __future__ import annotations

from pydantic import BaseModel

from helin.api.schemas.common import Body, BodyId
from helin.store.provisioning.schema import E164


class NumberUpdate(Body):
    """Exactly one of ``user_id`` and ``group_id``: a user or a group of your company."""

    user_id: BodyId | None = None
    group_id: BodyId | None = None


class NumberCreate(NumberUpdate):
    e164: E164


class NumberPublic(BaseModel):
    id: int
    e164: str
    user_id: int | None
    group_id: int | None
    owner: str
    """The owner's user name or group name."""
