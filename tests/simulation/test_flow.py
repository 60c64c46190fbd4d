"""Exact event logs of configured flows: held units, routes, per-stage reneging, faults."""

from __future__ import annotations

import numpy as np

from simulation import Status, run_station
from simulation.station.flow_input import FlowInput, PoolFaults, StageInput
from tests.simulation.conftest import station_input


def _flow(
    n: int,
    stages: list[StageInput],
    pools: list[tuple[str, int]],
    routes: list[tuple[int, ...]] | None = None,
    route: list[int] | None = None,
) -> FlowInput:
    return FlowInput(
        pools=pools,
        stages=stages,
        routes=routes or [tuple(range(len(stages)))],
        route=np.asarray(route or [0] * n, dtype=np.int64),
    )


def test_unit_kept_for_the_vote_serves_one_voter_at_a_time() -> None:
    # One urna: identify (30 s scan) and vote (40 s) on it; the second voter waits 70 s.
    flow = _flow(
        2,
        [
            StageInput("identify", 0, np.zeros(0), keep_unit=True, identification=True),
            StageInput("vote", 0, np.full(2, 40.0)),
        ],
        [("urna", 1)],
    )
    out = run_station(station_input([0, 0], flow=flow), trace=True)
    assert out.stage_start_s[0].tolist() == [0.0, 70.0]
    assert out.stage_start_s[1].tolist() == [30.0, 100.0]
    assert out.exit_s.tolist() == [70.0, 140.0]
    assert out.terminal_busy_s == 140.0


def test_routes_send_some_voters_to_an_officer_with_its_own_line() -> None:
    # Voters 1 and 2 failed the reader: they see an officer (100 s) before the booth.
    flow = _flow(
        3,
        [
            StageInput("identify", 0, np.zeros(0), identification=True),
            StageInput("officer", 1, np.full(3, 100.0)),
            StageInput("booth", 2, np.full(3, 10.0)),
        ],
        [("terminal", 1), ("officer", 1), ("booth", 3)],
        routes=[(0, 2), (0, 1, 2)],
        route=[0, 1, 1],
    )
    out = run_station(station_input([0, 0, 0], flow=flow))
    assert np.isnan(out.stage_start_s[1][0])
    assert out.stage_start_s[1][1:].tolist() == [60.0, 160.0]  # FIFO at the officer
    assert out.exit_s.tolist() == [40.0, 170.0, 270.0]


def test_reneging_applies_at_the_stages_that_allow_it() -> None:
    # Two voters, patience 50 s; the booth line allows giving up, 200 s in the booth.
    flow = _flow(
        2,
        [
            StageInput("identify", 0, np.zeros(0), identification=True),
            StageInput("booth", 1, np.full(2, 200.0), reneging=True),
        ],
        [("terminal", 2), ("booth", 1)],
    )
    out = run_station(station_input([0, 0], flow=flow, patience_s=[50.0, 50.0]))
    # Both reach the booth line at 30 s; voter 1 gives up at 80 s (noticed at 230 s).
    assert out.status.tolist() == [Status.VOTED, Status.RENEGED]
    assert out.left_line_s[1] == 80.0
    assert out.last_exit_s == 230.0


def test_pool_failures_repair_or_replace_and_are_counted() -> None:
    # The booth fails at 50 s while voter 0 votes (replaced, 300 s): voter 0 starts over.
    flow = _flow(
        1,
        [
            StageInput("identify", 0, np.zeros(0), identification=True),
            StageInput("booth", 1, np.full(1, 60.0)),
        ],
        [("terminal", 1), ("booth", 1)],
    )
    faults = [PoolFaults(1, [[50.0, 1e9]], [[300.0, 1.0]], [[True, False]])]
    out = run_station(station_input([0], flow=flow, faults=faults), trace=True)
    assert (50.0, "fail", 0) in (out.log or []) and (350.0, "replaced", 0) in (out.log or [])
    assert out.exit_s.tolist() == [410.0]
    assert (out.repairs, out.replacements) == (0, 1)


def test_scenario_routes_by_voter_group_and_by_identification_outcome() -> None:
    from simulation import build_stations, plan_station
    from tests.simulation.flow_scenarios import flow_scenario

    fixed: dict[str, object] = {"kind": "fixed", "value": 20}
    scenario = flow_scenario(
        arrivals_per_s=0.01,
        stations=3,
        pools={"registration": 1, "terminal": 2, "officer": 1, "booth": 3},
        biometrics={
            "modalities": [
                {
                    "name": "fingerprint",
                    "time_per_attempt_s": fixed,
                    "success_probability": 0.5,
                    "max_attempts": 2,
                }
            ],
            "fallback": "manual",
            "manual_time_s": {"kind": "fixed", "value": 0},
        },
        voter_groups=[{"name": "same_day", "share": 0.3}],
        flow=[
            {"name": "register", "pool": "registration", "time_s": fixed, "groups": ["same_day"]},
            {"name": "identify", "pool": "terminal", "kind": "identification"},
            {"name": "officer", "pool": "officer", "time_s": fixed, "outcome": ["manual"]},
            {"name": "booth", "pool": "booth", "time_s": fixed},
        ],
    )
    stations = build_stations(scenario)
    for s in range(len(stations)):
        plan = plan_station(scenario, stations, s)
        out = run_station(plan.input)
        same_day = plan.voter_group == 0
        manual = plan.ended == 1
        registered = ~np.isnan(out.stage_start_s[0])
        officer = ~np.isnan(out.stage_start_s[2])
        served = ~np.isnan(out.exit_s)
        assert (registered == same_day)[served].all()
        assert (officer == manual)[served].all()
        # Officer visits come after identification, registration before it.
        assert (out.stage_start_s[2][officer] >= out.stage_end_s[1][officer]).all()
        assert (out.stage_end_s[0][registered] <= out.stage_start_s[1][registered]).all()
    assert 0.2 < same_day.mean() < 0.4 and 0.15 < manual.mean() < 0.35


def test_closing_counts_as_given_up_only_where_the_stage_allows_it() -> None:
    # One terminal, 30 s scans, doors close at 40 s and the line is sent home; voter 2's
    # patience (10 s) ran out at 10 s, but only a stage with reneging lets people give up.
    def status_of_the_last(reneging: bool) -> int:
        flow = _flow(3, [StageInput("identify", 0, np.zeros(0), reneging=reneging,
                                    identification=True)], [("terminal", 1)])
        out = run_station(station_input([0, 0, 0], flow=flow, patience_s=[10.0] * 3,
                                        close_s=40.0, serve_queue_at_close=False))
        return int(out.status[2])

    assert status_of_the_last(reneging=False) == Status.NOT_SERVED
    assert status_of_the_last(reneging=True) == Status.RENEGED


def test_a_pool_the_flow_uses_with_no_units_is_refused() -> None:
    import pytest

    from simulation import ScenarioError
    from tests.simulation.flow_scenarios import flow_scenario

    fixed: dict[str, object] = {"kind": "fixed", "value": 20}
    with pytest.raises((ScenarioError, ValueError), match=r"\['booth'\] have 0 units"):
        flow_scenario(
            arrivals_per_s=0.01,
            stations=1,
            pools={"terminal": 1, "booth": 0},
            flow=[
                {"name": "identify", "pool": "terminal", "kind": "identification"},
                {"name": "booth", "pool": "booth", "time_s": fixed},
            ],
        )
