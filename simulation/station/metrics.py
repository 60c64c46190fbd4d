"""Turn one station's raw outcome into figures: its CSV row, waits, queue curve, schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulation.outputs.schedule import EventKind, Schedule, make_rows, merge
from simulation.station.flow_input import call_stage_of, default_flow
from simulation.station.input import StationOutcome, Status
from simulation.station.late_opening import opening_row
from simulation.station.outcomes import station_outcomes
from simulation.station.plan import StationPlan

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


def stage_waits(plan: StationPlan, out: StationOutcome) -> tuple[FloatArray, FloatArray]:
    """(people, stages): when each person became ready for each stage of their route (its
    line joined) and the wait until the stage started; nan where not walked or not reached.
    """
    inp = plan.input
    flow = inp.flow or default_flow(1, 1, 1, inp.ballot_s, inp.booth_s)
    n, stages = inp.size, len(flow.stages)
    ready = np.full((n, stages), np.nan)
    for r, route in enumerate(flow.routes):
        mine = flow.route == r
        at = inp.arrival_s[mine]
        for k in route:
            ready[mine, k] = at
            at = out.stage_end_s[k][mine]
    return ready, np.array(out.stage_start_s).T.reshape(n, stages) - ready


def _flow_lines(plan: StationPlan, out: StationOutcome) -> tuple[FloatArray, FloatArray]:
    """A configured flow: every stay in every stage's line (the line left by giving up)."""
    ready, wait = stage_waits(plan, out)
    started = ready + wait
    gave_up = ~np.isnan(ready) & np.isnan(started)
    left = np.where(gave_up, out.left_line_s[:, None], started)
    keep = ~np.isnan(ready) & ~np.isnan(left)
    return ready[keep], left[keep]


def _line_intervals(plan: StationPlan, out: StationOutcome) -> tuple[FloatArray, FloatArray]:
    """Start and end of every stay in the line (first wait, plus requeues after failures)."""
    # Every stage's line, the default flow's desks and booths too: the standard judges the
    # whole visit, and a line at the booths is still a line outside.
    begin, end = _flow_lines(plan, out)
    starts, ends = [begin], [end]
    if out.requeue_segments:
        seg = np.asarray(out.requeue_segments, dtype=np.float64)
        starts.append(seg[:, 0])
        ends.append(seg[:, 1])
    return np.concatenate(starts), np.concatenate(ends)


def queue_curve(
    begin_s: FloatArray, end_s: FloatArray, bin_s: float, n_bins: int
) -> NDArray[np.float32]:
    """Time-average number of people in line per bin, from their stays [begin, end)."""
    edges = np.arange(n_bins + 1) * bin_s
    a, b = np.sort(begin_s), np.sort(end_s)
    ca, cb = np.concatenate([[0.0], np.cumsum(a)]), np.concatenate([[0.0], np.cumsum(b)])
    ka, kb = np.searchsorted(a, edges), np.searchsorted(b, edges)
    # Person-seconds in line up to each edge: sum(e - a_i, a_i < e) - sum(e - b_i, b_i < e).
    integral = (ka * edges - ca[ka]) - (kb * edges - cb[kb])
    curve: NDArray[np.float32] = (np.diff(integral) / bin_s).astype(np.float32)
    return curve


def max_queue(begin_s: FloatArray, end_s: FloatArray) -> int:
    if len(begin_s) == 0:
        return 0
    times = np.concatenate([end_s, begin_s])
    steps = np.concatenate([-np.ones(len(end_s)), np.ones(len(begin_s))])
    order = np.lexsort((steps, times))  # at equal times, leaving counts before joining
    return int(np.cumsum(steps[order]).max())


def _clock(opening_min: float, t_s: float) -> str:
    if math.isnan(t_s):
        return ""
    total_min = round(opening_min + t_s / 60)
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


def offline_sync_times(
    checkin_s: FloatArray,
    periodic_s: FloatArray,
    close_s: float,
    final_s: float | None = None,
    final_delay_s: float = 0.0,
    protocol_s: float = math.inf,
) -> FloatArray:
    """When each offline check-in reaches the central service.

    Each goes with the first periodic sync at or after it (the device's own clock: its
    phase and jitter), and whatever is left after the last one before closing goes with
    the final sync, ``final_delay_s`` after the last voter has checked in (never before
    closing), or at ``final_s`` when given (a device whose records leave with its protocol).
    """
    if len(checkin_s) == 0:
        return np.zeros(0)
    if final_s is None:
        # ...but a second before the protocol at the latest: the service refuses a
        # station's check-ins once its protocol is in.
        last_s = max(close_s, float(np.nanmax(checkin_s)))
        final_s = max(last_s, min(last_s + final_delay_s, protocol_s - 1.0))
    k = np.searchsorted(periodic_s, checkin_s, side="left")
    after_last = k >= len(periodic_s)
    at: FloatArray = np.where(after_last, final_s, periodic_s[np.minimum(k, len(periodic_s) - 1)])
    return np.where(np.isnan(checkin_s), np.nan, at)


