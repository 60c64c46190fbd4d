"""The streamed national run: the same figures whatever the chunking and workers, and the
same as adding up every station's own result in memory."""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import pytest

from simulation import RunOptions, Scenario, build_stations, national_summary, parse_scenario
from simulation.national.aggregate import COUNT_KEYS
from simulation.national.runner import NationalResult, simulate, simulate_station
from simulation.outputs.histogram import RELATIVE_ERROR
from simulation.station.metrics import StationResult
from tests.simulation.conftest import SMOKE


def _scenario(stations: int = 40, replications: int = 2, weight: float = 3.0) -> Scenario:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data["station_groups"][0]["count"] = stations
    data["station_groups"][0]["weight"] = weight
    data["election"]["replications"] = replications
    return parse_scenario(data)


def _timeless(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "wall_s"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return _scenario()


@pytest.fixture(scope="module")
def reference(scenario: Scenario) -> NationalResult:
    return simulate(scenario, workers=1)


@pytest.mark.parametrize("chunk", [1, 5, 1000])
def test_any_chunk_size_gives_the_same_day(scenario: Scenario, reference: NationalResult,
                                           chunk: int) -> None:
    other = simulate(scenario, workers=1, options=RunOptions(chunk_stations=chunk))
    assert _timeless(national_summary(other)) == _timeless(national_summary(reference))
    assert other.station_rows == reference.station_rows
    assert np.array_equal(other.schedule, reference.schedule)
    assert np.array_equal(other.queue_bins, reference.queue_bins)
    assert len(other.chunk_pids) == math.ceil(46 / chunk)


def test_two_workers_with_small_chunks_give_the_same_day(scenario: Scenario,
                                                          reference: NationalResult) -> None:
    other = simulate(scenario, workers=2, options=RunOptions(chunk_stations=3))
    assert len(set(other.chunk_pids)) == 2  # both really ran chunks
    assert _timeless(national_summary(other)) == _timeless(national_summary(reference))
    assert np.array_equal(other.schedule, reference.schedule)


def _every_station(scenario: Scenario) -> list[list[StationResult]]:
    """Each station's own result, every replication, held in memory (the old way)."""
    stations = build_stations(scenario)
    return [[simulate_station(scenario, stations, s, replication=r, seed=scenario.election.seed)
             for s in range(len(stations))] for r in range(scenario.election.replications)]


def test_streamed_aggregates_equal_the_in_memory_figures(scenario: Scenario,
                                                         reference: NationalResult) -> None:
    days = _every_station(scenario)
    summary = national_summary(reference)
    reps = len(days)
    for key in COUNT_KEYS:  # exact counts, averaged over the replications
        assert summary[key] == pytest.approx(
            sum(int(r.row[key]) for day in days for r in day) / reps, abs=0.05), key
    waits = np.concatenate([r.waits_min for day in days for r in day]).astype(np.float64)
    assert summary["wait_min"]["mean"] == pytest.approx(waits.mean(), abs=1e-3)
    assert summary["wait_min"]["max"] == pytest.approx(waits.max(), abs=1e-3)
    for q in (50, 95, 99):
        assert summary["wait_min"][f"p{q}"] == pytest.approx(
            np.percentile(waits, q), rel=RELATIVE_ERROR, abs=1e-3), q
    assert summary["share_voters_waiting_over_30_min"] == round(float(np.mean(waits > 30)), 5)
    minutes = np.bincount(np.concatenate([r.checkin_minute for r in days[0]]))
    assert summary["checkins_per_minute"]["peak"] == minutes.max()
    by_hour = np.mean([np.sum([r.checkins_by_hour for r in day], axis=0) for day in days], 0)
    registered = sum(int(r.row["registered"]) for r in days[0])
    assert [h["cumulative_turnout"] for h in summary["turnout_by_hour"]] == [
        round(v / registered, 5) for v in by_hour.tolist()]
    after = np.array([r.protocol_after_close_s for r in days[0]])
    hours = min(math.ceil(np.nanmax(after) / 3600), 72)
    assert summary["protocols_uploaded_by_hour_after_close"] == [
        round(float(np.mean(after <= 3600 * h)), 5) for h in range(1, hours + 1)]
    assert summary["schedule_events"] == sum(len(r.rows) for r in days[0])
    p95 = np.mean([[float(r.row["wait_p95_min"]) for r in day] for day in days], axis=0)
    standard = summary["standard"]
    # A station fails a part when it fails on more than 5 % of its days (any one of these).
    failing = sum(1 for k in range(len(days[0]))
                  if any(str(day[k].row["standard_failed"]) for day in days))
    assert standard["stations_failing"] == failing
    assert standard["worst_station_p95_wait_min"] == round(float(p95.max()), 3)


def test_weighted_counts_weigh_each_group(scenario: Scenario, reference: NationalResult) -> None:
    days = _every_station(scenario)
    summary = national_summary(reference)
    w = {"online": 3.0}
    voted = [sum(w.get(str(r.row["group"]), 1.0) * int(r.row["voted"]) for r in day)
             for day in days]
    assert summary["weighted"]["voted"] == round(float(np.mean(voted)), 1)
    assert summary["weighted"]["stations"] == 3.0 * 40 + 6
