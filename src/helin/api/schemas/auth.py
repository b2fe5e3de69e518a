"""Signing in, and personal API tokens."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SignedIn(BaseModel):
    user_id: int
    username: str
    csrf_token: str
    """Send it back in ``X-CSRF-Token`` with every change made through the session cookie."""


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenPublic(BaseModel):
    id: int
    name: str
    created_at: str
    last_used_at: str | None


class NewToken(TokenPublic):
    token: str
    """The secret: shown only now."""
