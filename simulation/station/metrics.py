"""Turn one station's raw outcome into figures: its CSV row, waits, queue curve, schedule
(the time in line from :mod:`simulation.station.waits`, the messages to the central service
from :mod:`simulation.station.messages`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulation.outputs.schedule import Schedule
from simulation.station.input import StationOutcome, Status
from simulation.station.late_opening import opening_row
from simulation.station.messages import protocol_arrives_s, schedule_rows, upload_attempts_s
from simulation.station.outcomes import station_outcomes
from simulation.station.plan import StationPlan
from simulation.station.waits import line_intervals, max_queue, queue_curve, visit_waits_s

COUNTED_ELSEWHERE = "counted elsewhere"  # stations.csv protocol_uploaded, no protocol
QUEUE_BIN_S = 300.0  # queue length is reported per 5-minute bin
FloatArray = NDArray[np.float64]


@dataclass
class StationResult:
    row: dict[str, Any]  # one line of stations.csv
    waits_min: NDArray[np.float32]  # time in line, every stage (visit_waits_s)
    line_time_s: float  # total person-seconds spent in the line (Little's law)
    queue_bins: NDArray[np.float32]  # time-average line length per 5-minute bin
    checkins_by_hour: NDArray[np.int64]  # voters checked in before each full local hour
    arrivals_by_hour: NDArray[np.int64]  # people arriving in each local hour of the day
    checkin_minute: NDArray[np.int64]  # global minute of every accepted check-in
    rows: Schedule
    protocol_after_close_s: float  # nan: the protocol does not arrive on election night
    upload_attempts_after_close_s: FloatArray
    voters: NDArray[np.void] | None = None  # per-voter rows, on request (voters.npy)


def _clock(opening_min: float, t_s: float) -> str:
    if math.isnan(t_s):
        return ""
    total_min = round(opening_min + t_s / 60)
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


def _wait_figures(waits_min: NDArray[np.float32]) -> dict[str, float]:
    def pct(q: float) -> float:
        return round(float(np.percentile(waits_min, q)), 3) if len(waits_min) else 0.0

    return {
        "wait_p50_min": pct(50),
        "wait_p95_min": pct(95),
        "wait_p99_min": pct(99),
        "wait_max_min": round(float(waits_min.max()), 3) if len(waits_min) else 0.0,
    }


def _station_row(
    plan: StationPlan,
    out: StationOutcome,
    waits_min: NDArray[np.float32],
    max_line: int,
    opening_min: float,
) -> dict[str, Any]:
    """The station's figures in stations.csv, after its identity columns."""
    inp, status = plan.input, out.status
    elsewhere = plan.uploads.counted_elsewhere  # no protocol: say so, not 0 attempts
    horizon_s = max(inp.close_s, float(np.nanmax(out.checkin_end_s, initial=0.0)))
    return {
        "arrived": inp.size,
        "voted": int((status == Status.VOTED).sum()),
        "duplicate_attempts": int(inp.duplicate.sum()),
        "reneged": int((status == Status.RENEGED).sum()),
        "not_served_at_close": int((status == Status.NOT_SERVED).sum()),
        "refused_not_identified": int((status == Status.REFUSED_BIOMETRIC).sum()),
        "refused_duplicates": int((status == Status.REFUSED_DUPLICATE).sum()),
        "duplicates_voted": int((status == Status.DUPLICATE_VOTED).sum()),
        **_wait_figures(waits_min),
        "max_queue": max_line,
        "terminal_utilisation": round(out.terminal_busy_s / (inp.terminals * horizon_s), 4),
        "terminal_failures": out.terminal_failures,
        "repairs": out.repairs,
        "replacements": out.replacements,
        "last_voter_left": _clock(opening_min, out.last_exit_s),
        "protocol_uploaded": COUNTED_ELSEWHERE if elsewhere else _clock(
            opening_min, protocol_arrives_s(plan, out)),
        "last_left_min": round(out.last_exit_s / 60, 2),
        "protocol_at_min": round(protocol_arrives_s(plan, out) / 60, 2),
        "upload_attempts": None if elsewhere else plan.uploads.attempts,
    }


def full_hours_s(opening_min: float, hours: int) -> NDArray[np.float64]:
    """The first ``hours`` full local clock hours after opening, in seconds from opening
    (09:00, 10:00 ... for an 08:00 or an 08:30 opening)."""
    first_s = (60 - opening_min % 60) * 60
    return first_s + np.arange(hours, dtype=np.float64) * 3600.0


def summarise_station(
    plan: StationPlan,
    out: StationOutcome,
    *,
    station: int,
    group: str,
    constituency: int,
    registered: int,
    opening_min: float,
    open_offset_s: float,
    sync_interval_s: float | None,
    hours: int,
    queue_bins: int,
    arrival_hours: int | None = None,
) -> StationResult:
    inp = plan.input
    begin_s, end_s = line_intervals(plan, out)
    waits_min = (visit_waits_s(plan, out) / 60).astype(np.float32)
    row: dict[str, Any] = {
        "index": station,
        "group": group,
        "constituency": constituency,
        "registered": registered,
        **_station_row(plan, out, waits_min, max_queue(begin_s, end_s), opening_min),
        # Refusals and lost votes by stage and cause (simulation.station.outcomes), a column each.
        **station_outcomes(plan.input.flow, out),
        **opening_row(inp, out),
    }
    checkin_s = out.checkin_end_s[out.status == Status.VOTED]
    return StationResult(
        row=row,
        waits_min=waits_min,
        line_time_s=float(np.sum(end_s - begin_s)),
        queue_bins=queue_curve(begin_s, end_s, QUEUE_BIN_S, queue_bins),
        checkins_by_hour=np.searchsorted(
            np.sort(checkin_s), full_hours_s(opening_min, hours), side="right"
        ).astype(np.int64),
        # Every hour of the day, the last one partial (a 07:00-19:30 day has 13 bins).
        arrivals_by_hour=np.bincount(
            np.minimum(inp.arrival_s // 3600, (arrival_hours or hours) - 1).astype(np.int64),
            minlength=arrival_hours or hours,
        ).astype(np.int64),
        checkin_minute=((checkin_s + open_offset_s) // 60).astype(np.int64),
        rows=schedule_rows(plan, out, station, open_offset_s, sync_interval_s),
        protocol_after_close_s=protocol_arrives_s(plan, out) - inp.close_s,
        upload_attempts_after_close_s=upload_attempts_s(plan, out) - inp.close_s,
    )
