"""Sizing targets ("p95_wait_min <= 30") and the per-day figures they are checked on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.errors import InputError
from simulation.scenario.rules import ORDER_OPS, Rule, RuleSyntaxError, split_rule
from simulation.scenario.sections import Standard
from simulation.standard import day_measures, failed_parts
from simulation.station.input import StationOutcome, Status
from simulation.station.outcomes import RENAMED_FIGURES
from simulation.station.plan import StationPlan
from simulation.station.units import DEFAULT_POOLS
from simulation.station.waits import stage_waits

# Wait metrics apply to each pool's own lines (every stage on the pool): the line outside
# for the default flow's terminals, the wait for a free desk, the wait for a free booth.
WAIT_METRICS = ("p95_wait_min", "max_wait_min", "mean_wait_min")
# Lost votes and the last voter's exit are the station's, judged whatever pool is sized.
LOST_METRICS = ("reneged", "lost_votes", "lost_share")
LAST_METRIC = "last_voter_left_after_close_min"
METRICS = (*WAIT_METRICS, *LOST_METRICS, LAST_METRIC)
RESOURCES = ("terminals", "desks", "booths")  # the default flow's pools, as outputs label them


class TargetError(InputError, ValueError):
    """A target string that cannot be understood; the message says how to write one."""


class Target(Rule):
    """A sizing target: a per-day metric of each resource and a bound (a :class:`Rule`)."""

    @property
    def metric(self) -> str:
        return self.name

    def applies_to(self, pool: str) -> bool:
        return True


def parse_target(text: str) -> Target:
    try:
        rule = split_rule(text, name="[a-z_0-9]+", ops=ORDER_OPS)
    except RuleSyntaxError as error:
        if error.shape:
            raise TargetError(
                f"target {text!r} is not 'metric op value', e.g. 'p95_wait_min <= 30'"
            ) from None
        raise TargetError(f"target {text!r}: {error.reason}") from None
    if rule.name in RENAMED_FIGURES:  # an old outcome name: say what it is now, and why not
        raise TargetError(
            f"target {text!r}: {rule.name!r} is now {RENAMED_FIGURES[rule.name]!r} (outcomes "
            "are named by stage and cause), and it is no sizing target: more units do not "
            f"bring back a voter refused at identification; use one of {METRICS}")
    if rule.name not in METRICS:
        raise TargetError(f"target {text!r}: unknown metric {rule.name!r}; use one of {METRICS}")
    return Target(rule.name, rule.op, rule.value)


@dataclass(frozen=True)
class DayFigures:
    """One station-day, seen from each resource."""

    waits_min: dict[str, np.ndarray]  # pool -> waits in its stages' lines, minutes
    reneged: int
    lost_votes: int  # the standard's: left the line or sent home at closing
    arrived: int
    last_voter_left_after_close_min: float
    standard_failed: tuple[str, ...]  # the parts of the scenario's standard this day fails
    visit_p95_min: float  # p95 of the time in line over every stage (the standard's wait)

    def value(self, metric: str, resource: str) -> float:
        if metric in WAIT_METRICS:
            waits = self.waits_min[resource]
            if len(waits) == 0:
                return 0.0
            if metric == "p95_wait_min":
                return float(np.percentile(waits, 95))
            return float(waits.max() if metric == "max_wait_min" else waits.mean())
        if metric == "reneged":
            return float(self.reneged)
        if metric == "lost_votes":
            return float(self.lost_votes)
        if metric == "lost_share":
            return self.lost_votes / self.arrived if self.arrived else 0.0
        return self.last_voter_left_after_close_min


def _pool_waits_min(plan: StationPlan, out: StationOutcome) -> dict[str, np.ndarray]:
    """Every wait in the lines of each pool's stages (the default flow: terminal, desk,
    booth), for who reached the stage."""
    _, per_stage = stage_waits(plan, out)
    flow = plan.input.flow
    pools = ([name for name, _ in flow.pools] if flow is not None else list(DEFAULT_POOLS))
    stage_pool = ([pools[s.pool] for s in flow.stages] if flow is not None
                  else list(DEFAULT_POOLS))
    waits: dict[str, list[np.ndarray]] = {p: [] for p in pools}
    for k, pool in enumerate(stage_pool):
        column = per_stage[:, k]
        waits[pool].append(column[~np.isnan(column)] / 60)
    return {p: np.concatenate(w) if w else np.zeros(0) for p, w in waits.items()}


def day_figures(plan: StationPlan, out: StationOutcome, rule: Standard) -> DayFigures:
    inp = plan.input
    day = day_measures(plan, out, rule)
    return DayFigures(
        waits_min=_pool_waits_min(plan, out),
        reneged=int((out.status == Status.RENEGED).sum()),
        lost_votes=day.lost_votes,
        arrived=inp.size,
        last_voter_left_after_close_min=day.last_out_after_close_min,
        standard_failed=tuple(failed_parts(rule, day)),
        visit_p95_min=day.visit_wait_p95_min,
    )
