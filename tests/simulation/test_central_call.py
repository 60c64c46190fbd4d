"""Exact event logs of the central call's stage: who calls, when, and who is refused."""

from __future__ import annotations

import numpy as np

from simulation import Status, run_station
from simulation.station.flow_input import FlowInput, StageInput
from tests.simulation.conftest import station_input

# identify (terminal, 30 s scan) -> pollbook (20 s, calls) or registration (100 s) -> booth
_STAGES = [
    StageInput("identify", 0, np.zeros(0), identification=True),
    StageInput("pollbook", 1, np.full(3, 20.0), central_call=True),
    StageInput("registration", 2, np.full(3, 100.0)),
    StageInput("booth", 3, np.full(3, 60.0)),
]
_POOLS = [("terminal", 1), ("pollbook", 1), ("registration", 1), ("booth", 3)]


def _flow(route: list[int], *, stages: list[StageInput] = _STAGES,
          no_central_call: bool = False) -> FlowInput:
    return FlowInput(pools=_POOLS, stages=stages, routes=[(0, 1, 3), (0, 2, 3)],
                     route=np.asarray(route, dtype=np.int64), no_central_call=no_central_call)


def test_the_calling_stage_adds_the_call_and_a_routed_voter_makes_none() -> None:
    # Voter 0 passes the pollbook (20 s, then a 5 s call); voter 1 goes to registration.
    inp = station_input([0, 0], call_s=[5.0, 5.0], flow=_flow([0, 1]))
    out = run_station(inp, trace=True)
    assert out.call_at_s[0] == 50.0  # 30 s scan + 20 s at the pollbook
    assert np.isnan(out.call_at_s[1])  # routed to registration: no call at all
    assert out.stage_end_s[1][0] == 55.0  # the call holds the pollbook's unit
    assert out.exit_s.tolist() == [115.0, 220.0]  # 55 + 60; 30 + 30 + 100 + 60
    assert (out.log or [])[:12] == [
        (0.0, "arrive", 0), (0.0, "scan", 0), (0.0, "arrive", 1), (30.0, "checked_in", 0),
        (30.0, "pollbook", 0), (30.0, "scan", 1), (55.0, "booth", 0), (60.0, "checked_in", 1),
        (60.0, "registration", 1), (115.0, "exit", 0), (160.0, "booth", 1), (220.0, "exit", 1),
    ]


def test_a_duplicate_is_refused_at_the_calling_stage_and_votes_on_a_route_without_it() -> None:
    inp = station_input([0, 0, 0], duplicate=[True, True, False], call_s=[5.0] * 3,
                        flow=_flow([0, 1, 0]))
    out = run_station(inp, trace=True)
    assert out.status.tolist() == [Status.REFUSED_DUPLICATE, Status.DUPLICATE_VOTED,
                                   Status.VOTED]
    assert (55.0, "refused", 0) in (out.log or [])
    assert np.isnan(out.exit_s[0]) and not np.isnan(out.exit_s[1])


def test_no_calling_stage_means_no_call_and_no_call_time() -> None:
    stages = [*_STAGES[:1], StageInput("pollbook", 1, np.full(2, 20.0)), *_STAGES[2:]]
    inp = station_input([0, 0], call_s=[5.0, 5.0], duplicate=[True, False],
                        flow=_flow([0, 0], stages=stages, no_central_call=True))
    out = run_station(inp)
    assert np.isnan(out.call_at_s).all()
    assert out.stage_end_s[0].tolist() == [30.0, 60.0]  # the scan alone
    assert out.status.tolist() == [Status.DUPLICATE_VOTED, Status.VOTED]


def test_by_default_the_identification_stage_calls() -> None:
    stages = [*_STAGES[:1], StageInput("pollbook", 1, np.full(1, 20.0)), *_STAGES[2:]]
    out = run_station(station_input([0], call_s=[5.0], flow=_flow([0], stages=stages)))
    assert out.call_at_s.tolist() == [30.0]
    assert out.stage_end_s[0].tolist() == [35.0]
