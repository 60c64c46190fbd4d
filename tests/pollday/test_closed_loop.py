"""The closed loop re-simulates with the latency the target really had, and the replay cuts
events after the scenario's window: the pieces of ``pollday run`` tested on their own."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pollday.run.closed_loop import close_the_loop, measured_latency
from pollday.run.pipeline import replay_window
from simulation import (
    SCHEDULE_DTYPE,
    RunOptions,
    Scenario,
    load_scenario,
    national_summary,
    parse_scenario,
    simulate,
)

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"


@pytest.fixture(scope="module")
def fixed_latency() -> Scenario:
    # The smoke day with a fixed 0.1 s check-in call, no outage and room for slow answers:
    # the measured latency is then the only thing the re-simulation changes.
    data = tomllib.loads(SMOKE.read_text())
    data["central"] = {"latency_s": {"kind": "fixed", "value": 0.1}, "timeout_s": 60,
                       "retries": 0}
    return parse_scenario(data)


def _loop(scenario: Scenario, latency_ms: float) -> dict[str, Any]:
    assumed = national_summary(simulate(scenario, options=RunOptions(seed=42), workers=1))
    loadtest = {"checkin_latency_ms": {"count": 99, "values_ms": [latency_ms] * 99}}
    return close_the_loop(scenario, assumed, loadtest, workers=1, seed=42).model_dump()


def test_the_resimulation_uses_the_measured_latency(fixed_latency: Scenario) -> None:
    same = _loop(fixed_latency, 100.0)  # measured = assumed: the same day, figure for figure
    assert same["measured_latency_mean_s"] == same["assumed_latency_mean_s"] == 0.1
    assert same["with_measured_latency"] == same["assumed"]
    slow = _loop(fixed_latency, 20_000.0)  # 20 s per online check-in holds the terminal
    assert slow["measured_latency_mean_s"] == 20.0
    assumed, measured = slow["assumed"], slow["with_measured_latency"]
    assert assumed == same["assumed"]
    # Measured here (time in line over the whole visit): national p95 1.089 -> 1.401 min; a
    # loop that ignored the measurement would give the assumed figures exactly.
    assert measured["national_p95_wait_min"] > 1.2 * assumed["national_p95_wait_min"]
    assert measured["mean_wait_min"] > 1.1 * assumed["mean_wait_min"]
    assert measured["worst_station_p95_wait_min"] > assumed["worst_station_p95_wait_min"]


def test_no_measurement_no_loop() -> None:
    assert measured_latency({}) is None
    assert measured_latency({"checkin_latency_ms": {"count": 0, "values_ms": [5.0]}}) is None
    latency = measured_latency({"checkin_latency_ms": {"count": 3, "values_ms": [None, 2.0,
                                                                                 -1.0, 4.0]}})
    assert latency is not None and latency.values == [0.002, 0.0, 0.004]


def test_replay_window_cuts_events_after_each_stations_own_window() -> None:
    scenario = load_scenario(SMOKE)
    scenario = scenario.model_copy(update={"loadtest": scenario.loadtest.model_copy(
        update={"replay_until_h_after_close": 1.0})})
    day_s = scenario.election.day_s
    open_offset_s = np.array([0.0, 3600.0])  # station 1 opens (and closes) an hour later
    rows = np.zeros(5, dtype=SCHEDULE_DTYPE)
    rows["station"] = [0, 0, 1, 1, 0]
    rows["time_s"] = [day_s + 3600, day_s + 3601, day_s + 3601, day_s + 7201, 10.0]
    rows["voter"] = np.arange(5)
    kept, cut = replay_window(scenario, rows, open_offset_s)
    assert cut == 2
    assert kept["voter"].tolist() == [0, 2, 4]  # in order; the window's end is kept
    none_cut, zero = replay_window(scenario, rows[[0, 2, 4]], open_offset_s)
    assert zero == 0 and len(none_cut) == 3
