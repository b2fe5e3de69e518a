"""Sign-in throttling as pure bookkeeping."""

from __future__ import annotations

from helin.api.throttle import LoginThrottle, ThrottlePolicy

POLICY = ThrottlePolicy()


def test_failures_are_slowed_then_blocked_then_forgiven() -> None:
    throttle = LoginThrottle()
    keys = ["ip:192.0.2.1", "user:ann"]
    delays = [throttle.failed(keys, float(n)) for n in range(POLICY.block_after - 1)]
    assert delays[0] == 0.0 and delays[1] == 0.1 and delays[2] == 0.2
    assert delays == sorted(delays) and max(delays) == POLICY.max_delay
    assert throttle.blocked(keys, 10.0) == 0.0
    throttle.failed(keys, 10.0)
    assert throttle.blocked(keys, 10.0) == POLICY.block_seconds
    assert [key for key, _ in throttle.blocks] == keys
    assert throttle.blocked(["user:bob"], 10.0) == 0.0  # others are not affected
    assert throttle.blocked(keys, 10.0 + POLICY.block_seconds) == 0.0


def test_old_failures_fall_out_of_the_window_and_success_clears_the_name() -> None:
    throttle = LoginThrottle()
    for n in range(POLICY.block_after - 1):
        throttle.failed(["user:ann"], float(n))
    throttle.failed(["user:ann"], POLICY.window + 100.0)  # the earlier ones are forgotten
    assert throttle.blocked(["user:ann"], POLICY.window + 100.0) == 0.0
    throttle.succeeded("user:ann", POLICY.window + 101.0)
    assert throttle.failed(["user:ann"], POLICY.window + 101.0) == 0.0


def test_a_success_does_not_lift_a_block_in_force() -> None:
    """The owner signing in from a trusted address must not hand the guesser fresh tries."""
    throttle = LoginThrottle(ThrottlePolicy(block_after=3, block_seconds=60.0))
    for n in range(3):
        throttle.failed(["user:ann"], float(n))
    throttle.succeeded("user:ann", 5.0)
    assert throttle.blocked(["user:ann"], 5.0) == 57.0
    throttle.succeeded("user:ann", 70.0)
    assert throttle.blocked(["user:ann"], 70.0) == 0.0


def test_the_policy_sets_the_figures() -> None:
    throttle = LoginThrottle(ThrottlePolicy(block_after=2, block_seconds=5.0, max_delay=0.0))
    assert throttle.failed(["ip:a"], 0.0) == 0.0
    assert throttle.failed(["ip:a"], 1.0) == 0.0  # no delay at max_delay 0
    assert throttle.blocked(["ip:a"], 1.0) == 5.0


def test_memory_stays_bounded() -> None:
    throttle = LoginThrottle(ThrottlePolicy(max_keys=100))
    for n in range(1_000):
        throttle.failed([f"ip:{n}"], 0.0)
    assert len(throttle._entries) == 100
