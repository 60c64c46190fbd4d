"""The flow machinery against queueing theory: a unit held across two stages is an M/D/1
queue with the summed time (Pollaczek-Khinchine); three exponential stages in tandem are a
Jackson network (each stage an M/M/c queue at the same arrival rate)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from simulation import (
    Scenario,
    StationOutcome,
    StationPlan,
    build_stations,
    plan_station,
    run_station,
)
from simulation.sizing.queueing import mmc_mean_wait
from tests.simulation.flow_scenarios import flow_scenario

WARM_UP_S = 4 * 3600
STATIONS = 40


def _station_days(scenario: Scenario) -> Iterator[tuple[StationPlan, StationOutcome]]:
    stations = build_stations(scenario)
    for s in range(len(stations)):
        plan = plan_station(scenario, stations, s)
        yield plan, run_station(plan.input)


def _within(samples: list[float], expected: float, rel: float = 0.01) -> None:
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / np.sqrt(len(samples)))
    print(f"mean {mean:.3f} ± {se:.3f}, theory {expected:.3f}")
    assert abs(mean - expected) < 4 * se + rel * expected, (mean, expected, se)


def test_unit_held_for_two_fixed_stages_is_md1() -> None:
    # Identify on the urna (20 s, kept), then vote on the same urna (40 s): one server
    # busy 60 s per voter. With separate units the two stages would overlap.
    identify_s, vote_s, rho = 20.0, 40.0, 0.7
    rate = rho / (identify_s + vote_s)
    scenario = flow_scenario(
        arrivals_per_s=rate,
        stations=STATIONS,
        pools={"urna": 1},
        biometrics={
            "scan_time_s": {"kind": "fixed", "value": identify_s},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
        flow=[
            {"name": "identify", "pool": "urna", "kind": "identification", "keep_unit": True},
            {"name": "vote", "pool": "urna", "time_s": {"kind": "fixed", "value": vote_s}},
        ],
    )
    waits, exits_gap = [], []
    for plan, out in _station_days(scenario):
        steady = plan.input.arrival_s >= WARM_UP_S
        waits.append(float(np.mean((out.start_s - plan.input.arrival_s)[steady])))
        # The vote starts the moment identification ends: nobody waits for the held urna.
        exits_gap.append(float(np.nanmax(np.abs(out.stage_start_s[1] - out.stage_end_s[0]))))
    service_s = identify_s + vote_s
    _within(waits, rho * service_s / (2 * (1 - rho)))  # P-K with deterministic service
    assert max(exits_gap) == 0.0


def test_three_exponential_stages_in_tandem_match_jackson() -> None:
    rate = 1 / 20.0
    means_s, servers = [30.0, 50.0, 70.0], [2, 3, 4]  # utilisations 0.75, 0.83, 0.875
    scenario = flow_scenario(
        arrivals_per_s=rate,
        stations=STATIONS,
        pools={"a": servers[0], "b": servers[1], "c": servers[2]},
        biometrics={
            "scan_time_s": {"kind": "exponential", "mean": means_s[0]},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
        flow=[
            {"name": "a", "pool": "a", "kind": "identification"},
            {"name": "b", "pool": "b", "time_s": {"kind": "exponential", "mean": means_s[1]}},
            {"name": "c", "pool": "c", "time_s": {"kind": "exponential", "mean": means_s[2]}},
        ],
    )
    per_stage: list[list[float]] = [[], [], []]
    for plan, out in _station_days(scenario):
        steady = plan.input.arrival_s >= WARM_UP_S
        ready = [plan.input.arrival_s, out.stage_end_s[0], out.stage_end_s[1]]
        for k in range(3):
            per_stage[k].append(float(np.mean((out.stage_start_s[k] - ready[k])[steady])))
    for k in range(3):
        _within(per_stage[k], mmc_mean_wait(servers[k], rate, means_s[k]), rel=0.02)
