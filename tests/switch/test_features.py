"""Feature codes and the present-a-group prefix (pure parsing)."""

from __future__ import annotations

import pytest

from helin.switch.calls.features import Feature, FeatureCode, PresentGroup, UnknownCode, parse


@pytest.mark.parametrize(
    ("dialled", "expected"),
    [
        ("*40", FeatureCode(feature=Feature.LOG_IN)),
        ("*4012", FeatureCode(feature=Feature.LOG_IN, group_id="12")),
        ("*41", FeatureCode(feature=Feature.LOG_OUT)),
        ("*413", FeatureCode(feature=Feature.LOG_OUT, group_id="3")),
        ("*421", FeatureCode(feature=Feature.PAUSE_ON, reason_code=1)),
        ("*4299", FeatureCode(feature=Feature.PAUSE_ON, reason_code=99)),
        ("*43", FeatureCode(feature=Feature.PAUSE_OFF)),
        ("*78", FeatureCode(feature=Feature.DND_ON)),
        ("*79", FeatureCode(feature=Feature.DND_OFF)),
        ("*82*+3728000000", PresentGroup(group_id="2", number="+3728000000")),
        ("*815*5551234", PresentGroup(group_id="15", number="5551234")),
        ("+3728000000", None),
        ("5551234", None),
    ],
)
def test_what_a_dialled_string_asks_for(dialled: str, expected: object) -> None:
    assert parse(dialled) == expected


@pytest.mark.parametrize(
    "dialled",
    [
        "*",
        "*4",
        "*42",
        "*420",
        "*4201",
        "*42100",
        "*431",
        "*44",
        "*6",
        "*60",
        "*6100",
        "*781",
        "*79x",
        "*8*123",
        "*82*",
        "*99",
    ],
)
def test_other_star_codes_are_unknown(dialled: str) -> None:
    with pytest.raises(UnknownCode):
        parse(dialled)
