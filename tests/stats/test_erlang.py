"""Erlang C: published vectors, numerical stability, staffing search, input errors, CLI."""

from __future__ import annotations

import json
import math

import pytest

from helin.cli import main
from helin.stats.erlang import (
    asa,
    erlang_b,
    erlang_c,
    erlang_report,
    fewest_agents,
    figures,
    occupancy,
    service_level,
    traffic_intensity,
)


def test_vector_40_agents() -> None:
    result = figures(calls_per_hour=1000, aht=120, threshold=20, agents=40)
    assert round(result.p_wait, 4) == 0.1907
    assert round(result.asa_seconds, 2) == 3.43
    assert round(result.service_level, 4) == 0.9372
    assert round(result.occupancy, 4) == 0.8333


def test_vector_35_agents() -> None:
    assert round(service_level(calls_per_hour=1000, aht=120, threshold=20, agents=35), 4) == 0.4724


def test_single_functions_agree_with_figures() -> None:
    result = figures(calls_per_hour=1000, aht=120, threshold=20, agents=40)
    assert asa(calls_per_hour=1000, aht=120, agents=40) == pytest.approx(result.asa_seconds)
    assert occupancy(calls_per_hour=1000, aht=120, agents=40) == pytest.approx(result.occupancy)


def test_erlang_b_small_closed_form() -> None:
    # B(A, 1) = A / (1 + A); B(A, 2) = (A^2/2) / (1 + A + A^2/2).
    assert erlang_b(2.0, 1) == pytest.approx(2 / 3)
    assert erlang_b(2.0, 2) == pytest.approx(2 / 5)
    assert erlang_b(2.0, 0) == 1.0


def test_erlang_c_mm1_is_rho() -> None:
    # For one server the probability of waiting equals the utilisation.
    assert erlang_c(0.7, 1) == pytest.approx(0.7)


def test_erlang_c_matches_factorial_formula_for_moderate_sizes() -> None:
    traffic, agents = 8.0, 10
    terms = sum(traffic**k / math.factorial(k) for k in range(agents))
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    assert erlang_c(traffic, agents) == pytest.approx(top / (terms + top))


def test_hundreds_and_thousands_of_agents_do_not_overflow() -> None:
    # 900 Erlangs: 170! alone overflows a float; the recurrence must not.
    result = figures(calls_per_hour=27_000, aht=120, threshold=20, agents=930)
    assert 0.0 < result.p_wait < 1.0
    assert 0.0 < result.service_level < 1.0
    big = fewest_agents(calls_per_hour=300_000, aht=180, threshold=20, target=0.8)
    assert 15_000 < big.agents < 15_200
    assert big.service_level >= 0.8


def test_threshold_zero_gives_one_minus_p_wait() -> None:
    result = figures(calls_per_hour=1000, aht=120, threshold=0, agents=40)
    assert result.service_level == pytest.approx(1 - result.p_wait)


def test_fewest_agents_is_minimal() -> None:
    best = fewest_agents(calls_per_hour=1000, aht=120, threshold=20, target=0.8)
    assert best.agents == 38
    assert best.service_level >= 0.8
    fewer = figures(calls_per_hour=1000, aht=120, threshold=20, agents=best.agents - 1)
    assert fewer.service_level < 0.8


def test_fewest_agents_light_traffic() -> None:
    # 0.1 Erlang: one agent is already enough for 80 % in 20 s.
    assert fewest_agents(calls_per_hour=3, aht=120, threshold=20, target=0.8).agents == 1


def test_report_shape() -> None:
    report = erlang_report(calls_per_hour=1000, aht=120, threshold=20, target=0.8, agents=35)
    assert report["agents"] == 38
    assert report["traffic_erlangs"] == pytest.approx(1000 * 120 / 3600)
    assert set(report["given"]) == {
        "agents",
        "p_wait",
        "asa_seconds",
        "service_level",
        "occupancy",
    }
    assert report["given"]["agents"] == 35
    assert round(report["given"]["service_level"], 4) == 0.4724
    assert "given" not in erlang_report(calls_per_hour=1000, aht=120, threshold=20, target=0.8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calls_per_hour": 0}, "calls_per_hour must be a positive"),
        ({"calls_per_hour": -5}, "calls_per_hour must be a positive"),
        ({"calls_per_hour": math.nan}, "calls_per_hour must be a positive"),
        ({"aht": 0}, "aht must be a positive"),
        ({"threshold": -1}, "threshold must be"),
        ({"target": 0}, "target must be strictly between 0 and 1"),
        ({"target": 1}, "target must be strictly between 0 and 1"),
        ({"target": 1.5}, "target must be strictly between 0 and 1"),
        ({"agents": 33}, "unstable"),
        ({"agents": 0}, "unstable"),
    ],
)
def test_report_rejects_bad_input(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {
        "calls_per_hour": 1000,
        "aht": 120,
        "threshold": 20,
        "target": 0.8,
    }
    args.update(kwargs)
    agents = args.pop("agents", None)
    with pytest.raises(ValueError, match=message):
        erlang_report(
            calls_per_hour=args["calls_per_hour"],
            aht=args["aht"],
            threshold=args["threshold"],
            target=args["target"],
            agents=None if agents is None else int(agents),
        )


def test_exactly_saturated_is_unstable() -> None:
    # 1200 calls/h x 120 s = exactly 40 Erlangs.
    assert traffic_intensity(1200, 120) == pytest.approx(40)
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(40.0, 40)


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["erlang", "--calls-per-hour", "1000", "--aht", "120", "--agents", "40", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agents"] == 38
    assert out["target"] == 0.8
    assert out["threshold"] == 20.0
    given = out["given"]
    assert round(given["p_wait"], 4) == 0.1907
    assert round(given["asa_seconds"], 2) == 3.43
    assert round(given["service_level"], 4) == 0.9372
    assert round(given["occupancy"], 4) == 0.8333


def test_cli_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erlang", "--calls-per-hour", "1000", "--aht", "120"]) == 0
    out = capsys.readouterr().out
    assert "agents: 38" in out


def test_cli_unstable_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["erlang", "--calls-per-hour", "1000", "--aht", "120", "--agents", "30"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("helin erlang: ")
    assert "unstable" in err
