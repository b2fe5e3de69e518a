"""Accounts: argon2 hashes, digest HA1s and the first operator."""

from __future__ import annotations

from sqlalchemy import Engine, select

from helin.store import accounts
from helin.store.accounts import (
    digest_ha1,
    ensure_first_operator,
    hash_password,
    verify_password,
)
from helin.store.db import session_factory
from helin.store.tables import Tenant, User


def test_password_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password(None, "correct horse")
    assert not verify_password("not a hash", "correct horse")
    assert hash_password("correct horse") != hashed  # salted


PRODUCTION = accounts._HASHER
"""The hasher the store uses outside tests (the fixtures swap in a cheap one)."""


def test_production_hashing_meets_the_owasp_minimum() -> None:
    assert PRODUCTION.time_cost >= 2
    assert PRODUCTION.memory_cost >= 19 * 1024  # KiB
    assert PRODUCTION.hash("x").startswith("$argon2id$")


def test_digest_ha1_matches_rfc_2617() -> None:
    md5, sha256 = digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life")
    assert md5 == "939e7578ed9e3c518a452acee763bce9"
    assert len(sha256) == 64
    assert digest_ha1("Mufasa", "other.realm", "Circle Of Life")[1] != sha256


def test_first_operator_is_created_once(migrated_url: str, engine: Engine) -> None:
    first = ensure_first_operator(migrated_url)
    assert first is not None
    username, password = first
    assert username == "admin"
    assert len(password) >= 12
    assert ensure_first_operator(migrated_url) is None
    with session_factory(engine)() as session:
        [user] = session.scalars(select(User)).all()
        assert user.operator and user.tenant_id is None
        assert user.password_hash != password
        assert verify_password(user.password_hash, password)


def test_first_operator_avoids_a_taken_username(migrated_url: str, engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        tenant = Tenant(name="T", sip_domain="t.test")
        session.add(User(tenant=tenant, username="admin", manager=True))
    first = ensure_first_operator(migrated_url)
    assert first is not None
    assert first[0] == "admin-2"
    with session_factory(engine)() as session:
        operators = session.scalars(select(User.username).where(User.operator)).all()
    assert operators == ["admin-2"]
