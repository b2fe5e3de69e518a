"""Rate limits by key: failed authentication per address and per username, and request floods.

Each key has a leaky bucket that holds ``limit`` and drains ``limit`` per ``window`` seconds;
every event pours in one. The event that fills it (``limit`` events in a burst, or a sustained
rate above ``limit / window``) starts a block of ``block`` seconds, during which the key is
refused and its events are not counted; afterwards it starts empty. A rate at or below
``limit / window`` never blocks, so a misconfigured phone retrying every minute does not lock
out its office. Buckets and blocks live in separate LRU tables of at most ``max_keys`` each:
a flood of new keys can evict counts, never blocks (unless it gets that many keys blocked).

``AuthGuard`` combines two limiters for digest authentication. An (address, username) pair that
authenticated recently is trusted: it is exempt from that username's block, so a password
guesser cannot lock a registered phone out by failing on its username from elsewhere. The
address block applies to everyone behind the address. IPv6 addresses count per /64.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """How many events a key may have before it is blocked, and for how long."""

    limit: int
    """Events within ``window`` that start a block."""
    window: float
    """Seconds the bucket takes to drain from full."""
    block: float
    """Seconds a block lasts."""
    max_keys: int = 65_536
    """Most keys remembered (separately for counts and for blocks)."""

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0 or self.block < 0 or self.max_keys < 1:
            raise ValueError(f"invalid rate-limit policy {self}")


@dataclass(slots=True)
class _Bucket:
    level: float
    """Events poured in, less what has drained by ``at``."""
    at: float
    """When ``level`` was last brought up to date."""


class Limiter:
    """One leaky bucket per key with a temporary block when it fills."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        """The limits applied."""
        self._rate = policy.limit / policy.window
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._blocks: OrderedDict[str, float] = OrderedDict()
        """Key -> when its block ends."""

    def __len__(self) -> int:
        return len(self._buckets) + len(self._blocks)

    def blocked_until(self, key: str, now: float) -> float | None:
        """When the block on ``key`` ends, or None when it is not blocked."""
        until = self._blocks.get(key)
        if until is None:
            return None
        if now >= until:
            del self._blocks[key]
            return None
        self._blocks.move_to_end(key)
        return until

    def is_blocked(self, key: str, now: float) -> bool:
        """Whether requests for ``key`` are refused at ``now``."""
        return self.blocked_until(key, now) is not None

    def record(self, key: str, now: float) -> float | None:
        """Count one event for ``key``; the end of the block when this event starts one."""
        if self.is_blocked(key, now):
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(level=0.0, at=now)
            if len(self._buckets) > self.policy.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        bucket.level = self._drained(bucket, now) + 1.0
        bucket.at = max(bucket.at, now)
        if bucket.level < self.policy.limit - _EPSILON:
            return None
        del self._buckets[key]
        until = now + self.policy.block
        self._blocks[key] = until
        if len(self._blocks) > self.policy.max_keys:
            self._blocks.popitem(last=False)
        return until

    def admit(self, key: str, now: float) -> bool:
        """Flood control: False while ``key`` is blocked, else count the request and admit it.

        The request that fills the bucket is admitted; the ones after it are not.
        """
        if self.is_blocked(key, now):
            return False
        self.record(key, now)
        return True

    def forget(self, key: str) -> None:
        """Drop everything known about ``key`` (count and block)."""
        self._buckets.pop(key, None)
        self._blocks.pop(key, None)

    def sweep(self, now: float) -> int:
        """Drop drained buckets and ended blocks; how many entries went."""
        empty = [k for k, b in self._buckets.items() if self._drained(b, now) <= _EPSILON]
        ended = [k for k, until in self._blocks.items() if now >= until]
        for key in empty:
            del self._buckets[key]
        for key in ended:
            del self._blocks[key]
        return len(empty) + len(ended)

    def _drained(self, bucket: _Bucket, now: float) -> float:
        return max(0.0, bucket.level - max(0.0, now - bucket.at) * self._rate)


def address_key(address: str) -> str:
    """The key an address is limited under: IPv4 as is, IPv6 by its /64, anything else as is."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, kw_only=True, slots=True)
class BlockStarted:
    """A failure just started a block; log it once."""

    kind: str
    """``"address"`` or ``"username"``."""
    key: str
    """The address key (see ``address_key``) or the username that is blocked."""
    until: float
    """When the block ends."""


ADDRESS_POLICY = Policy(limit=20, window=60.0, block=600.0)
"""Default: 20 failures a minute from one address block it for 10 minutes."""
USERNAME_POLICY = Policy(limit=10, window=60.0, block=300.0)
"""Default: 10 failures a minute on one username block it for 5 minutes."""


class AuthGuard:
    """Failed-authentication limits per source address and per username.

    Usernames are whatever identifies an account across realms (e.g. ``user@realm``).
    """

    def __init__(
        self,
        *,
        by_address: Policy = ADDRESS_POLICY,
        by_username: Policy = USERNAME_POLICY,
        trust_for: float = 7 * 86_400.0,
        max_trusted: int = 65_536,
    ) -> None:
        self.addresses = Limiter(by_address)
        """Failures per address key."""
        self.usernames = Limiter(by_username)
        """Failures per username."""
        self._trust_for = trust_for
        self._max_trusted = max_trusted
        self._trusted: OrderedDict[tuple[str, str], float] = OrderedDict()
        """(address key, username) -> until when it is exempt from the username's block."""

    def allowed(self, *, address: str, username: str | None, now: float) -> bool:
        """Whether to process a request from ``address`` (claiming ``username``, if any)."""
        where = address_key(address)
        if self.addresses.is_blocked(where, now):
            return False
        if username is None or not self.usernames.is_blocked(username, now):
            return True
        return self._is_trusted(where, username, now)

    def failed(self, *, address: str, username: str | None, now: float) -> list[BlockStarted]:
        """Count a failed attempt; the blocks it started."""
        started: list[BlockStarted] = []
        where = address_key(address)
        until = self.addresses.record(where, now)
        if until is not None:
            started.append(BlockStarted(kind="address", key=where, until=until))
        if username is not None:
            until = self.usernames.record(username, now)
            if until is not None:
                started.append(BlockStarted(kind="username", key=username, until=until))
        return started

    def succeeded(self, *, address: str, username: str, now: float) -> None:
        """Trust (address, username) for ``trust_for`` seconds."""
        pair = (address_key(address), username)
        self._trusted[pair] = now + self._trust_for
        self._trusted.move_to_end(pair)
        if len(self._trusted) > self._max_trusted:
            self._trusted.popitem(last=False)

    def sweep(self, now: float) -> int:
        """Drop state that no longer matters; how many entries went."""
        ended = [pair for pair, until in self._trusted.items() if now >= until]
        for pair in ended:
            del self._trusted[pair]
        return len(ended) + self.addresses.sweep(now) + self.usernames.sweep(now)

    def _is_trusted(self, where: str, username: str, now: float) -> bool:
        until = self._trusted.get((where, username))
        return until is not None and now < until
