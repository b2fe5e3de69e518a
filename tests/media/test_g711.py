"""G.711 against the reference algorithm (Python's audioop implements ITU-T/Sun g711.c)."""

from __future__ import annotations

import array
import warnings

import pytest

from helin.media import g711

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_SAMPLES = array.array("h", range(-32768, 32768)).tobytes()
ALL_CODES = bytes(range(256))


@pytest.mark.parametrize(
    ("law", "encode", "decode"),
    [
        (g711.PCMU, audioop.lin2ulaw, audioop.ulaw2lin),
        (g711.PCMA, audioop.lin2alaw, audioop.alaw2lin),
    ],
)
def test_every_sample_and_code_matches_the_reference(law, encode, decode):
    assert g711.encode(ALL_SAMPLES, law) == encode(ALL_SAMPLES, 2)
    assert g711.decode(ALL_CODES, law) == decode(ALL_CODES, 2)


def test_known_values() -> None:
    assert g711.ulaw_from_linear(0) == 0xFF
    assert g711.alaw_from_linear(0) == 0xD5
    assert g711.ulaw_from_linear(32767) == 0x80
    assert g711.ulaw_from_linear(-32768) == 0x00
    assert g711.linear_from_ulaw(0x80) == 32124
    assert g711.linear_from_alaw(0xAA) == 32256
    assert g711.SILENCE == {g711.PCMU: 0xFF, g711.PCMA: 0xD5}


def test_transcoding_tables_equal_decode_then_encode() -> None:
    ulaw = ALL_CODES
    alaw = g711.encode(g711.decode(ulaw, g711.PCMU), g711.PCMA)
    assert ulaw.translate(g711.ULAW_TO_ALAW) == alaw
    assert g711.transcode_table(g711.PCMU, g711.PCMU) is None
    assert g711.transcode_table(g711.PCMA, g711.PCMU) is g711.ALAW_TO_ULAW


def test_round_trip_is_stable() -> None:
    for law in (g711.PCMU, g711.PCMA):
        once = g711.decode(ALL_CODES, law)
        assert g711.decode(g711.encode(once, law), law) == once
