"""Sign-in throttling as pure bookkeeping."""

from __future__ import annotations

from helin.api.throttle import BLOCK_AFTER, BLOCK_SECONDS, MAX_DELAY, WINDOW, LoginThrottle


def test_failures_are_slowed_then_blocked_then_forgiven() -> None:
    throttle = LoginThrottle()
    keys = ["ip:192.0.2.1", "user:ann"]
    delays = [throttle.failed(keys, float(n)) for n in range(BLOCK_AFTER - 1)]
    assert delays[0] == 0.0 and delays[1] == 0.1 and delays[2] == 0.2
    assert delays == sorted(delays) and max(delays) == MAX_DELAY
    assert throttle.blocked(keys, 10.0) == 0.0
    throttle.failed(keys, 10.0)
    assert throttle.blocked(keys, 10.0) == BLOCK_SECONDS
    assert [key for key, _ in throttle.blocks] == keys
    assert throttle.blocked(["user:bob"], 10.0) == 0.0  # others are not affected
    assert throttle.blocked(keys, 10.0 + BLOCK_SECONDS) == 0.0


def test_old_failures_fall_out_of_the_window_and_success_clears_the_name() -> None:
    throttle = LoginThrottle()
    for n in range(BLOCK_AFTER - 1):
        throttle.failed(["user:ann"], float(n))
    throttle.failed(["user:ann"], WINDOW + 100.0)  # the earlier ones are forgotten
    assert throttle.blocked(["user:ann"], WINDOW + 100.0) == 0.0
    throttle.succeeded("user:ann")
    assert throttle.failed(["user:ann"], WINDOW + 101.0) == 0.0
