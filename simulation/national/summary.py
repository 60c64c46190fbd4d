"""National figures from the run's aggregate: the content of ``summary.json``.

Counts are per replication (averaged when a scenario asks for several) and exact; wait
percentiles pool every person of every replication in a mergeable histogram (within
0.05 % of the exact order statistic, see :mod:`simulation.outputs.histogram`). Everything comes
from integer counts and exact sums, so the figures do not depend on how stations were
chunked or spread over workers and machines.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulation.clock import home_opening_s
from simulation.national.aggregate import COUNT_KEYS, MAX_HOURS_AFTER_CLOSE, NationalAggregate
from simulation.national.runner import NationalResult
from simulation.national.summary_model import (
    ArrivalsIn,
    CheckinPeak,
    LateOpening,
    SimulationSummary,
    StationStandard,
    TurnoutAt,
    WaitFigures,
    Weighted,
)
from simulation.outputs.histogram import UNIT_MIN, WaitHistogram, weighted_percentile_min
from simulation.scenario.lint import scenario_warnings
from simulation.scenario.model import minutes_of_day
from simulation.standard import WAIT_STANDARD_MIN as WAIT_STANDARD_MIN
from simulation.standard import national_standard
from simulation.station.late_opening import has_late_opening, late_summary
from simulation.stations import station_code

__all__ = ["VOTER_COUNTS", "WAIT_STANDARD_MIN", "national_summary", "simulation_summary"]


def _clock(minutes: float) -> str:
    m = round(minutes) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _count(agg: NationalAggregate, key: str) -> float | int:
    per_rep = agg.counts[:, :, COUNT_KEYS.index(key)].sum(axis=1)
    return int(per_rep[0]) if len(per_rep) == 1 else round(float(per_rep.sum()) / len(per_rep), 1)


def _outcomes(agg: NationalAggregate) -> dict[str, float | int]:
    """Refused and lost by stage and cause (simulation.station.outcomes), a day's mean like
    _count."""
    reps = agg.replications
    return {name: total if reps == 1 else round(total / reps, 1)
            for name, total in agg.outcomes.items()}


def _wait_figures(hist: WaitHistogram) -> WaitFigures:
    if hist.total == 0:
        return WaitFigures(mean=0.0, p50=0.0, p95=0.0, p99=0.0, max=0.0)
    return WaitFigures(
        mean=round(hist.mean_min(), 3),
        p50=round(hist.percentile_min(50), 3),
        p95=round(hist.percentile_min(95), 3),
        p99=round(hist.percentile_min(99), 3),
        max=round(hist.max_min(), 3),
    )


def _turnout_by_hour(result: NationalResult, registered: int) -> list[TurnoutAt]:
    opening = minutes_of_day(result.scenario.election.opening)
    first_full_hour = opening + 60 - opening % 60  # the checkins_by_hour cuts (station/metrics.py)
    by_hour = result.aggregate.checkins_by_hour.mean(axis=0)
    return [
        TurnoutAt(time=_clock(first_full_hour + 60 * h),
                  cumulative_turnout=round(v / registered, 5))
        for h, v in enumerate(by_hour.tolist())
    ]


def _arrivals_by_hour(result: NationalResult) -> list[ArrivalsIn]:
    opening = minutes_of_day(result.scenario.election.opening)
    by_hour = result.aggregate.arrivals_by_hour.mean(axis=0)
    return [
        ArrivalsIn(time=_clock(opening + 60 * h), arrivals=round(float(v), 1))
        for h, v in enumerate(by_hour.tolist())
    ]


def _checkin_peak(result: NationalResult) -> CheckinPeak:
    counts = result.aggregate.checkin_minutes
    if counts.sum() == 0:
        return CheckinPeak(peak=0, peak_time=None)
    peak_minute = int(np.argmax(counts))
    election = result.scenario.election
    # Global time 0 is the earliest opening anywhere; say the peak in home local time.
    home_opens_at_min = round(
        home_opening_s(result.stations.utc_offset_min, election.utc_offset_h) / 60)
    local = minutes_of_day(election.opening) + peak_minute - home_opens_at_min
    return CheckinPeak(peak=int(counts[peak_minute]), peak_time=_clock(local))


def _protocols_by_hour(agg: NationalAggregate, stations: int) -> list[float]:
    if math.isnan(agg.protocol_max_after_s) or stations == 0:
        return []
    hours = min(math.ceil(agg.protocol_max_after_s / 3600), MAX_HOURS_AFTER_CLOSE)
    within = np.cumsum(agg.protocol_hours)  # stations arrived within k hours of closing
    return [round(float(within[h]) / stations, 5) for h in range(1, max(hours, 1) + 1)]


def _upload_attempts_by_hour(agg: NationalAggregate) -> list[int]:
    """Protocol upload attempts (failed ones included) per hour after closing."""
    if agg.uploads == 0:
        return []
    hours = max(min(math.ceil(agg.upload_max_after_s / 3600), MAX_HOURS_AFTER_CLOSE), 1)
    by_hour = agg.upload_hours[:hours].copy()
    by_hour[-1] += agg.upload_hours[hours:].sum()  # the last hour takes what lies beyond
    return [int(x) for x in by_hour]


def _counting_stations(result: NationalResult) -> int:
    """Stations that count and upload a protocol (not those of groups counted elsewhere)."""
    c, stations = result.scenario.counting, result.aggregate.stations
    return sum(int(stations[g]) for g, group in enumerate(result.scenario.station_groups)
               if not c.elsewhere_for(group.counted))


def _protocol_figures(result: NationalResult) -> dict[str, Any]:
    """Protocols that never arrived and upload attempts, or null with ``counted_elsewhere``:
    a country that counts centrally has no station protocol to miss (not 0 of them)."""
    agg = result.aggregate
    counting = _counting_stations(result)
    elsewhere = int(agg.stations.sum()) - counting
    if counting == 0:
        return {"protocols_never_uploaded": None, "protocol_upload_attempts": None,
                "counted_elsewhere": True, "stations_counted_elsewhere": elsewhere}
    return {
        "protocols_never_uploaded": counting - int(agg.protocol_hours.sum()),
        "protocol_upload_attempts": int(agg.uploads),  # replication 0, failed ones included
        "counted_elsewhere": False,
        "stations_counted_elsewhere": elsewhere,
    }


# Per-station voter counts (stations.csv columns) that national figures add up; the report
# reads the same columns (pollday.report.run_folder).
VOTER_COUNTS = (
    "registered",
    "arrived",
    "voted",
    "reneged",
    "not_served_at_close",
    "refused_not_identified",
)
_WEIGHTED = (*VOTER_COUNTS, "duplicate_attempts")


def _weighted(result: NationalResult) -> Weighted | None:
    """National counts when each simulated station stands for ``weight`` real ones."""
    agg = result.aggregate
    w = np.array([g.weight for g in result.scenario.station_groups], dtype=np.float64)
    if np.all(w == 1):
        return None
    per_rep = {k: agg.counts[:, :, COUNT_KEYS.index(k)] @ w for k in _WEIGHTED if k in COUNT_KEYS}
    out: dict[str, Any] = {k: round(float(np.mean(v)), 1) for k, v in per_rep.items()}
    out["registered"] = round(float(agg.registered @ w), 1)
    out = {k: out[k] for k in _WEIGHTED}
    out["stations"] = round(float(agg.stations @ w), 1)
    out["turnout"] = round(out["voted"] / out["registered"], 5) if out["registered"] else 0.0
    voters = float(sum(h.total * wg for h, wg in zip(agg.waits, w, strict=True)))
    weighted_counts = np.sum([h.counts * wg for h, wg in zip(agg.waits, w, strict=True)], axis=0)
    out["wait_min"] = _weighted_wait_figures(agg, w, weighted_counts, voters)
    out["share_voters_waiting_over_30_min"] = (
        round(float(agg.over_standard @ w) / voters, 5) if voters else 0.0)
    out["note"] = (
        "each simulated station counted weight times (station_groups[].weight), its voters' "
        "waits too; the schedule and load-test rates describe the simulated stations only"
    )
    return Weighted.model_validate(out)


def _weighted_wait_figures(agg: NationalAggregate, w: np.ndarray[Any, Any],
                           counts: np.ndarray[Any, Any], voters: float) -> WaitFigures:
    """Wait figures when each voter stands for ``weight`` real ones."""
    if voters == 0:
        return _wait_figures(WaitHistogram())
    total_units = sum(h.sum_units * wg for h, wg in zip(agg.waits, w, strict=True))
    p50, p95, p99 = (round(weighted_percentile_min(counts, q), 3) for q in (50, 95, 99))
    return WaitFigures(mean=round(float(total_units) * UNIT_MIN / voters, 3),
                       p50=p50, p95=p95, p99=p99, max=round(agg.all_waits().max_min(), 3))


def national_summary(result: NationalResult) -> dict[str, Any]:
    """``summary.json``'s content as a dict (no ``format``): the view for callers that merge
    it into a bigger file (``pollday run``) or index it by key; :func:`simulation_summary`
    is the typed model."""
    out = simulation_summary(result).as_json()
    del out["format"]
    return out


def simulation_summary(result: NationalResult) -> SimulationSummary:
    """The day's national figures, typed from here to every reader (``summary.json`` is its
    :meth:`~SimulationSummary.write`)."""
    agg = result.aggregate
    registered = int(agg.registered.sum())
    stations = int(agg.stations.sum())
    pooled = agg.all_waits()
    voted = _count(agg, "voted")
    reneged, not_served = _count(agg, "reneged"), _count(agg, "not_served_at_close")
    wait = _wait_figures(pooled)
    names = result.scenario.group_names
    worst = [{"station": station_code(w.station), "group": names[w.group],
              "failed": [p for p in w.failed.split(";") if p],
              "p95_wait_min": round(w.p95, 2), "lost_votes": round(w.lost_votes, 2),
              "last_out_after_close_min": round(w.last_out_after_close_min, 1)}
             for w in agg.worst]
    standard = StationStandard.model_validate(national_standard(
        result.scenario.standard, worst, stations=stations,
        failing_by_part=agg.failing_by_part, stations_failing=agg.stations_failing,
        worst_p95_min=agg.worst_p95_min, national_p95_min=wait.p95))
    late = (LateOpening.model_validate(late_summary(agg.late, stations))
            if has_late_opening(result.scenario) else None)
    # Every field is given, defaults included: the file holds exactly the fields set here.
    return SimulationSummary(
        format=SimulationSummary.FORMAT,
        scenario=result.scenario.election.name,
        seed=result.seed,
        replications=result.replications,
        stations=stations,
        registered=registered,
        arrived=_count(agg, "arrived"),
        voted=voted,
        reneged=reneged,
        not_served_at_close=not_served,
        # Lost votes are the standard's: voters refused as not recognised are apart.
        lost_votes=round(reneged + not_served, 1),
        refused_not_identified=_count(agg, "refused_not_identified"),
        duplicate_attempts=_count(agg, "duplicate_attempts"),
        refused_duplicates=_count(agg, "refused_duplicates"),
        outcomes=_outcomes(agg),
        duplicates_voted=_count(agg, "duplicates_voted"),
        turnout=round(voted / registered, 5) if registered else 0.0,
        wait_min=wait,
        standard=standard,
        share_voters_waiting_over_30_min=(
            round(int(agg.over_standard.sum()) / pooled.total, 5) if pooled.total else 0.0
        ),
        stations_failing_standard=standard.stations_failing,
        terminal_failures=_count(agg, "terminal_failures"),
        repairs=_count(agg, "repairs"),
        replacements=_count(agg, "replacements"),
        turnout_by_hour=_turnout_by_hour(result, registered),
        arrivals_by_hour=_arrivals_by_hour(result),
        checkins_per_minute=_checkin_peak(result),
        protocols_uploaded_by_hour_after_close=_protocols_by_hour(
            agg, _counting_stations(result)),
        protocol_upload_attempts_by_hour_after_close=_upload_attempts_by_hour(agg),
        **_protocol_figures(result),
        schedule_events=agg.schedule_events,
        wall_s=round(result.wall_s, 2),
        weighted=_weighted(result),
        # None: the scenario has no late opening (every station opens on time).
        late_opening=late,
        warnings=scenario_warnings(result.scenario),
    )
