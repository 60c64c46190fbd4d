"""Sizing that explains itself: the reason for the terminals, the current hardware on the
same days, what-ifs that never need less than the base (common random numbers), t intervals."""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import replace

import pytest

from simulation import Scenario, build_stations, load_scenario, parse_scenario
from simulation.scenario.model import Standard
from simulation.sizing.search import Evaluation, SizingRequest, size_band, size_stations
from simulation.sizing.sensitivity import VARIANTS, more_failures, paired_change, with_floors
from simulation.sizing.stats import mean_interval, t_quantile
from simulation.sizing.targets import parse_target
from simulation.station.units import Hardware
from tests.simulation.conftest import SMOKE

# Two-sided 95 % (and one 99 %) quantiles of Student's t, from published tables.
T_TABLE = {(0.975, 1): 12.7062, (0.975, 2): 4.3027, (0.975, 4): 2.7764, (0.975, 9): 2.2622,
           (0.975, 19): 2.0930, (0.975, 30): 2.0423, (0.995, 4): 4.6041, (0.95, 10): 1.8125}


@pytest.mark.parametrize(("p", "df"), list(T_TABLE))
def test_t_quantile_matches_the_tables(p: float, df: int) -> None:
    assert t_quantile(p, df) == pytest.approx(T_TABLE[(p, df)], abs=1e-4)
    assert t_quantile(1 - p, df) == pytest.approx(-T_TABLE[(p, df)], abs=1e-4)


def test_intervals_use_t_not_1_96() -> None:
    values = [10.0, 14.0, 12.0]
    mean, low, high = mean_interval(values)
    half = 4.3027 * statistics.stdev(values) / math.sqrt(3)
    assert (mean, low, high) == pytest.approx((12.0, 12.0 - half, 12.0 + half), abs=1e-3)
    ev = Evaluation(Hardware(1, 1, 1), 1.0, values, 0.0, 0.0)
    assert ev.p95_ci() == pytest.approx((12.0, 12.0 - half, 12.0 + half), abs=1e-3)
    assert mean_interval([3.0]) == (3.0, 3.0, 3.0)


def _one(group: str, registered: int, failures: bool = True) -> Scenario:
    data = tomllib.loads(SMOKE.read_text())
    chosen = next(g for g in data["station_groups"] if g["name"] == group)
    chosen.update(count=1, registered={"kind": "fixed", "value": registered},
                  registered_max=3000)
    data["station_groups"] = [chosen]
    data["central"]["outages"] = []
    if not failures:
        data["failures"] = {}
    return parse_scenario(data)


TERMINALS = SizingRequest(targets=(parse_target("p95_wait_min <= 30"),), replications=20,
                          resources=("terminals",))


def _failing(scenario: Scenario, mtbf_h: float) -> Scenario:
    failures = scenario.failures.model_copy(update={"mtbf_h": mtbf_h})
    return scenario.model_copy(update={"failures": failures})


def test_failures_are_named_when_they_decide() -> None:
    """A 200-voter offline station whose terminal fails every 10 h on average: one failure
    stops a one-terminal station for an hour, so it needs two, at low utilisation."""
    scenario = _failing(_one("offline", 200), 10)
    answer = size_band(scenario, build_stations(scenario), [0], TERMINALS)
    assert (answer.hardware.terminals, answer.reason) == (2, "failures")
    assert answer.current is not None and answer.current.hardware.terminals == 1
    assert answer.current.met_share < TERMINALS.confidence <= answer.final.met_share
    calm = _one("offline", 200, failures=False)
    no_failures = size_band(calm, build_stations(calm), [0], TERMINALS)
    assert (no_failures.hardware.terminals, no_failures.reason) == (1, "minimum")


def test_queueing_and_closing_are_told_apart() -> None:
    scenario = _one("online", 2400, failures=False)
    stations = build_stations(scenario)
    queue = size_band(scenario, stations, [0], replace(TERMINALS, replications=6))
    assert queue.hardware.terminals > 1 and queue.reason == "queueing"
    closing = SizingRequest(
        targets=(parse_target("p95_wait_min <= 600"),
                 parse_target("last_voter_left_after_close_min <= 5")),
        replications=6, resources=("terminals",))
    # A standard that never binds, so that the targets alone decide.
    lenient = scenario.model_copy(update={"standard": Standard(
        wait_p95_max_min=600, lost_share_max=0.99, last_out_after_close_max_min=10_000)})
    late = size_band(lenient, stations, [0], closing)
    assert late.hardware.terminals > 1 and late.reason == "closing"


def test_what_ifs_never_need_less_and_are_paired_on_the_same_days() -> None:
    # Desks and booths to spare: the terminals' line is the visit's, so slower scans and
    # more failures can only lengthen it (with a busy desk, slower scans can smooth it).
    smoke = load_scenario(SMOKE)
    scenario = smoke.model_copy(update={"station_groups": [
        g.model_copy(update={"desks": 10, "booths": 20}) for g in smoke.station_groups]})
    request = SizingRequest(targets=(parse_target("p95_wait_min <= 30"),), replications=4,
                            resources=("terminals",), band_voters=1000)
    base = size_stations(scenario, request, workers=1)
    floored = with_floors(request, base)
    # The scenario itself as a "what-if": the same days, so exactly no change, no interval.
    same = size_stations(scenario, floored, workers=1)
    assert paired_change(base, same) == {
        "p95_wait_change_min": 0.0, "p95_wait_change_ci_min": [0.0, 0.0],
        "bands_needing_more": 0, "bands": len(base)}
    by_band = {a.representative: a.hardware.terminals for a in base}
    for name in ("terminal failures twice as often", "scan time 20 % slower"):
        answers = size_stations(VARIANTS[name](scenario), floored, workers=1)
        assert all(a.hardware.terminals >= by_band[a.representative] for a in answers), name
        change = paired_change(base, answers)
        low, high = change["p95_wait_change_ci_min"]
        assert low <= change["p95_wait_change_min"] <= high
        assert change["p95_wait_change_min"] > 0, (name, change)


def test_failure_what_if_halves_the_time_between_failures() -> None:
    scenario = load_scenario(SMOKE)
    assert scenario.failures.mtbf_h == 40
    assert more_failures(scenario).failures.mtbf_h == 20
    assert "terminal failures twice as often" in VARIANTS
