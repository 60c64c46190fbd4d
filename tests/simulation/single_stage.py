"""A scenario reduced to one queue: the biometric terminals (for checks against theory)."""

from __future__ import annotations

from typing import Any

from simulation import Scenario, parse_scenario

DAY_S = 23 * 3600 + 59 * 60  # 00:00 to 23:59


def single_stage_scenario(
    *, terminals: int, arrivals_per_s: float, scan_mean_s: float, stations: int, seed: int = 7
) -> Scenario:
    """Flat Poisson arrivals, exponential scans, one attempt, nothing else takes time."""
    voters = round(arrivals_per_s * DAY_S)
    zero: dict[str, Any] = {"kind": "fixed", "value": 0}
    data: dict[str, Any] = {
        "election": {
            "name": "single stage",
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
                "terminals": terminals,
                "desks": 100,
                "booths": 100,
                "connectivity": "offline",
            }
        ],
        "biometrics": {
            "scan_time_s": {"kind": "exponential", "mean": scan_mean_s},
            "success_probability": 1.0,
            "max_attempts": 1,
            "fallback": "refuse",
        },
        "central": {"latency_s": zero, "timeout_s": 1},
        "voting": {"ballot_time_s": zero, "booth_time_s": zero},
        "counting": {"setup_min": zero, "per_ballot_s": 0, "upload_delay_min": zero},
    }
    return parse_scenario(data)
