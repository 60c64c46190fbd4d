"""How a level at multiple m gets enough requests and time to be judged (the rule of
:mod:`pollday.capacity.judge`): fewer compressions first, then passes of the window.

A multiple fixes the offered rate (m times the window's real rate), so a level's duration
alone decides how many requests it sends. The plan asks :func:`level_load` for a replay as
long as the longest of ``--level-s``, the rule's minimum duration and the time the rule's
count of check-ins takes at that rate: more stations at less compression while the
scenario has stations to add. When every station at the least compression the multiple
allows still gives a shorter replay, the window is replayed several times back to back
(*passes*), each with other voters of the same stations, so the load keeps its shape and
its rate. A plan that needs more than ``max_level_s`` (a low multiple of a small scenario)
or more passes than the stations have fresh voters is "not measured", with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pollday.capacity.judge import LevelRule
from pollday.capacity.window import LevelLoad, level_load
from pollday.models.capacity import Side
from simulation import EventKind

# The requests a multiple counts: online check-ins and duplicate attempts (one request
# each; offline syncs are batches of them, protocols come after closing).
MAIN_KINDS = (EventKind.CHECKIN, EventKind.DUPLICATE)
LOW: Side = "low"  # which side of the measurable multiples a plan fell off
HIGH: Side = "high"


def main_per_station(rows: NDArray[np.void], n_stations: int) -> NDArray[np.int64]:
    """Requests of the main kinds per station in ``rows`` (all events when it has none)."""
    main = np.isin(rows["kind"], MAIN_KINDS)
    counted = rows[main] if main.any() else rows
    return np.bincount(counted["station"], minlength=n_stations).astype(np.int64)


def voters_per_station(rows: NDArray[np.void], n_stations: int) -> NDArray[np.int64]:
    """Distinct voters of each station in ``rows``: what one pass of the window uses."""
    real = rows[rows["voter"] >= 0]
    keys = np.unique(real["station"].astype(np.int64) << 32 | real["voter"].astype(np.int64))
    return np.bincount(keys >> 32, minlength=n_stations).astype(np.int64)


def fresh_passes(registered: NDArray[np.int64], voters: NDArray[np.int64],
                 used: int = 0) -> NDArray[np.int64]:
    """Per station, the passes of the window its ``registered`` voters still allow after
    ``used`` blocks (a station without voters in the window limits nothing)."""
    unlimited = np.iinfo(np.int64).max
    allowed = np.full(len(registered), unlimited, dtype=np.int64)
    has = voters > 0
    allowed[has] = registered[has] // voters[has] - used
    return allowed


@dataclass(frozen=True)
class LevelPlan:
    load: LevelLoad
    passes: int  # replays of the window, back to back
    pass_s: float  # one pass, test seconds
    main_requests: int  # check-ins (main kinds) scheduled over all passes
    not_measured: str | None = None  # why this level cannot be judged (None: it can)
    side: Side | None = None  # LOW: the rate is too low for the rule; HIGH: too high

    @property
    def replay_s(self) -> float:
        return self.passes * self.pass_s


def plan_level(multiple: float, order: NDArray[np.int64], load: NDArray[np.float64],
               main: NDArray[np.int64], window_s: float, level_s: float, rule: LevelRule,
               max_level_s: float, fresh_passes: NDArray[np.int64] | None) -> LevelPlan:
    """The plan of the level at ``multiple``. ``main``: requests of the main kinds per
    station in the window; ``fresh_passes``: per station, the passes of the window its
    voters allow (None: unlimited; see :func:`fresh_passes`)."""
    target_s = max(level_s, rule.min_s)
    level = level_load(multiple, order, load, window_s, target_s)
    for _ in range(3):  # the rate barely moves with the stations: converges at once
        pass_s = window_s / level.compress
        per_pass = int(main[level.stations].sum())
        if per_pass == 0:
            break
        need_s = max(target_s, rule.min_requests * pass_s / per_pass)
        if need_s <= target_s * (1 + 1e-9):
            break
        target_s = need_s
        level = level_load(multiple, order, load, window_s, target_s)
    pass_s = window_s / level.compress
    per_pass = int(main[level.stations].sum())
    # Whole passes: the last one is not cut short, so the shape of the window is kept.
    passes = max(1, math.ceil(target_s / pass_s - 1e-9))
    if per_pass > 0:
        passes = max(passes, math.ceil(rule.min_requests / per_pass - 1e-9))
    plan = LevelPlan(level, passes, pass_s, passes * per_pass)
    if per_pass == 0:
        return _unmeasured(plan, "the window holds no check-ins of these stations", LOW)
    if plan.replay_s > max_level_s * (1 + 1e-9):
        rate = per_pass / pass_s
        return _unmeasured(plan, (
            f"at {multiple:g}x the {rule.min_requests:,} check-ins and {rule.min_s:.3g} s a "
            f"level needs take {plan.replay_s:,.0f} s at {rate:,.3g} check-ins/s, over "
            f"--max-level-s {max_level_s:g}"), LOW)
    if fresh_passes is not None:
        allowed = int(fresh_passes[level.stations].min())
        if passes > allowed:
            return _unmeasured(plan, (
                f"at {multiple:g}x a level needs {passes} passes of the window "
                f"({pass_s:.3g} s each) and the stations have fresh voters for {allowed}"),
                HIGH)
    return plan


def _unmeasured(plan: LevelPlan, why: str, side: Side) -> LevelPlan:
    return LevelPlan(plan.load, plan.passes, plan.pass_s, plan.main_requests, why, side)
