"""Scenarios with a configured flow, reduced to what a theory check needs."""

from __future__ import annotations

from typing import Any

from simulation import Scenario, parse_scenario
from tests.simulation.single_stage import flat_day


def flow_scenario(
    *,
    arrivals_per_s: float,
    flow: list[dict[str, Any]],
    pools: dict[str, int],
    stations: int,
    biometrics: dict[str, Any] | None = None,
    seed: int = 11,
    **sections: Any,
) -> Scenario:
    """Flat Poisson arrivals all day at an offline station (no central call)."""
    data = flat_day(
        name="flow theory", arrivals_per_s=arrivals_per_s, stations=stations, seed=seed,
        hardware={"pools": pools},
        biometrics=biometrics or {
            "scan_time_s": {"kind": "fixed", "value": 1},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
    )
    return parse_scenario({**data, "flow": flow, **sections})
