"""The one-station calculator: one station's day, simulated a few times, read as a planner
reads a line calculator's answer.

It runs the model ``pollday simulate`` runs, through the same entry points
(:func:`simulation.simulate_station` for the day, :func:`simulation.sizing.size_band` for
the fewest terminals), on a one-station scenario built by :mod:`pollday.station_inputs`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pollday.station_defaults import resolved_inputs
from pollday.station_inputs import station_scenario
from simulation import Scenario, build_stations, simulate_station
from simulation.runner import day_layout
from simulation.scenario import minutes_of_day
from simulation.sizing import SizingRequest, size_band
from simulation.station_metrics import QUEUE_BIN_S, StationResult
from simulation.summary import WAIT_STANDARD_MIN
from simulation.targets import Target

DEFAULT_DAYS = 20
CONFIDENCE = 0.95  # the standard must hold on this share of simulated days
LOST_CAUSES = {
    "left_line": "reneged",
    "not_served_at_close": "not_served_at_close",
    "refused_biometric": "refused_biometric",
}


def _clock(minutes: float) -> str:
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _mean(results: list[StationResult], key: str) -> float:
    return round(float(np.mean([float(r.row[key]) for r in results])), 2)


def _line_curve(results: list[StationResult], opening_min: float) -> list[dict[str, Any]]:
    """The average line over the days, per 5 minutes, until the last line is gone."""
    curve = np.mean([r.queue_bins for r in results], axis=0)
    busy = np.flatnonzero(curve > 0.005)
    end = int(busy[-1]) + 2 if len(busy) else 1
    step_min = QUEUE_BIN_S / 60
    return [
        {"time": _clock(opening_min + k * step_min), "people": round(float(v), 2)}
        for k, v in enumerate(curve[:end].tolist())
    ]


def _waits(results: list[StationResult]) -> dict[str, float]:
    waits = np.concatenate([r.waits_min for r in results]).astype(np.float64)
    if len(waits) == 0:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0, "share_over_30": 0.0}
    p50, p95 = np.percentile(waits, [50, 95])
    return {
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "max": round(float(waits.max()), 2),
        "share_over_30": round(float(np.mean(waits > WAIT_STANDARD_MIN)), 4),
    }


def _lost(results: list[StationResult]) -> dict[str, float]:
    lost = {cause: _mean(results, key) for cause, key in LOST_CAUSES.items()}
    total = round(sum(lost.values()), 2)
    arrived = _mean(results, "arrived")
    return {**lost, "total": total, "share": round(total / arrived, 4) if arrived else 0.0}


def _notes(scenario: Scenario, last_left_min: float) -> list[str]:
    """What the terminal line alone does not show."""
    late_min = last_left_min - scenario.election.day_s / 60
    if late_min <= WAIT_STANDARD_MIN:
        return []
    return [
        f"on the median day the last voter left {late_min / 60:.1f} h after closing: if the "
        "line to the terminals is short, the desks or booths are the bottleneck"
    ]


def _fewest_terminals(scenario: Scenario, days: int, seed: int) -> dict[str, Any]:
    """The sizing search of ``pollday size``, terminals only, on this station's days."""
    if scenario.flow:
        return {
            "terminals": None,
            "reachable": False,
            "applicable": False,
            # pollday size searches terminals/desks/booths only: say what to do instead.
            "reason": "the scenario describes its own stage flow and pools "
            f"{scenario.pool_names}; change station_groups.pools in the file and compare",
        }
    request = SizingRequest(
        targets=(Target("p95_wait_min", "<=", WAIT_STANDARD_MIN),),
        confidence=CONFIDENCE,
        replications=days,
        resources=("terminals",),
        seed=seed,
    )
    answer = size_band(scenario, build_stations(scenario), [0], request)
    mean_p95, low, high = answer.final.p95_ci()
    return {
        "terminals": answer.hardware.terminals,
        "reachable": not answer.unreachable,
        "applicable": True,
        "days_meeting_standard": round(answer.final.met_share, 4),
        "p95_wait_min_mean": round(mean_p95, 2),
        "p95_wait_min_interval": [round(low, 2), round(high, 2)],
    }


def calculate(
    scenario: Scenario, *, days: int = DEFAULT_DAYS, seed: int | None = None
) -> dict[str, Any]:
    """Simulate the scenario's one station ``days`` times (replications, same seed: the
    same answer every time) and say what its day looks like."""
    if sum(g.count for g in scenario.station_groups) != 1:
        raise ValueError("the station calculator needs a scenario of exactly one station")
    started = time.perf_counter()
    root = scenario.election.seed if seed is None else seed
    stations = build_stations(scenario)
    results = [
        simulate_station(scenario, stations, 0, replication=r, seed=root) for r in range(days)
    ]
    opening = minutes_of_day(scenario.election.opening)
    curve = _line_curve(results, opening)
    peak = max(curve, key=lambda point: point["people"])
    p95_by_day = [float(r.row["wait_p95_min"]) for r in results]
    met = sum(p <= WAIT_STANDARD_MIN for p in p95_by_day) / days
    hours, _ = day_layout(scenario)
    last_left_min = float(np.median([float(r.row["last_left_min"]) for r in results]))
    return {
        "days_simulated": days,
        "seed": root,
        "arrived_per_day": _mean(results, "arrived"),
        "voted_per_day": _mean(results, "voted"),
        "wait_min": _waits(results),
        # What a wait is: with a [[flow]] the time in every line (see docs/model.md).
        "wait_measures": "time in every line" if scenario.flow else "wait to terminal",
        "longest_line": {
            "people": peak["people"],
            "at": peak["time"],
            "worst_day_people": max(int(r.row["max_queue"]) for r in results),
        },
        "lost_votes_per_day": _lost(results),
        "terminal_utilisation": _mean(results, "terminal_utilisation"),
        "last_voter_left": _clock(opening + last_left_min),
        "notes": _notes(scenario, last_left_min),
        "standard": {
            "rule": f"the station's p95 wait <= {WAIT_STANDARD_MIN:g} min on at least "
            f"{CONFIDENCE:.0%} of simulated days",
            "days_meeting": round(met, 4),
            "holds": met >= CONFIDENCE,
        },
        "fewest_terminals": _fewest_terminals(scenario, days, root),
        "line_curve": curve,
        "opening_hours": hours,
        "wall_s": round(time.perf_counter() - started, 3),
    }


def answer(base: dict[str, Any], given: dict[str, str], days: int,
           seed: int | None) -> dict[str, Any]:
    """Inputs in, the calculator's whole answer out (the CLI's and the web page's)."""
    scenario = station_scenario(base, given)
    return {"inputs": resolved_inputs(scenario), **calculate(scenario, days=days, seed=seed)}
