"""Scenarios reduced to what a theory check needs: a flat Poisson day at offline stations
where nothing but the stages under test takes time. ``flat_day`` is the one builder;
``single_stage_scenario`` keeps only the biometric terminals (flow_scenarios.py: a flow)."""

from __future__ import annotations

from typing import Any

from simulation import Scenario, parse_scenario

DAY_S = 23 * 3600 + 59 * 60  # 00:00 to 23:59
ZERO: dict[str, Any] = {"kind": "fixed", "value": 0}


def flat_day(*, name: str, arrivals_per_s: float, stations: int, seed: int,
             hardware: dict[str, Any], biometrics: dict[str, Any]) -> dict[str, Any]:
    """The scenario's data; ``hardware`` goes into the station group (terminals... or pools)."""
    voters = round(arrivals_per_s * DAY_S)
    return {
        "election": {
            "name": name,
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
                # Half turnout of twice the voters: a Poisson day never exceeds the register.
                "count": stations,
                "registered": {"kind": "fixed", "value": 2 * voters},
                "registered_min": 1,
                "registered_max": 2 * voters,
                **hardware,
                "connectivity": "offline",
            }
        ],
        "biometrics": biometrics,
        "central": {"latency_s": ZERO, "timeout_s": 1},
        "voting": {"ballot_time_s": ZERO, "booth_time_s": ZERO},
        "counting": {"setup_min": ZERO, "per_ballot_s": 0, "upload_delay_min": ZERO},
    }


def single_stage_scenario(
    *, terminals: int, arrivals_per_s: float, scan_mean_s: float, stations: int, seed: int = 7
) -> Scenario:
    """Flat Poisson arrivals, exponential scans, one attempt, nothing else takes time."""
    return parse_scenario(flat_day(
        name="single stage", arrivals_per_s=arrivals_per_s, stations=stations, seed=seed,
        hardware={"terminals": terminals, "desks": 100, "booths": 100},
        biometrics={
            "scan_time_s": {"kind": "exponential", "mean": scan_mean_s},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
    ))
