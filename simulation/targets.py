"""Sizing targets ("p95_wait_min <= 30") and the per-day figures they are checked on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.errors import InputError
from simulation.plan import StationPlan
from simulation.rules import ORDER_OPS, Rule, RuleSyntaxError, split_rule
from simulation.scenario_sections import Standard
from simulation.standard import day_measures, failed_parts
from simulation.station_input import StationOutcome, Status

# Wait metrics apply to each resource's own queue: the line outside for terminals, the
# wait for a free desk, the wait for a free booth.
WAIT_METRICS = ("p95_wait_min", "max_wait_min", "mean_wait_min")
# Lost votes depend on the line only; the last voter's exit on every stage.
LOST_METRICS = ("reneged", "lost_votes", "lost_share")
LAST_METRIC = "last_voter_left_after_close_min"
METRICS = (*WAIT_METRICS, *LOST_METRICS, LAST_METRIC)
RESOURCES = ("terminals", "desks", "booths")


class TargetError(InputError, ValueError):
    """A target string that cannot be understood; the message says how to write one."""


class Target(Rule):
    """A sizing target: a per-day metric of each resource and a bound (a :class:`Rule`)."""

    @property
    def metric(self) -> str:
        return self.name

    def applies_to(self, resource: str) -> bool:
        if self.metric in LOST_METRICS:
            return resource == "terminals"
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
    if rule.name not in METRICS:
        raise TargetError(f"target {text!r}: unknown metric {rule.name!r}; use one of {METRICS}")
    return Target(rule.name, rule.op, rule.value)


@dataclass(frozen=True)
class DayFigures:
    """One station-day, seen from each resource."""

    waits_min: dict[str, np.ndarray]  # resource -> waits for that resource, minutes
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


def day_figures(plan: StationPlan, out: StationOutcome, rule: Standard) -> DayFigures:
    inp = plan.input
    line = out.start_s - inp.arrival_s
    desk = out.desk_start_s - out.checkin_end_s
    booth = out.booth_start_s - (out.desk_start_s + inp.ballot_s)
    day = day_measures(plan, out, rule)
    return DayFigures(
        waits_min={
            "terminals": line[~np.isnan(line)] / 60,
            "desks": desk[~np.isnan(desk)] / 60,
            "booths": booth[~np.isnan(booth)] / 60,
        },
        reneged=int((out.status == Status.RENEGED).sum()),
        lost_votes=day.lost_votes,
        arrived=inp.size,
        last_voter_left_after_close_min=day.last_out_after_close_min,
        standard_failed=tuple(failed_parts(rule, day)),
        visit_p95_min=day.visit_wait_p95_min,
    )
