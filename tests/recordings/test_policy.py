"""The recording manager's pure rules: deletion dates, keep and release, the SQL bounds that
stand for them, keys, download names, the upload's backoff and HTTP byte ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helin.recordings import policy
from helin.recordings.ranges import ByteRange, Unsatisfiable, parse_range

MADE = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def test_a_recording_goes_after_the_tenants_retention() -> None:
    assert policy.deletion_date(MADE, 30, keep=False, released_at=None) == MADE + timedelta(30)
    assert policy.deletion_date(MADE, 60, keep=False, released_at=None) == MADE + timedelta(60)
    assert policy.deletion_date(MADE, None, keep=False, released_at=None) == MADE + timedelta(30)


def test_a_kept_recording_has_no_deletion_date() -> None:
    assert policy.deletion_date(MADE, 30, keep=True, released_at=None) is None
    later = MADE + timedelta(days=400)
    assert not policy.is_expired(MADE, 30, keep=True, released_at=None, now=later)


def test_unkeeping_brings_back_the_normal_end_or_seven_days_if_later() -> None:
    early = MADE + timedelta(days=3)  # normal end (day 30) is later than day 10
    assert policy.deletion_date(MADE, 30, keep=False, released_at=early) == MADE + timedelta(30)
    late = MADE + timedelta(days=50)  # normal end passed: 7 days from the release
    assert policy.deletion_date(MADE, 30, keep=False, released_at=late) == late + timedelta(7)


def test_expiry_is_at_the_deletion_date_not_before() -> None:
    end = MADE + timedelta(days=30)
    assert not policy.is_expired(MADE, 30, keep=False, released_at=None, now=end - timedelta(1))
    assert policy.is_expired(MADE, 30, keep=False, released_at=None, now=end)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(
    made=moments,
    released=st.one_of(st.none(), moments),
    now=moments,
    days=st.sampled_from([30, 60]),
)
def test_the_sql_bounds_say_exactly_what_is_expired(
    made: datetime, released: datetime | None, now: datetime, days: int
) -> None:
    bounds = policy.cutoffs(days, now)
    by_bounds = made <= bounds.made_by and (released is None or released <= bounds.released_by)
    assert by_bounds == policy.is_expired(made, days, keep=False, released_at=released, now=now)


def test_object_keys_are_per_tenant_and_day_and_safe() -> None:
    key = policy.object_key(7, MADE, "a1b2@10.0.0.1/../x", "flac")
    assert key == "7/2026/11/01/a1b2-10.0.0.1-..-x.flac"
    assert ".." not in key.split("/")


def test_download_names_say_group_time_and_caller() -> None:
    name = policy.download_name("Klienditugi / Õhtu", MADE, "+372 555 0001", "flac")
    assert name == "Klienditugi-Ohtu_2026-11-01_09-30-00_+372-555-0001.flac"
    assert policy.download_name(None, MADE, "", "wav") == (
        "recording_2026-11-01_09-30-00_unknown.wav"
    )


def test_backoff_doubles_from_five_seconds_to_fifteen_minutes() -> None:
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert policy.backoff(30) == 900.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99, 1000)),
        ("bytes=900-", ByteRange(900, 999, 1000)),
        ("bytes=-100", ByteRange(900, 999, 1000)),
        ("bytes=990-2000", ByteRange(990, 999, 1000)),
        ("bytes=0-1,5-9", None),
        ("items=0-9", None),
        ("bytes=9-1", None),
        ("bytes=abc", None),
    ],
)
def test_byte_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


def test_a_range_past_the_end_is_unsatisfiable() -> None:
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=1000-", 1000)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-0", 1000)
    assert ByteRange(10, 19, 1000).content_range == "bytes 10-19/1000"
