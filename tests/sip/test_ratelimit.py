"""Rate limits: leaky buckets with blocks, bounded memory, the authentication guard."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helin.sip.ratelimit import (
    AuthGuard,
    BlockStarted,
    Limiter,
    Policy,
    address_key,
)

T0 = 1000.0


def limiter(
    limit: int = 5, window: float = 10.0, block: float = 60.0, max_keys: int = 100
) -> Limiter:
    return Limiter(Policy(limit=limit, window=window, block=block, max_keys=max_keys))


def test_a_burst_of_limit_events_starts_a_block() -> None:
    lim = limiter()
    assert [lim.record("a", T0) for _ in range(4)] == [None] * 4
    assert not lim.is_blocked("a", T0)
    assert lim.record("a", T0) == T0 + 60
    assert lim.is_blocked("a", T0 + 59.9)
    assert lim.blocked_until("a", T0 + 30) == T0 + 60
    assert not lim.is_blocked("b", T0)
    assert not lim.is_blocked("a", T0 + 60)


def test_events_during_a_block_neither_count_nor_extend_it() -> None:
    lim = limiter()
    for _ in range(5):
        lim.record("a", T0)
    assert all(lim.record("a", T0 + t) is None for t in range(1, 60))
    assert not lim.is_blocked("a", T0 + 60)
    assert [lim.record("a", T0 + 60) for _ in range(4)] == [None] * 4
    assert lim.record("a", T0 + 60) == T0 + 120


def test_a_rate_at_the_limit_never_blocks_and_above_it_does() -> None:
    lim = limiter(limit=5, window=10.0)
    assert all(lim.record("steady", T0 + 2.0 * i) is None for i in range(1000))
    fast = [lim.record("fast", T0 + 1.9 * i) for i in range(200)]
    assert any(until is not None for until in fast)


def test_counts_drain_over_the_window() -> None:
    lim = limiter(limit=5, window=10.0)
    for _ in range(4):
        lim.record("a", T0)
    assert lim.record("a", T0 + 2.0) is None
    assert lim.record("a", T0 + 2.0) is not None


def test_admit_lets_the_limit_through_then_refuses_until_the_block_ends() -> None:
    lim = limiter(limit=3, block=5.0)
    assert [lim.admit("src", T0) for _ in range(5)] == [True, True, True, False, False]
    assert not lim.admit("src", T0 + 4.9)
    assert lim.admit("src", T0 + 5.0)


def test_memory_is_bounded_and_blocks_survive_a_flood_of_new_keys() -> None:
    lim = limiter(limit=2, max_keys=10)
    lim.record("attacker", T0)
    lim.record("attacker", T0)
    for i in range(10_000):
        lim.record(f"spoofed-{i}", T0)
        assert len(lim) <= 21
    assert lim.is_blocked("attacker", T0 + 1)


def test_blocks_are_bounded_too() -> None:
    lim = limiter(limit=1, max_keys=10)
    for i in range(100):
        assert lim.record(f"k{i}", T0) == T0 + 60
    assert len(lim) == 10
    assert lim.is_blocked("k99", T0) and not lim.is_blocked("k0", T0)


def test_sweep_drops_drained_buckets_and_ended_blocks() -> None:
    lim = limiter(limit=2, window=10.0, block=60.0)
    lim.record("drains", T0)
    lim.record("blocked", T0)
    lim.record("blocked", T0)
    assert lim.sweep(T0 + 1) == 0
    assert lim.sweep(T0 + 30) == 1
    assert lim.is_blocked("blocked", T0 + 30)
    assert lim.sweep(T0 + 60) == 1
    assert len(lim) == 0


def test_forget_clears_a_key() -> None:
    lim = limiter(limit=1)
    lim.record("a", T0)
    lim.forget("a")
    lim.forget("never seen")
    assert not lim.is_blocked("a", T0)


def test_time_going_backwards_does_not_drain_or_crash() -> None:
    lim = limiter(limit=3, window=10.0)
    lim.record("a", T0)
    lim.record("a", T0 - 100)
    assert lim.record("a", T0 - 50) is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 0, "window": 1.0, "block": 1.0},
        {"limit": 1, "window": 0.0, "block": 1.0},
        {"limit": 1, "window": 1.0, "block": -1.0},
        {"limit": 1, "window": 1.0, "block": 1.0, "max_keys": 0},
    ],
)
def test_invalid_policies_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Policy(**kwargs)


@given(
    st.lists(
        st.tuples(st.integers(0, 50).map(str), st.floats(0, 1000, allow_nan=False)),
        max_size=300,
    )
)
def test_memory_stays_bounded_for_any_sequence(events: list[tuple[str, float]]) -> None:
    lim = limiter(limit=3, max_keys=8)
    for key, now in events:
        lim.admit(key, now)
        assert len(lim) <= 16


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2::9]", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "not an address"),
    ],
)
def test_address_key(address: str, key: str) -> None:
    assert address_key(address) == key


def guard() -> AuthGuard:
    return AuthGuard(
        by_address=Policy(limit=10, window=60.0, block=600.0),
        by_username=Policy(limit=5, window=60.0, block=300.0),
        trust_for=3600.0,
    )


def test_a_guessing_loop_from_one_address_is_blocked_and_reported_once() -> None:
    g = guard()
    reports: list[BlockStarted] = []
    refused = 0
    for i in range(1000):
        user = f"user{i}"
        if not g.allowed(address="203.0.113.9", username=user, now=T0 + i * 0.01):
            refused += 1
            continue
        reports += g.failed(address="203.0.113.9", username=user, now=T0 + i * 0.01)
    (report,) = reports
    assert (report.kind, report.key) == ("address", "203.0.113.9")
    assert report.until == pytest.approx(T0 + 0.10 + 600)
    assert refused == 989
    assert g.allowed(address="198.51.100.1", username="user0", now=T0 + 10)


def test_an_ipv6_guesser_cannot_escape_by_rotating_within_its_64() -> None:
    g = guard()
    for i in range(10):
        g.failed(address=f"2001:db8::{i:x}", username=None, now=T0)
    assert not g.allowed(address="2001:db8::ffff", username=None, now=T0)
    assert g.allowed(address="2001:db8:0:1::1", username=None, now=T0)


def test_username_block_spares_trusted_devices_but_not_the_address_block() -> None:
    g = guard()
    g.succeeded(address="192.0.2.10", username="alice@r", now=T0)
    started: list[BlockStarted] = []
    for i in range(5):
        started += g.failed(address=f"198.51.100.{i}", username="alice@r", now=T0 + 1)
    assert started == [BlockStarted(kind="username", key="alice@r", until=T0 + 301)]
    assert not g.allowed(address="198.51.100.77", username="alice@r", now=T0 + 2)
    assert g.allowed(address="198.51.100.77", username="bob@r", now=T0 + 2)
    assert g.allowed(address="198.51.100.77", username=None, now=T0 + 2)
    assert g.allowed(address="192.0.2.10", username="alice@r", now=T0 + 2)
    assert g.allowed(address="198.51.100.77", username="alice@r", now=T0 + 301)
    for _ in range(10):
        g.failed(address="192.0.2.10", username="mallory@r", now=T0 + 400)
    assert not g.allowed(address="192.0.2.10", username="alice@r", now=T0 + 400)


def test_trust_expires_and_is_bounded() -> None:
    g = AuthGuard(
        by_username=Policy(limit=1, window=60.0, block=10_000.0), trust_for=100.0, max_trusted=2
    )
    g.succeeded(address="192.0.2.1", username="a", now=T0)
    g.failed(address="198.51.100.1", username="a", now=T0)
    assert g.allowed(address="192.0.2.1", username="a", now=T0 + 99)
    assert not g.allowed(address="192.0.2.1", username="a", now=T0 + 100)
    g.succeeded(address="192.0.2.1", username="a", now=T0 + 100)
    g.succeeded(address="192.0.2.2", username="a", now=T0 + 100)
    g.succeeded(address="192.0.2.3", username="a", now=T0 + 100)
    assert not g.allowed(address="192.0.2.1", username="a", now=T0 + 101)
    assert g.allowed(address="192.0.2.3", username="a", now=T0 + 101)


def test_guard_sweep_forgets_what_no_longer_matters() -> None:
    g = guard()
    g.succeeded(address="192.0.2.1", username="a", now=T0)
    g.failed(address="198.51.100.1", username="b", now=T0)
    assert g.sweep(T0 + 1) == 0
    assert g.sweep(T0 + 4000) == 3
