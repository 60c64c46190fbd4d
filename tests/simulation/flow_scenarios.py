"""Scenarios with a configured flow, reduced to what a theory check needs."""

from __future__ import annotations

from typing import Any

from simulation import Scenario, parse_scenario
from tests.simulation.single_stage import DAY_S

ZERO: dict[str, Any] = {"kind": "fixed", "value": 0}


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
    voters = round(arrivals_per_s * DAY_S)
    data: dict[str, Any] = {
        "election": {
            "name": "flow theory",
            "date": "2024-01-01",
            "opening": "00:00",
            "closing": "23:59",
            "utc_offset_h": 0,
            "seed": seed,
            "candidates": [{"name": "A", "share": 1.0}],
        },
        "arrivals": {
            "turnout": 0.5,
            "intervals": [{"start": "00:00", "end": "23:59", "share": 1.0}],
        },
        "station_groups": [
            {
                "name": "all",
                "count": stations,
                "registered": {"kind": "fixed", "value": 2 * voters},
                "registered_min": 1,
                "registered_max": 2 * voters,
                "pools": pools,
                "connectivity": "offline",
            }
        ],
        "biometrics": biometrics
        or {
            "scan_time_s": {"kind": "fixed", "value": 1},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
        "flow": flow,
        "central": {"latency_s": ZERO, "timeout_s": 1},
        "voting": {"ballot_time_s": ZERO, "booth_time_s": ZERO},
        "counting": {"setup_min": ZERO, "per_ballot_s": 0, "upload_delay_min": ZERO},
        **sections,
    }
    return parse_scenario(data)
