"""The one-station calculator: one station's day, simulated a few times, read as a planner
reads a line calculator's answer.

It runs the model ``pollday simulate`` runs, through the same entry points
(:func:`simulation.simulate_station` for the day, :func:`simulation.sizing.search.size_band` for
the fewest units of each pool), on a one-station scenario built by :mod:`pollday.station.inputs`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pollday.station.defaults import identification_pool, resolved_inputs
from pollday.station.inputs import station_scenario
from simulation import Scenario, build_stations, simulate_station
from simulation.scenario.model import Standard, minutes_of_day
from simulation.sizing.search import SizingRequest, size_band
from simulation.standard import WAIT_STANDARD_MIN, part_text, rule_text, station_failed_parts
from simulation.station.late_opening import has_late_opening, late_days
from simulation.station.metrics import QUEUE_BIN_S, StationResult

DEFAULT_DAYS = 20
CONFIDENCE = 0.95  # the standard must hold on this share of simulated days
LOST_CAUSES = {
    "left_line": "reneged",
    "not_served_at_close": "not_served_at_close",
    "refused_not_identified": "refused_not_identified",
}


def _clock(minutes: float) -> str:
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _mean(results: list[StationResult], key: str) -> float:
    return round(float(np.mean([float(r.row[key]) for r in results])), 2)


def _protocol(scenario: Scenario, results: list[StationResult], opening_min: float
              ) -> dict[str, Any]:
    """The protocol upload over the days, or counted elsewhere (no protocol: not 0 attempts)."""
    if scenario.counting.counted == "elsewhere":
        return {"counted_elsewhere": True, "uploaded": None, "attempts_per_day": None,
                "not_uploaded_share": None}
    at_min = [float(r.row["protocol_at_min"]) for r in results]
    arrived = [m for m in at_min if not np.isnan(m)]
    return {"counted_elsewhere": False,
            "uploaded": _clock(opening_min + float(np.median(arrived))) if arrived else None,
            "attempts_per_day": _mean(results, "upload_attempts"),
            "not_uploaded_share": round(1 - len(arrived) / len(results), 4)}


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


def _lost(results: list[StationResult]) -> dict[str, Any]:
    lost = {cause: _mean(results, key) for cause, key in LOST_CAUSES.items()}
    # Refused voters are not lost votes: more hardware would not bring them back.
    total = round(lost["left_line"] + lost["not_served_at_close"], 2)
    arrived = _mean(results, "arrived")
    # The same by stage and cause (simulation.station.outcomes: refused.identify.not_identified...).
    names = [k for k in results[0].row if k.startswith(("refused.", "lost."))] if results else []
    by_stage = {name: _mean(results, name) for name in names}
    return {**lost, "total": total, "share": round(total / arrived, 4) if arrived else 0.0,
            "by_stage_and_cause": by_stage}


def _standard(scenario: Scenario, results: list[StationResult], opening_min: float
              ) -> dict[str, Any]:
    """The scenario's standard judged on these days: holds or not, and each failed part in
    words (:mod:`simulation.standard`, the definition simulate, size and run use)."""
    rule = scenario.standard
    days = [[p for p in str(r.row["standard_failed"]).split(";") if p] for r in results]
    failed = station_failed_parts(rule, days)
    met = sum(not d for d in days) / len(days)
    verdict = (
        f"The standard holds: met on {met:.0%} of {len(days)} simulated days."
        if not failed else
        f"The standard does NOT hold ({', '.join(part_text(p) for p in failed)}): met on "
        f"{met:.0%} of {len(days)} simulated days, {rule.days_share:.0%} needed."
    )
    return {
        "rule": rule_text(rule),
        "days_meeting": round(met, 4),
        "holds": not failed,
        "verdict": verdict,
        "failed": [{"part": p, "text": _part_detail(p, rule, results, days, opening_min)}
                   for p in failed],
        "days_failing_by_part": {p: sum(p in d for d in days)
                                 for p in sorted({p for d in days for p in d})},
    }


def _part_detail(part: str, rule: Standard, results: list[StationResult],
                 days: list[list[str]], opening_min: float) -> str:
    """What a failed part means on this station's days, in a planner's words."""
    failing = sum(part in d for d in days)
    share = f"on {failing} of {len(days)} days"
    if part == "closing":
        late = float(np.median([float(r.row["last_out_after_close_min"]) for r in results]))
        last = float(np.median([float(r.row["last_left_min"]) for r in results]))
        return (f"the last voter leaves at {_clock(opening_min + last)} on the median day, "
                f"{late / 60:.1f} h after closing ({share} later than "
                f"{rule.last_out_after_close_max_min:g} min after closing); if the line to "
                "the terminals is short, desks or booths are the bottleneck")
    if part == "lost_votes":
        lost = float(np.mean([int(r.row["lost_votes"]) for r in results]))
        arrived = float(np.mean([int(r.row["arrived"]) for r in results]))
        return (f"{lost:.1f} voters a day give up or are sent home at closing "
                f"({lost / arrived if arrived else 0:.1%} of arrivals; at most "
                f"{rule.lost_share_max:.1%} allowed in the long run: {share} lost more than "
                f"a station at that share would on {rule.days_share:.0%} of its days)")
    p95 = float(np.mean([float(r.row["wait_p95_min"]) for r in results]))
    limit = rule.stage_wait_p95_max_min.get(part[5:], 0.0) if ":" in part else \
        rule.wait_p95_max_min
    what = "p95 time in line (every stage)" if part == "wait" else f"p95 wait in {part_text(part)}"
    detail = f", {p95:.1f} min on average" if part == "wait" else ""
    return f"{what} over {limit:g} min {share}{detail}"


def _fewest_units(scenario: Scenario, days: int, seed: int) -> dict[str, Any]:
    """The sizing search of ``pollday size`` on this station's days: the fewest units of
    every pool of its flow meeting the standard (the default flow's pools are terminal, desk
    and booth), pool by pool in flow order, and never a cut that loses more votes than the
    station's units as given on the same days."""
    request = SizingRequest(
        targets=(),  # the scenario's standard, every part
        confidence=CONFIDENCE,
        replications=days,
        resources=tuple(scenario.pool_names),
        seed=seed,
    )
    answer = size_band(scenario, build_stations(scenario), [0], request)
    mean_p95, low, high = answer.final.p95_ci()
    return {
        "pools": {str(pool): int(units) for pool, units in dict(answer.units).items()},
        "reachable": not answer.unreachable,
        "unreachable": [str(pool) for pool in answer.unreachable],
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
    standard = _standard(scenario, results, opening)
    hours = int(scenario.election.day_s // 3600)
    last_left_min = float(np.median([float(r.row["last_left_min"]) for r in results]))
    return {
        "days_simulated": days,
        "seed": root,
        "arrived_per_day": _mean(results, "arrived"),
        "voted_per_day": _mean(results, "voted"),
        "wait_min": _waits(results),
        # What a wait is: with a [[flow]] the time in every line (see docs/model.md).
        "wait_measures": "time in every line",
        "longest_line": {
            "people": peak["people"],
            "at": peak["time"],
            "worst_day_people": max(int(r.row["max_queue"]) for r in results),
        },
        "lost_votes_per_day": _lost(results),
        # The identifying pool's busy share (the default flow's terminals).
        "identification_utilisation": {"pool": identification_pool(scenario),
                                       "share": _mean(results, "terminal_utilisation")},
        "last_voter_left": _clock(opening + last_left_min),
        "protocol": _protocol(scenario, results, opening),
        "notes": [f["text"] for f in standard["failed"]],
        "standard": standard,
        "fewest_units": _fewest_units(scenario, days, root),
        "line_curve": curve,
        "opening_hours": hours,
        # Only when the station may open late (the scenario's late_opening, --opens-late-min).
        **({"late_opening": late_days([r.row for r in results])}
           if has_late_opening(scenario) else {}),
        "wall_s": round(time.perf_counter() - started, 3),
    }


def answer(base: dict[str, Any], given: dict[str, str], days: int,
           seed: int | None) -> dict[str, Any]:
    """Inputs in, the calculator's whole answer out (the CLI's and the web page's)."""
    scenario = station_scenario(base, given)
    return {"inputs": resolved_inputs(scenario), **calculate(scenario, days=days, seed=seed)}
