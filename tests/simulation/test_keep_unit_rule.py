"""A stage that keeps its unit must hand the voter to the same pool for every voter.

Holding one pool's unit while waiting for another's can deadlock a station, so the scenario
is refused before anything runs (simulation/scenario/flow.py, ``check_flow``)."""

from __future__ import annotations

from typing import Any

import pytest

from simulation import ScenarioError
from tests.simulation.flow_scenarios import flow_scenario

FIXED = {"kind": "fixed", "value": 60}


def _flow(second_pool: str) -> list[dict[str, Any]]:
    return [
        {"name": "identify", "kind": "identification", "pool": "terminal"},
        {"name": "release", "kind": "service", "pool": "booth", "time_s": FIXED,
         "keep_unit": True},
        {"name": "vote", "kind": "service", "pool": second_pool, "time_s": FIXED},
    ]


def test_keep_unit_with_the_same_pool_next_is_accepted() -> None:
    scenario = flow_scenario(arrivals_per_s=0.001, flow=_flow("booth"),
                             pools={"terminal": 1, "booth": 1}, stations=1)
    assert [s.keep_unit for s in scenario.flow] == [False, True, False]


def test_keep_unit_with_another_pool_next_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"flow\[1\]\.keep_unit: .*the next stage must use "
                                            r"the same pool \('booth'\)"):
        flow_scenario(arrivals_per_s=0.001, flow=_flow("terminal"),
                      pools={"terminal": 1, "booth": 1}, stations=1)
