"""The calculator's built-in station (the inputs' documented defaults) and the inputs as a
scenario resolves them."""

from __future__ import annotations

from typing import Any

from simulation import Scenario

# Illustrative values (those of scenarios/smoke.toml), not sourced; each input's default
# in :data:`pollday.station_inputs.INPUTS` matches this station (a test checks it).
BUILT_IN: dict[str, Any] = {
    "election": {
        "name": "One station", "date": "2024-01-01", "opening": "08:00", "closing": "19:00",
        "utc_offset_h": 0, "seed": 1, "replications": 1, "constituencies": 1,
        "candidates": [{"name": "A", "share": 1.0}],
    },
    "arrivals": {"turnout": 0.7, "turnout_sd": 0, "queue_at_opening_share": 0.02,
                 "intervals": []},
    "station_groups": [{
        "name": "station", "count": 1, "registered": {"kind": "fixed", "value": 1000},
        "registered_min": 1, "registered_max": 1000, "terminals": 1, "desks": 1, "booths": 2,
    }],
    "biometrics": {
        "scan_time_s": {"kind": "lognormal", "mean": 14, "sd": 5.6},
        "success_probability": 0.55, "max_attempts": 4, "fallback": "manual",
        "manual_time_s": {"kind": "gamma", "mean": 60, "sd": 20},
    },
    "central": {"latency_s": {"kind": "lognormal", "median": 0.15, "p95": 0.6},
                "timeout_s": 3, "retries": 2},
    "voting": {
        "ballot_time_s": {"kind": "gamma", "mean": 30, "sd": 10},
        "booth_time_s": {"kind": "lognormal", "mean": 60, "sd": 30},
        "patience_min": {"kind": "lognormal", "median": 45, "p95": 120},
    },
    "counting": {"setup_min": {"kind": "fixed", "value": 30}, "per_ballot_s": 5,
                 "upload_delay_min": {"kind": "fixed", "value": 30}},
}


def resolved_inputs(scenario: Scenario) -> dict[str, Any]:
    """The inputs as the station will run them (also the web form's starting values)."""
    g, bio, voting = scenario.station_groups[0], scenario.biometrics, scenario.voting
    patience = voting.patience_min
    return {
        "registered": int(g.registered.mean),
        "turnout": scenario.arrivals.turnout,
        "opening": f"{scenario.election.opening:%H:%M}",
        "closing": f"{scenario.election.closing:%H:%M}",
        "arrival_intervals": [
            {"start": f"{i.start:%H:%M}", "end": f"{i.end:%H:%M}", "share": i.share}
            for i in scenario.arrivals.intervals
        ],
        "queue_at_opening": scenario.arrivals.queue_at_opening_share,
        "terminals": g.terminals,
        "scan_time_s": round(bio.scan_time_s.mean, 3) if bio.scan_time_s else None,
        "success": bio.success_probability,
        "attempts": bio.max_attempts,
        "fallback": bio.fallback,
        "manual_time_s": round(bio.manual_time_s.mean, 3) if bio.manual_time_s else None,
        "connectivity": g.connectivity,
        "desks": g.desks,
        "ballot_time_s": round(voting.ballot_time_s.mean, 3),
        "booths": g.booths,
        "booth_time_s": round(voting.booth_time_s.mean, 3),
        "patience_mean_min": None if patience is None else round(patience.mean, 3),
        "mtbf_h": scenario.failures.mtbf_h,
        "close_line": "serve" if scenario.closing.serve_queue else "close",
    }
