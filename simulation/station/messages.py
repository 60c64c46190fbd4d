"""What a station sends the central service, and when: each check-in online or in an
offline batch, and every protocol upload attempt (the schedule the load test replays)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from simulation.outputs.schedule import EventKind, Schedule, make_rows, merge
from simulation.station.flow_input import call_stage_of
from simulation.station.input import StationOutcome, Status
from simulation.station.plan import StationPlan

FloatArray = NDArray[np.float64]


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


def schedule_rows(
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
