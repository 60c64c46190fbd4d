"""Sizing: agrees with Erlang C, monotone, and its answers hold on fresh days."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from simulation import Scenario, build_stations, load_scenario, parse_scenario
from simulation.plan import Hardware
from simulation.queueing import erlang_c
from simulation.sizing import SizingRequest, bands, recheck, size_band, size_stations
from simulation.targets import TargetError, parse_target
from tests.simulation.conftest import AZERBAIJAN, SMOKE
from tests.simulation.single_stage import single_stage_scenario

SCAN_S = 60.0
TARGET_MIN = 2.0


def erlang_smallest_c(arrivals_per_s: float) -> int:
    """Smallest c with P(W > target) <= 5 % in M/M/c, straight from the formula."""
    c = 1
    while True:
        load = arrivals_per_s * SCAN_S
        if load < c:
            tail = erlang_c(c, load) * math.exp(-(c / SCAN_S - arrivals_per_s) * TARGET_MIN * 60)
            if tail <= 0.05:
                return c
        c += 1


@pytest.mark.slow
@pytest.mark.parametrize("voters_per_h", [20, 40, 90, 200])
def test_single_stage_recommendation_equals_erlang_c(voters_per_h: int) -> None:
    scenario = single_stage_scenario(
        terminals=1, arrivals_per_s=voters_per_h / 3600, scan_mean_s=SCAN_S, stations=1
    )
    request = SizingRequest(
        targets=(parse_target(f"p95_wait_min <= {TARGET_MIN}"),),
        confidence=0.5,
        replications=6,
        resources=("terminals",),
    )
    answer = size_band(scenario, build_stations(scenario), [0], request)
    assert answer.hardware.terminals == erlang_smallest_c(voters_per_h / 3600)


def _one_station_scenario(registered: int) -> Scenario:
    data = tomllib.loads(SMOKE.read_text())
    group = data["station_groups"][0]
    group.update(count=1, registered={"kind": "fixed", "value": registered}, registered_max=1500)
    data["station_groups"] = [group]
    data["central"]["outages"] = []
    # Without terminal failures the load alone decides (one failure otherwise dominates).
    data["failures"] = {}
    return parse_scenario(data)


@pytest.mark.slow
def test_more_voters_never_need_fewer_terminals() -> None:
    request = SizingRequest(
        targets=(parse_target("p95_wait_min <= 5"),),
        replications=10,
        resources=("terminals",),
    )
    needed = []
    for registered in (200, 600, 1000, 1500):
        scenario = _one_station_scenario(registered)
        needed.append(
            size_band(scenario, build_stations(scenario), [0], request).hardware.terminals
        )
    assert needed == sorted(needed), needed
    assert needed[-1] > needed[0]


@pytest.mark.slow
def test_looser_target_never_needs_more() -> None:
    scenario = _one_station_scenario(1200)
    stations = build_stations(scenario)
    needed = []
    for minutes in (2, 10, 30, 60):
        request = SizingRequest(
            targets=(parse_target(f"p95_wait_min <= {minutes}"),),
            replications=10,
            resources=("terminals", "booths"),
        )
        hw = size_band(scenario, stations, [0], request).hardware
        needed.append((hw.terminals, hw.booths))
    assert [n[0] for n in needed] == sorted((n[0] for n in needed), reverse=True), needed
    assert [n[1] for n in needed] == sorted((n[1] for n in needed), reverse=True), needed


def test_same_answer_whatever_the_worker_count() -> None:
    scenario = load_scenario(SMOKE)
    request = SizingRequest(targets=(parse_target("p95_wait_min <= 30"),), replications=4)
    one = size_stations(scenario, request, workers=1)
    two = size_stations(scenario, request, workers=2)
    assert [(a.stations, a.hardware, a.final.p95_wait_min) for a in one] == [
        (a.stations, a.hardware, a.final.p95_wait_min) for a in two
    ]


def test_bands_group_stations_by_group_and_size() -> None:
    stations = build_stations(load_scenario(SMOKE))
    groups = bands(stations, 50)
    assert sorted(s for band in groups for s in band) == list(range(len(stations)))
    for band in groups:
        assert len({int(stations.group[s]) for s in band}) == 1
        assert len({int(stations.registered[s]) // 50 for s in band}) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95_wait <= 30", "unknown metric"),
        ("p95_wait_min = 30", "not 'metric op value'"),
        ("p95_wait_min <= thirty", "is not a number"),
        ("p95_wait_min <= inf", "must be finite"),
    ],
)
def test_bad_targets_say_how_to_write_one(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(text)


@pytest.mark.slow
def test_azerbaijan_recommendations_hold_on_fresh_days() -> None:
    """Sample of stations: sized, then re-simulated with another seed."""
    scenario = load_scenario(AZERBAIJAN)
    stations = build_stations(scenario)
    sample = list(range(0, len(stations), 97))  # 68 stations across every group
    request = SizingRequest(
        targets=(parse_target("p95_wait_min <= 30"),),
        replications=10,
        resources=("terminals", "booths"),
    )
    answers = size_stations(scenario, request, workers=2, station_indices=sample)
    fresh = SizingRequest(targets=request.targets, replications=10, resources=request.resources)
    shares = [
        recheck(scenario, stations, s, a.hardware, fresh, seed=987_654)
        for a in answers
        for s in a.stations
    ]
    assert len(shares) == len(sample)
    # Each day meets the target with probability >= 0.95; allow binomial noise on the mean.
    n_days = len(shares) * 10
    assert np.mean(shares) >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / n_days), np.mean(shares)
    assert min(shares) >= 0.6
    assert all(isinstance(a.hardware, Hardware) for a in answers)
