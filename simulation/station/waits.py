"""Time in line at a station: each person's wait at each stage, every stay in a line, and
the line's length over the day (its time average per bin and its maximum)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.station.flow_input import default_flow
from simulation.station.input import StationOutcome
from simulation.station.plan import StationPlan

FloatArray = NDArray[np.float64]


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


def flow_lines(plan: StationPlan, out: StationOutcome) -> tuple[FloatArray, FloatArray]:
    """A configured flow: every stay in every stage's line (the line left by giving up)."""
    ready, wait = stage_waits(plan, out)
    started = ready + wait
    gave_up = ~np.isnan(ready) & np.isnan(started)
    left = np.where(gave_up, out.left_line_s[:, None], started)
    keep = ~np.isnan(ready) & ~np.isnan(left)
    return ready[keep], left[keep]


def line_intervals(plan: StationPlan, out: StationOutcome) -> tuple[FloatArray, FloatArray]:
    """Start and end of every stay in the line (first wait, plus requeues after failures)."""
    # Every stage's line, the default flow's desks and booths too: the standard judges the
    # whole visit, and a line at the booths is still a line outside.
    begin, end = flow_lines(plan, out)
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


def visit_waits_s(plan: StationPlan, out: StationOutcome) -> FloatArray:
    """Every wait to report, one definition for every flow (the standard's): each voter's
    total time in line over every stage, for who got through identification."""
    _, per_stage = stage_waits(plan, out)
    through = ~np.isnan(out.exit_s) | ~np.isnan(out.checkin_end_s)
    waits: FloatArray = np.nansum(per_stage, axis=1)[through]
    return waits
