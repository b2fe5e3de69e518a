"""Secrets: argon2 password hashes for people, digest HA1s for SIP devices and trunks.

No plaintext secret is ever stored: web passwords become argon2id hashes, SIP passwords
become the two HA1 values (MD5 and SHA-256 of ``username:realm:password``) that digest
authentication needs.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from helin.store.db import make_engine, session_factory
from helin.store.tables import User

_HASHER = PasswordHasher()

FIRST_OPERATOR = "admin"
"""Username of the operator ``helin setup`` creates."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its own random salt)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for no hash or a broken one."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    return _HASHER.check_needs_rehash(password_hash)


def digest_ha1(username: str, realm: str, password: str) -> tuple[str, str]:
    """``(MD5, SHA-256)`` hex digests of ``username:realm:password`` (RFC 2617 / RFC 7616)."""
    secret = f"{username}:{realm}:{password}".encode()
    return hashlib.md5(secret).hexdigest(), hashlib.sha256(secret).hexdigest()


def random_password(length: int = 16) -> str:
    """A random password of URL-safe characters."""
    return secrets.token_urlsafe(length)[:length]


def ensure_first_operator(url: str) -> tuple[str, str] | None:
    """Create an operator with a random password when the database at ``url`` has none.

    Returns ``(username, password)`` for the new operator, or None when an operator exists.
    The username is ``admin`` (``admin-2``, ... when a tenant user already took it). The
    database must be migrated first.
    """
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as session:
            if session.scalar(select(User.id).where(User.operator).limit(1)) is not None:
                return None
            taken = set(
                session.scalars(
                    select(User.username).where(User.username.startswith(FIRST_OPERATOR))
                )
            )
            username = FIRST_OPERATOR
            suffix = 1
            while username in taken:
                suffix += 1
                username = f"{FIRST_OPERATOR}-{suffix}"
            password = random_password()
            session.add(
                User(
                    username=username,
                    display_name="Operator",
                    password_hash=hash_password(password),
                    operator=True,
                )
            )
        return username, password
    finally:
        engine.dispose()