def upload_attempts_s(plan: StationPlan, out: StationOutcome) -> FloatArray:
    """Times of every protocol upload attempt (failed ones, then the one that arrives, if
    any; none for a station counted elsewhere)."""
    times: FloatArray = out.protocol_at_s + plan.uploads.offsets_s
    return times


def protocol_arrives_s(plan: StationPlan, out: StationOutcome) -> float:
    """When the protocol reaches the service on election night (nan: it does not)."""
    up = plan.uploads
    return out.protocol_at_s + float(up.offsets_s[-1]) if up.arrives else math.nan


_PROTOCOL_AFTER_BATCH_S = 1.0


def _final_sync_s(plan: StationPlan, out: StationOutcome) -> float | None:
    """The final batch's time for a device whose records leave with its protocol: the
    first upload attempt (failed uploads retry the protocol, not the records)."""
    return out.protocol_at_s if plan.final_sync_with_protocol else None


def called_end_s(plan: StationPlan, out: StationOutcome) -> FloatArray:
    """When each person left the flow's calling stage (nan: never there, or no stage
    calls): the check-in the central service hears of, online or in a later batch."""
    call = call_stage_of(plan.input.flow)
    if call is None:
        return np.full(len(out.status), np.nan)
    return out.stage_end_s[call] if out.stage_end_s else out.checkin_end_s


def _schedule_rows(
    plan: StationPlan, out: StationOutcome, station: int, offset_s: float, sync_s: float | None
) -> Schedule:
    status, dup, voter = out.status, plan.input.duplicate, plan.voter_index
    # Who passed the flow's calling stage, and when: routes that skip it send nothing.
    recorded_s = called_end_s(plan, out)
    checked = ~np.isin(status, (Status.REFUSED_BIOMETRIC,)) & ~np.isnan(recorded_s)
    if sync_s is None:  # online: a call per check-in, a batch for what was buffered
        sent = checked & ~np.isnan(out.call_at_s)
        synced = checked & np.isnan(out.call_at_s) & ~np.isnan(out.buffered_until_s)
        sent_time, sync_time = out.call_at_s, out.buffered_until_s
    else:  # offline: everything goes in the batch after the check-in
        sent = np.zeros(len(status), dtype=np.bool_)
        synced = checked
        sent_time = out.call_at_s
        sync_time = offline_sync_times(
            recorded_s,
            plan.sync_times_s,
            plan.input.close_s,
            _final_sync_s(plan, out),
            plan.final_sync_delay_s,
            out.protocol_at_s,
        )
    parts = [
        make_rows(
            sent_time[sent] + offset_s,
            np.where(dup[sent], EventKind.DUPLICATE, EventKind.CHECKIN),
            station,
            voter[sent],
        ),
        make_rows(
            sync_time[synced] + offset_s,
            np.where(dup[synced], EventKind.SYNC_DUPLICATE, EventKind.SYNC_CHECKIN),
            station,
            voter[synced],
        ),
    ]
    parts.append(_upload_rows(plan, out, station, offset_s,
                              sync_time[synced] if sync_s is not None else None))
    return merge(parts)


def _upload_rows(plan: StationPlan, out: StationOutcome, station: int, offset_s: float,
                 batch_s: FloatArray | None) -> Schedule:
    """Every upload attempt, numbered -1, -2 ... in ``voter``: the failed ones as
    ``PROTOCOL_FAILED`` (the load test sends them too: a retry storm is load), the one that
    goes through as ``PROTOCOL``."""
    times_s = upload_attempts_s(plan, out)
    kinds = np.full(len(times_s), EventKind.PROTOCOL_FAILED, dtype=np.uint8)
    if plan.uploads.arrives:
        kinds[-1] = EventKind.PROTOCOL
        if batch_s is not None and len(batch_s):  # never before the station's last records
            times_s[-1] = max(times_s[-1], float(np.max(batch_s)) + _PROTOCOL_AFTER_BATCH_S)
    return make_rows(times_s + offset_s, kinds, station,
                     -np.arange(1, len(times_s) + 1, dtype=np.int32))


def visit_waits_s(plan: StationPlan, out: StationOutcome) -> FloatArray:
    """Every wait to report, one definition for every flow (the standard's): each voter's
    total time in line over every stage, for who got through identification."""
    _, per_stage = stage_waits(plan, out)
    through = ~np.isnan(out.exit_s) | ~np.isnan(out.checkin_end_s)
    waits: FloatArray = np.nansum(per_stage, axis=1)[through]
    return waits


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
    begin_s, end_s = _line_intervals(plan, out)
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
        rows=_schedule_rows(plan, out, station, open_offset_s, sync_interval_s),
        protocol_after_close_s=protocol_arrives_s(plan, out) - inp.close_s,
        upload_attempts_after_close_s=upload_attempts_s(plan, out) - inp.close_s,
    )
