"""Numbers to groups and users, and the number a call out presents."""

from __future__ import annotations

import pytest

from helin.directory import GroupEntry, UserEntry
from helin.switch.calls.numbers import Directory, normalise

SUPPORT = GroupEntry(id="1", name="Support", tenant_id="1", numbers=("+3726000100",), record=True)
SALES = GroupEntry(id="2", name="Sales", tenant_id="1", numbers=("+3726000200",), record=True)
OTHER = GroupEntry(id="3", name="Other", tenant_id="2", numbers=("+3726000300",), record=False)


def user(presented: str | None = None, groups: tuple[str, ...] = ("1",)) -> UserEntry:
    return UserEntry(
        id="7",
        name="Ann",
        tenant_id="1",
        numbers=("+3725000007",),
        groups=groups,
        presented_number=presented,
        record=True,
    )


@pytest.mark.parametrize(
    ("typed", "number"),
    [("+372 600-0100", "+3726000100"), ("00372 6000100", "+3726000100"), ("*40", "*40")],
)
def test_numbers_are_compared_without_separators(typed: str, number: str) -> None:
    assert normalise(typed) == number


def test_owners_of_numbers() -> None:
    ann = user()
    directory = Directory([SUPPORT, SALES], [ann])
    assert directory.owner("+372 6000 100") is SUPPORT
    assert directory.owner("+3725000007") is ann
    assert directory.owner("+3720000000") is None


def test_a_call_out_presents_the_setting_the_prefix_or_the_own_number() -> None:
    directory = Directory([SUPPORT, SALES, OTHER], [])
    assert directory.presented(user("+3726000100")) == ("+3726000100", SUPPORT)
    assert directory.presented(user()) == ("+3725000007", None)
    # the prefix picks one of the user's groups for one call
    assert directory.presented(user(groups=("1", "2")), "2") == ("+3726000200", SALES)
    # a group the user is not an agent of is never presented
    assert directory.presented(user(), "2") == ("+3725000007", None)
    assert directory.presented(user("+3726000300")) == ("+3725000007", None)
