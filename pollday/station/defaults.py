"""The calculator's built-in station (the inputs' documented defaults), the inputs as a
scenario resolves them (pools and their faults included), and the error for an input it
cannot take."""

from __future__ import annotations

from typing import Any

from simulation import Scenario
from simulation.errors import InputError
from simulation.scenario.distributions import Distribution

# The default flow's pools and the station_groups fields that count their units.
DEFAULT_POOL_FIELDS = {"terminal": "terminals", "desk": "desks", "booth": "booths"}
# Inputs of the built-in model's terminals, desks and booths: a [[flow]] has none of them.
FLOW_INPUTS = ("terminals", "desks", "booths", "ballot_time_s", "booth_time_s")


class StationInputError(InputError, ValueError):
    """An input that cannot be turned into a station; the message names it."""

# Illustrative values (those of scenarios/smoke.toml), not sourced; each input's default
# in :data:`pollday.station.catalog.INPUTS` matches this station (a test checks it).
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


def identification_pool(scenario: Scenario) -> str:
    """The pool of the stage that identifies voters ("terminal" in the default flow)."""
    return next((s.pool for s in scenario.flow if s.kind == "identification"), "terminal")


def pool_units(scenario: Scenario) -> dict[str, int]:
    """Units of every pool of the one station's flow, in flow order (the default flow's
    pools are terminal, desk and booth)."""
    g = scenario.station_groups[0]
    if not scenario.flow:
        return {pool: int(getattr(g, field)) for pool, field in DEFAULT_POOL_FIELDS.items()}
    return {pool: int(g.pools[pool]) for pool in scenario.pool_names}


def _mean(dist: Distribution | None) -> float | None:
    return None if dist is None else round(dist.mean, 3)


def pool_faults(scenario: Scenario) -> list[dict[str, Any]]:
    """The failures that apply, one entry per pool that fails: ``[failures]`` is the
    identification pool's, each ``[[device_faults]]`` another pool's."""
    out = []
    f = scenario.failures
    if f.mtbf_h is not None:
        out.append({"pool": identification_pool(scenario), "source": "failures",
                    "mtbf_h": f.mtbf_h, "repair_probability": f.repair_probability,
                    "repair_time_min_mean": _mean(f.repair_time_min),
                    "replacement_time_min_mean": _mean(f.replacement_time_min)})
    for d in scenario.device_faults:
        out.append({"pool": d.pool, "source": "device_faults", "mtbf_h": d.mtbf_h,
                    "repair_probability": d.repair_probability,
                    "repair_time_min_mean": _mean(d.repair_time_min),
                    "replacement_time_min_mean": _mean(d.replacement_time_min)})
    return out


def resolved_inputs(scenario: Scenario) -> dict[str, Any]:
    """The inputs as the station will run them (also the web form's starting values).
    A scenario with its own ``[[flow]]`` has pools, not terminals, desks and booths: those
    fields (and the built-in desk and booth times) are left out rather than shown unused."""
    g, bio, voting = scenario.station_groups[0], scenario.biometrics, scenario.voting
    patience = voting.patience_min
    resolved = {
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
        "pools": pool_units(scenario),
        "identification_pool": identification_pool(scenario),
        "faults": pool_faults(scenario),
    }
    if scenario.flow:
        for name in FLOW_INPUTS:
            resolved.pop(name)
    return resolved
