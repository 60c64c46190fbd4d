"""Modality chains and voter groups: drawn shares against their closed forms, and the Rio
de Janeiro figures (88.4 % recognised by fingerprint, 1.74 attempts) matched together."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation import build_stations, plan_station
from simulation.station.identification import (
    draw_identification,
    end_probabilities,
    group_success,
    mean_attempts,
)
from tests.simulation.flow_scenarios import flow_scenario

FIXED_5: dict[str, Any] = {"kind": "fixed", "value": 5}
FLOW = [{"name": "id", "pool": "terminal", "kind": "identification"}]


def _chain_scenario(
    groups: list[dict[str, Any]], modalities: list[dict[str, Any]], fallback: str = "manual"
) -> Any:
    bio: dict[str, Any] = {"modalities": modalities, "fallback": fallback}
    if fallback == "manual":
        bio["manual_time_s"] = {"kind": "fixed", "value": 60}
    return flow_scenario(
        arrivals_per_s=0.02,
        stations=8,
        pools={"terminal": 50},
        flow=FLOW,
        biometrics=bio,
        voter_groups=groups,
    )


def test_share_ending_at_each_modality_matches_closed_form() -> None:
    modalities = [
        {
            "name": "fingerprint",
            "time_per_attempt_s": FIXED_5,
            "success_probability": 0.6,
            "max_attempts": 3,
        },
        {
            "name": "face",
            "time_per_attempt_s": FIXED_5,
            "success_probability": 0.5,
            "max_attempts": 2,
        },
        {
            "name": "id_search",
            "time_per_attempt_s": FIXED_5,
            "success_probability": 0.9,
            "max_attempts": 1,
        },
    ]
    groups = [{"name": "worn", "share": 0.3, "success_probability": {"fingerprint": 0.1}}]
    scenario = _chain_scenario(groups, modalities, fallback="refuse")
    shares, probs = group_success(scenario)
    tries = [m["max_attempts"] for m in modalities]
    expected = sum(
        s * np.array(end_probabilities(p, tries)) for s, p in zip(shares, probs, strict=True)
    )
    n = 100_000
    rng = np.random.default_rng(5)
    group = rng.choice(2, size=n, p=shares)
    ident = draw_identification(
        scenario.biometrics.chain, np.array(probs)[group], "refuse", None, rng=rng
    )
    ended = np.where(ident.ended < 0, 3, ident.ended)
    observed = np.bincount(ended, minlength=4) / n
    tolerance = 4 * np.sqrt(expected * (1 - expected) / n)
    print(observed, expected)
    assert (np.abs(observed - expected) < tolerance).all()
    assert (ident.ok == (ident.ended >= 0)).all()
    # Time at the unit is 5 s per attempt made: attempts say which modalities were tried.
    assert np.allclose(ident.scan_s, 5.0 * ident.attempts.sum(axis=1))


RIO_GROUPS = [
    {"name": "hard_to_read", "share": 0.151, "success_probability": {"fingerprint": 0.078}}
]
RIO_CHAIN = [
    {
        "name": "fingerprint",
        "time_per_attempt_s": FIXED_5,
        "success_probability": 0.70,
        "max_attempts": 4,
    }
]


def test_rio_recognition_and_attempts_are_both_matched() -> None:
    scenario = _chain_scenario(RIO_GROUPS, RIO_CHAIN)
    shares, probs = group_success(scenario)
    recognised = sum(s * end_probabilities(p, [4])[0] for s, p in zip(shares, probs, strict=True))
    attempts = sum(s * mean_attempts(p, [4])[0] for s, p in zip(shares, probs, strict=True))
    assert round(recognised, 3) == 0.884 and round(attempts, 2) == 1.74  # docs/model.md
    stations = build_stations(scenario)
    plans = [plan_station(scenario, stations, s) for s in range(len(stations))]
    ended = np.concatenate([p.ended for p in plans])
    tries = np.concatenate([p.attempts[:, 0] for p in plans])
    n = len(ended)
    share = float(np.mean(ended == 0))
    print(n, share, tries.mean())
    assert abs(share - 0.884) < 4 * np.sqrt(0.884 * 0.116 / n)
    assert abs(tries.mean() - 1.74) < 4 * tries.std() / np.sqrt(n)
    # Identical voters could not do it: p = 0.416 gives 88.4 % but 2.13 attempts.
    p_same = 1 - 0.116**0.25
    assert mean_attempts([p_same], [4])[0] > 2.1


def test_shipped_scenarios_have_no_warnings_and_brazil_matches_rio() -> None:
    from simulation import load_scenario
    from simulation.scenario.lint import scenario_warnings
    from tests.simulation.conftest import ROOT

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        assert scenario_warnings(load_scenario(path)) == [], path
    brazil = load_scenario(ROOT / "scenarios" / "brazil-2022.toml")
    shares, probs = group_success(brazil)
    recognised = sum(s * end_probabilities(p, [4])[0] for s, p in zip(shares, probs, strict=True))
    attempts = sum(s * mean_attempts(p, [4])[0] for s, p in zip(shares, probs, strict=True))
    assert (round(recognised, 3), round(attempts, 2)) == (0.884, 1.74)
    stations = build_stations(brazil)
    plan = plan_station(brazil, stations, 0)
    flow = plan.input.flow
    assert flow is not None and flow.pools == [("mesa", 1), ("urna", 1)]
    assert [s.keep_unit for s in flow.stages] == [False, True, False]
