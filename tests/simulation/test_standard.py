"""The standard judged station by station and part by part, recomputed from each station's
raw outcome, not from the per-station summaries; and threshold names that say which."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from loadtests.figures import of_group
from loadtests.figures.measured import day_figures
from loadtests.thresholds import parse_threshold
from pollday.scenario.file import parse_scenario
from simulation import ScenarioError, national_summary, simulate, station_code
from simulation.scenario.model import Standard
from simulation.standard import (
    DayMeasures,
    day_measures,
    failed_parts,
    lost_votes_allowed,
    verdict_line,
)
from simulation.station.waits import visit_waits_s
from tests.simulation.test_summary import _raw_day, _scenario


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return national_summary(simulate(_scenario(), workers=1))


def _failed(scenario: Any, replication: int = 0) -> list[list[str]]:
    """Each station's failed parts on one day, recomputed from its raw outcome."""
    return [failed_parts(scenario.standard, day_measures(plan, out, scenario.standard))
            for plan, out in _raw_day(scenario, replication)]


def test_stations_are_judged_on_every_part_of_the_standard(summary: dict[str, Any]) -> None:
    scenario = _scenario()
    failed = _failed(scenario)
    standard = summary["standard"]
    assert standard["stations"] == 20
    assert standard["stations_failing"] == sum(1 for f in failed if f) > 0
    assert standard["stations_meeting"] == 20 - standard["stations_failing"]
    by_part: dict[str, int] = {}
    for parts in failed:
        for part in parts:
            by_part[part] = by_part.get(part, 0) + 1
    assert standard["failing_by_part"] == by_part
    visit = [np.percentile(visit_waits_s(p, o) / 60, 95) for p, o in _raw_day(scenario)]
    assert standard["worst_station_p95_wait_min"] == pytest.approx(max(visit), abs=2e-3)
    assert standard["national_p95_wait_min"] == summary["wait_min"]["p95"]
    named = {w["station"]: w["failed"] for w in standard["worst_stations"]}
    for k, parts in enumerate(failed):
        if station_code(k) in named:
            assert named[station_code(k)] == parts


def test_verdict_line_names_the_failing_parts_and_stations(summary: dict[str, Any]) -> None:
    standard = summary["standard"]
    line = verdict_line(standard)
    assert f"FAILS at {standard['stations_failing']} of 20 stations" in line
    first = standard["worst_stations"][0]
    assert f"{first['station']} ({first['group']}:" in line
    calm = {**standard, "stations_failing": 0, "worst_stations": [], "failing_by_part": {}}
    assert verdict_line(calm).startswith("The standard holds at all 20 stations")


def test_a_day_fails_exactly_the_parts_over_their_limits() -> None:
    rule = Standard(stage_wait_p95_max_min={"desk": 5})
    calm = DayMeasures(10.0, {"desk": 1.0}, 0, 100, 0.0)
    assert failed_parts(rule, calm) == []
    bad = DayMeasures(31.0, {"desk": 6.0}, 3, 100, 31.0)  # 2 of 100 allowed
    assert failed_parts(rule, bad) == ["wait", "wait:desk", "lost_votes", "closing"]
    assert failed_parts(rule, DayMeasures(0.0, {}, 0, 0, -660.0)) == []  # nobody came


def test_threshold_figures_say_what_they_are(summary: dict[str, Any]) -> None:
    figures = day_figures("stations", summary)
    assert set(figures) == {f.stat for f in of_group("stations")}
    assert {f.stat for f in of_group("loop")} <= set(figures)
    assert figures["stations_failing_standard"] == summary["standard"]["stations_failing"]
    assert figures["lost_left_line"] + figures["lost_not_served"] == pytest.approx(
        figures["lost_votes"])
    parse_threshold("stations.worst_station_p95_wait_min <= 30")
    parse_threshold("loop.national_p95_wait_min < 5")


@pytest.mark.parametrize("group", ["stations", "loop"])
def test_the_ambiguous_old_name_is_refused_with_the_new_ones(group: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_threshold(f"{group}.p95_wait_min <= 30")
    message = str(caught.value)
    for new in (f"{group}.national_p95_wait_min", f"{group}.worst_station_p95_wait_min",
                f"{group}.stations_failing_standard == 0"):
        assert new in message
    data = _scenario().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["thresholds"] = ["checkin.p95_ms < 300", f"{group}.p95_wait_min <= 30"]
    with pytest.raises(ScenarioError) as bad:
        parse_scenario(data, file="old.toml")
    (problem,) = bad.value.problems
    assert problem.path == "thresholds[1]" and "ambiguous figure" in problem.rule


def test_three_days_a_station_fails_a_part_failing_on_more_than_5_percent_of_them() -> None:
    scenario = _scenario(replications=3)
    summary = national_summary(simulate(scenario, workers=1))
    days = [_failed(scenario, r) for r in range(3)]
    failing = sum(1 for k in range(20) if any(days[r][k] for r in range(3)))
    once = sum(1 for k in range(20) if sum(bool(days[r][k]) for r in range(3)) == 1)
    assert failing > 0 and once > 0  # a single bad day of three is enough (95 % of days)
    assert summary["standard"]["stations_failing"] == failing
    assert summary["stations_failing_standard"] == failing
    assert day_figures("stations", summary)["stations_failing_standard"] == failing


@pytest.mark.parametrize(("arrived", "allowed"), [(0, 0), (100, 2), (270, 3), (2000, 15)])
def test_a_day_may_lose_what_a_station_at_the_limit_loses_on_most_days(
        arrived: int, allowed: int) -> None:
    rule = Standard()  # 0.5 % of arrivals, 95 % of days
    assert lost_votes_allowed(rule, arrived) == allowed
    at_limit = DayMeasures(1.0, {}, allowed, arrived, 0.0)
    assert failed_parts(rule, at_limit) == []
    assert failed_parts(rule, DayMeasures(1.0, {}, allowed + 1, arrived, 0.0)) == ["lost_votes"]


@pytest.mark.parametrize("mean", [0.5, 1.35, 10.0, 400.0])
def test_the_allowance_is_the_poisson_quantile_of_a_station_at_the_limit(mean: float) -> None:
    # A station losing exactly lost_share_max of its voters fails the part on at most
    # 1 - days_share of its days, and one voter less would make it fail on more.
    arrived = round(mean / 0.005)
    allowed = lost_votes_allowed(Standard(), arrived)
    draws = np.random.default_rng(20261207).poisson(0.005 * arrived, 400_000)
    assert np.mean(draws > allowed) <= 0.05 + 0.002
    assert np.mean(draws > allowed - 1) > 0.05 - 0.002
