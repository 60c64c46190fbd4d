"""summary.json's figures recomputed from what each station's engine did, person by person.

The raw outcomes come from ``plan_station`` + ``run_station`` directly, not through the
per-station summaries the national figures are built from, so a slip in either layer shows.
"""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pytest

from simulation import (
    Scenario,
    Status,
    build_stations,
    national_summary,
    parse_scenario,
    plan_station,
    run_station,
    simulate,
)
from simulation.outputs.histogram import RELATIVE_ERROR
from simulation.scenario.model import minutes_of_day
from simulation.station.input import StationOutcome
from simulation.station.plan import StationPlan
from simulation.station.waits import stage_waits
from tests.simulation.conftest import SMOKE

Day = list[tuple[StationPlan, StationOutcome]]


def _scenario(replications: int = 1) -> Scenario:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    # Frequent failures of the single terminals: some stations' p95 wait passes 30 minutes
    # (6 of 20 with this seed), so the over-30 figures are not trivially zero.
    data["failures"]["mtbf_h"] = 8
    # Abroad stations east of home (UTC+6 vs +4): they open first, so global time 0 is not
    # the home opening and the peak's clock time needs the offsets.
    data["station_groups"][2]["utc_offset_h"] = 6
    data["election"]["replications"] = replications
    return parse_scenario(data)


def _raw_day(scenario: Scenario, replication: int = 0) -> Day:
    stations = build_stations(scenario)
    day = []
    for s in range(len(stations)):
        plan = plan_station(scenario, stations, s, replication=replication)
        day.append((plan, run_station(plan.input)))
    return day


def _waits_min(plan: StationPlan, out: StationOutcome) -> np.ndarray[Any, Any]:
    """Each voter's time in line over every stage (the standard's wait), from the stages."""
    _, per_stage = stage_waits(plan, out)
    through = ~np.isnan(out.exit_s) | ~np.isnan(out.checkin_end_s)
    waits: np.ndarray[Any, Any] = np.nansum(per_stage, axis=1)[through] / 60
    return waits


def _voted(day: Day) -> int:
    return sum(int((out.status == Status.VOTED).sum()) for _, out in day)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return _scenario()


@pytest.fixture(scope="module")
def summary(scenario: Scenario) -> dict[str, Any]:
    return national_summary(simulate(scenario, workers=1))


@pytest.fixture(scope="module")
def day(scenario: Scenario) -> Day:
    return _raw_day(scenario)


def test_turnout_is_voted_over_registered(
    scenario: Scenario, summary: dict[str, Any], day: Day
) -> None:
    registered = int(build_stations(scenario).registered.sum())
    voted = _voted(day)
    assert (summary["registered"], summary["voted"]) == (registered, voted)
    assert summary["turnout"] == round(voted / registered, 5)
    assert 0.6 < summary["turnout"] < 0.75  # smoke's 70 % turnout, less the lost votes


def test_wait_quantiles_are_those_of_everyone_who_reached_a_terminal(
    summary: dict[str, Any], day: Day
) -> None:
    waits = np.concatenate([_waits_min(plan, out) for plan, out in day])
    p50, p95, p99 = np.percentile(waits, [50, 95, 99])
    got = summary["wait_min"]
    # The summary rounds to 3 decimals from float32 waits; the mean and maximum are exact.
    assert got["mean"] == pytest.approx(waits.mean(), abs=2e-3)
    assert got["max"] == pytest.approx(waits.max(), abs=2e-3)
    # Percentiles come from the histogram: within its stated relative error of numpy's.
    for name, exact in (("p50", p50), ("p95", p95), ("p99", p99)):
        assert got[name] == pytest.approx(exact, rel=RELATIVE_ERROR, abs=2e-3), name
    assert summary["wait_min"]["p95"] > 5  # the failures make the tail non-trivial


def test_share_of_voters_waiting_over_30_min(summary: dict[str, Any], day: Day) -> None:
    waits = np.concatenate([_waits_min(plan, out) for plan, out in day])
    over = int((waits > 30).sum())
    assert over > 0
    assert summary["share_voters_waiting_over_30_min"] == round(over / len(waits), 5)


def test_stations_failing_the_wait_part(summary: dict[str, Any], day: Day) -> None:
    p95s = [float(np.percentile(_waits_min(plan, out), 95)) for plan, out in day]
    over = sum(p > 30 for p in p95s)
    assert summary["standard"]["failing_by_part"].get("wait", 0) == over


def test_checkin_peak_is_counted_nationally_and_told_in_home_local_time(
    scenario: Scenario, summary: dict[str, Any], day: Day
) -> None:
    stations = build_stations(scenario)
    home_offset_min = round(scenario.election.utc_offset_h * 60)
    opening_min = minutes_of_day(scenario.election.opening)
    minutes = []
    for s, (_plan, out) in enumerate(day):
        checkin_s = out.checkin_end_s[out.status == Status.VOTED]
        # Station local clock -> UTC -> home local clock, in whole minutes.
        shift_min = home_offset_min - int(stations.utc_offset_min[s])
        minutes.append(np.floor(opening_min + shift_min + checkin_s / 60).astype(np.int64))
    all_minutes = np.concatenate(minutes)
    assert all_minutes.min() < opening_min  # the abroad stations check in from 06:00 home time
    values, counts = np.unique(all_minutes, return_counts=True)
    peak_minute = int(values[np.argmax(counts)])  # the earliest minute among ties
    expected_time = f"{peak_minute // 60 % 24:02d}:{peak_minute % 60:02d}"
    assert summary["checkins_per_minute"] == {"peak": int(counts.max()), "peak_time": expected_time}
    assert summary["checkins_per_minute"]["peak"] > 20  # the opening queues at home


def test_counts_are_means_over_replications() -> None:
    scenario = _scenario(replications=2)
    summary = national_summary(simulate(scenario, workers=1))
    voted = [_voted(_raw_day(scenario, r)) for r in range(2)]
    assert voted[0] != voted[1]
    assert summary["voted"] == round(sum(voted) / 2, 1)
    registered = int(build_stations(scenario).registered.sum())
    assert summary["turnout"] == round(summary["voted"] / registered, 5)
