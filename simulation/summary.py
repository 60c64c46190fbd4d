"""National figures from every station's result: the content of ``summary.json``.

Counts are per replication (averaged when a scenario asks for several); wait percentiles
pool every person of every replication. Everything is computed in station order from
exact per-person data, so the figures do not depend on how stations were spread over
workers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulation.clock import home_opening_s
from simulation.runner import NationalResult, day_layout
from simulation.scenario import minutes_of_day
from simulation.scenario_warnings import scenario_warnings
from simulation.standard import WAIT_STANDARD_MIN as WAIT_STANDARD_MIN
from simulation.standard import wait_standard
from simulation.station_metrics import StationResult

_MAX_HOURS_AFTER_CLOSE = 72

FloatArray = NDArray[np.float64]


def _clock(minutes: float) -> str:
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _count(results: list[list[StationResult]], key: str) -> float | int:
    per_rep = [sum(int(r.row[key]) for r in rep) for rep in results]
    mean = sum(per_rep) / len(per_rep)
    return per_rep[0] if len(per_rep) == 1 else round(mean, 1)


def _wait_figures(waits_min: np.ndarray[Any, Any]) -> dict[str, float]:
    if len(waits_min) == 0:
        return {"mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    w = waits_min.astype(np.float64)
    p50, p95, p99 = np.percentile(w, [50, 95, 99])
    return {
        "mean": round(float(w.mean()), 3),
        "p50": round(float(p50), 3),
        "p95": round(float(p95), 3),
        "p99": round(float(p99), 3),
        "max": round(float(w.max()), 3),
    }


def _turnout_by_hour(result: NationalResult, registered: int) -> list[dict[str, Any]]:
    hours, _ = day_layout(result.scenario)
    opening = minutes_of_day(result.scenario.election.opening)
    by_hour = np.mean(
        [np.sum([r.checkins_by_hour for r in rep], axis=0) for rep in result.results], axis=0
    )
    return [
        {"time": _clock(opening + 60 * (h + 1)), "cumulative_turnout": round(v / registered, 5)}
        for h, v in enumerate(by_hour.tolist()[:hours])
    ]


def _arrivals_by_hour(result: NationalResult) -> list[dict[str, Any]]:
    opening = minutes_of_day(result.scenario.election.opening)
    by_hour = np.mean(
        [np.sum([r.arrivals_by_hour for r in rep], axis=0) for rep in result.results], axis=0
    )
    return [
        {"time": _clock(opening + 60 * h), "arrivals": round(float(v), 1)}
        for h, v in enumerate(by_hour.tolist())
    ]


def _checkin_peak(result: NationalResult) -> dict[str, Any]:
    minutes = np.concatenate([r.checkin_minute for r in result.results[0]])
    if len(minutes) == 0:
        return {"peak": 0, "peak_time": None}
    counts = np.bincount(minutes)
    peak_minute = int(np.argmax(counts))
    election = result.scenario.election
    # Global time 0 is the earliest opening anywhere; say the peak in home local time.
    home_opens_at_min = round(
        home_opening_s(result.stations.utc_offset_min, election.utc_offset_h) / 60)
    local = minutes_of_day(election.opening) + peak_minute - home_opens_at_min
    return {"peak": int(counts[peak_minute]), "peak_time": _clock(local)}


def _protocols_by_hour(result: NationalResult) -> list[float]:
    after_s = np.array([r.protocol_after_close_s for r in result.results[0]])
    if len(after_s) == 0 or np.isnan(after_s).all():
        return []
    hours = min(math.ceil(float(np.nanmax(after_s)) / 3600), _MAX_HOURS_AFTER_CLOSE)
    return [round(float(np.mean(after_s <= 3600 * h)), 5) for h in range(1, max(hours, 1) + 1)]


def _upload_attempts_by_hour(result: NationalResult) -> list[int]:
    """Protocol upload attempts (failed ones included) per hour after closing."""
    after_s = np.concatenate(
        [r.upload_attempts_after_close_s for r in result.results[0]] or [np.zeros(0)]
    )
    if len(after_s) == 0:
        return []
    hours = min(math.ceil(float(after_s.max()) / 3600), _MAX_HOURS_AFTER_CLOSE)
    hour = np.clip(np.floor(after_s / 3600), 0, max(hours - 1, 0)).astype(np.int64)
    return [int(x) for x in np.bincount(hour, minlength=max(hours, 1))]


# Per-station voter counts (stations.csv columns) that national figures add up; the report
# reads the same columns (pollday.report.run_folder).
VOTER_COUNTS = (
    "registered",
    "arrived",
    "voted",
    "reneged",
    "not_served_at_close",
    "refused_biometric",
)
_WEIGHTED = (*VOTER_COUNTS, "duplicate_attempts")


def _weighted(result: NationalResult) -> dict[str, Any] | None:
    """National counts when each simulated station stands for ``weight`` real ones."""
    weights = np.array([g.weight for g in result.scenario.station_groups])
    w = weights[result.stations.group[result.station_indices]]
    if np.all(w == 1):
        return None
    per_rep = [
        {k: float(np.dot(w, [float(r.row[k]) for r in rep])) for k in _WEIGHTED}
        for rep in result.results
    ]
    out: dict[str, Any] = {k: round(float(np.mean([p[k] for p in per_rep])), 1) for k in _WEIGHTED}
    out["stations"] = round(float(w.sum()), 1)
    out["turnout"] = round(out["voted"] / out["registered"], 5) if out["registered"] else 0.0
    waits = [r.waits_min for rep in result.results for r in rep]
    station_w = np.tile(w, len(result.results))  # the same stations in every replication
    pooled = np.concatenate(waits).astype(np.float64)
    voter_w = np.repeat(station_w, [len(x) for x in waits]).astype(np.float64)
    out["wait_min"] = _weighted_wait_figures(pooled, voter_w)
    out["share_voters_waiting_over_30_min"] = (
        round(float(np.dot(voter_w, pooled > WAIT_STANDARD_MIN) / voter_w.sum()), 5)
        if len(pooled)
        else 0.0
    )
    out["note"] = (
        "each simulated station counted weight times (station_groups[].weight), its voters' "
        "waits too; the schedule and load-test rates describe the simulated stations only"
    )
    return out


def _weighted_wait_figures(waits_min: FloatArray, weights: FloatArray) -> dict[str, float]:
    """Wait figures when each voter stands for ``weight`` real ones (an inverse-CDF quantile:
    the smallest wait whose cumulative weight reaches q)."""
    if len(waits_min) == 0:
        return _wait_figures(waits_min)
    order = np.argsort(waits_min, kind="stable")
    w_sorted, cum = waits_min[order], np.cumsum(weights[order])

    def q(share: float) -> float:
        k = min(int(np.searchsorted(cum, share * cum[-1], side="left")), len(cum) - 1)
        return round(float(w_sorted[k]), 3)
    return {
        "mean": round(float(np.average(waits_min, weights=weights)), 3),
        "p50": q(0.50),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": round(float(waits_min.max()), 3),
    }


def national_summary(result: NationalResult) -> dict[str, Any]:
    results = result.results
    registered = int(result.stations.registered[result.station_indices].sum())
    waits = np.concatenate([r.waits_min for rep in results for r in rep])
    voted = _count(results, "voted")
    lost = {k: _count(results, k) for k in ("reneged", "not_served_at_close", "refused_biometric")}
    wait = _wait_figures(waits)
    standard = wait_standard(result, wait["p95"])
    return {
        "scenario": result.scenario.election.name,
        "seed": result.seed,
        "replications": result.replications,
        "stations": len(result.station_indices),
        "registered": registered,
        "arrived": _count(results, "arrived"),
        "voted": voted,
        **lost,
        "lost_votes": round(sum(lost.values()), 1),
        "duplicate_attempts": _count(results, "duplicate_attempts"),
        "refused_duplicates": _count(results, "refused_duplicates"),
        "duplicates_voted": _count(results, "duplicates_voted"),
        "turnout": round(voted / registered, 5) if registered else 0.0,
        "wait_min": wait,
        "wait_standard": standard,
        "share_voters_waiting_over_30_min": (
            round(float(np.mean(waits > WAIT_STANDARD_MIN)), 5) if len(waits) else 0.0
        ),
        # One definition everywhere (table, headline, threshold): stations whose own p95,
        # averaged over the simulated days, is over 30 min (see simulation/standard.py).
        "stations_with_p95_wait_over_30_min": standard["stations_over"],
        "terminal_failures": _count(results, "terminal_failures"),
        "repairs": _count(results, "repairs"),
        "replacements": _count(results, "replacements"),
        "turnout_by_hour": _turnout_by_hour(result, registered),
        "arrivals_by_hour": _arrivals_by_hour(result),
        "checkins_per_minute": _checkin_peak(result),
        "protocols_uploaded_by_hour_after_close": _protocols_by_hour(result),
        "protocol_upload_attempts_by_hour_after_close": _upload_attempts_by_hour(result),
        "protocols_never_uploaded": sum(
            1 for r in results[0] if math.isnan(r.protocol_after_close_s)
        ),
        "schedule_events": int(sum(len(r.rows) for r in results[0])),
        "wall_s": round(result.wall_s, 2),
        "weighted": _weighted(result),
        "warnings": scenario_warnings(result.scenario),
    }
