"""The standard, one definition for the whole visit: a station-day judged, then a country.

A station-day meets the scenario's ``[standard]`` (:class:`simulation.scenario.model.Standard`)
when every part holds: the p95 of each voter's total time in line (every stage), the p95 of
a stage's own line where the scenario sets one, lost votes (left the line, sent home at
closing) against arrivals, and the last voter out after closing. A station meets it when its
days meet it on at least ``days_share`` of the simulated days. Voters refused as not
recognised (or duplicates) are not lost votes: more hardware does not bring them back.

Lost votes are few and random: a 270-voter station losing 0.3 % of its voters on average
loses 2 (0.74 %) on one day in five. Judged as a plain share day by day, such a station would
fail a 0.5 % limit on far more than 5 % of its days, and whether it "meets the standard"
would turn on one voter. So a day fails the lost-votes part only when it loses more voters
than a station losing exactly ``lost_share_max`` of its arrivals (Poisson) would lose on
``days_share`` of its days (:func:`lost_votes_allowed`: 3 of 270, 15 of 2,000 at 0.5 % and
95 %). A station then meets the part on ``days_share`` of its days when its long-run lost
share is at most ``lost_share_max``, at every station size alike.

A national pooled p95 (every voter of the country in one distribution) can be well under the
wait limit while some stations fail: a planner needs the stations, by name and by part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from simulation.scenario.sections import Standard
from simulation.station.input import StationOutcome, Status
from simulation.station.plan import StationPlan
from simulation.station.waits import stage_waits, visit_waits_s

__all__ = [
    "PARTS",
    "WAIT_STANDARD_MIN",
    "DayMeasures",
    "day_measures",
    "failed_parts",
    "lost_votes_allowed",
    "national_standard",
    "part_text",
    "rule_text",
    "station_failed_parts",
    "verdict_line",
]

WAIT_STANDARD_MIN = Standard().wait_p95_max_min  # the default wait limit (PCEA 2014)
WORST_NAMED = 5  # stations named in the verdict
# The parts in the order a verdict names them; "wait:<stage>" parts follow "wait".
PARTS = ("wait", "lost_votes", "closing")
LOST = (Status.RENEGED, Status.NOT_SERVED)
# days_share = 1 ("every day") has no finite Poisson quantile: the allowance then covers all
# but one day in a thousand.
MAX_QUANTILE = 0.999


@dataclass(frozen=True)
class DayMeasures:
    """What the standard judges of one station-day."""

    visit_wait_p95_min: float
    stage_wait_p95_min: dict[str, float]
    lost_votes: int
    arrived: int
    last_out_after_close_min: float

    @property
    def lost_share(self) -> float:
        return self.lost_votes / self.arrived if self.arrived else 0.0


def _p95(values: np.ndarray[Any, Any]) -> float:
    return float(np.percentile(values, 95)) if len(values) else 0.0


def stage_names(plan: StationPlan) -> list[str]:
    flow = plan.input.flow
    return [s.name for s in flow.stages] if flow is not None else ["identify", "desk", "booth"]


def day_measures(plan: StationPlan, out: StationOutcome, rule: Standard) -> DayMeasures:
    inp = plan.input
    stages: dict[str, float] = {}
    if rule.stage_wait_p95_max_min:
        _, per_stage = stage_waits(plan, out)
        for k, name in enumerate(stage_names(plan)):
            if name in rule.stage_wait_p95_max_min:
                column = per_stage[:, k]
                stages[name] = _p95(column[~np.isnan(column)] / 60)
    return DayMeasures(
        visit_wait_p95_min=_p95(visit_waits_s(plan, out) / 60),
        stage_wait_p95_min=stages,
        lost_votes=int(np.isin(out.status, LOST).sum()),
        arrived=inp.size,
        # A day without voters has nobody to see out: its "last voter" left at opening.
        last_out_after_close_min=(float(out.last_exit_s) if inp.size else 0.0)
        / 60 - inp.close_s / 60,
    )


def lost_votes_allowed(rule: Standard, arrived: int) -> int:
    """The most voters a day of ``arrived`` voters may lose and meet the lost-votes part:
    the ``days_share`` quantile of a Poisson count with mean ``lost_share_max * arrived``."""
    return _poisson_quantile(rule.lost_share_max * arrived, min(rule.days_share, MAX_QUANTILE))


@lru_cache(maxsize=65536)
def _poisson_quantile(mean: float, level: float) -> int:
    """The smallest k with P(X <= k) >= level, X ~ Poisson(mean) (log space: no underflow)."""
    if mean <= 0:
        return 0
    log_mean, cdf, k = math.log(mean), 0.0, 0
    while True:
        cdf += math.exp(k * log_mean - mean - math.lgamma(k + 1))
        if cdf >= level or k > mean + 50 * math.sqrt(mean) + 50:
            return k
        k += 1


def failed_parts(rule: Standard, day: DayMeasures) -> list[str]:
    """The parts of ``rule`` that ``day`` fails, in :data:`PARTS` order ([] if it meets it)."""
    failed = []
    if day.visit_wait_p95_min > rule.wait_p95_max_min:
        failed.append("wait")
    failed += [f"wait:{stage}" for stage, limit in rule.stage_wait_p95_max_min.items()
               if day.stage_wait_p95_min.get(stage, 0.0) > limit]
    if day.lost_votes > lost_votes_allowed(rule, day.arrived):
        failed.append("lost_votes")
    if day.last_out_after_close_min > rule.last_out_after_close_max_min:
        failed.append("closing")
    return failed


def station_failed_parts(rule: Standard, days: Sequence[Sequence[str]]) -> list[str]:
    """A station's failed parts over its days: a part fails when it fails on more than
    ``1 - days_share`` of them; the station meets the standard when none does and every
    part together holds on ``days_share`` of the days."""
    n = len(days)
    if n == 0:
        return []
    allowed = n * (1 - rule.days_share) + 1e-9
    counts: dict[str, int] = {}
    for parts in days:
        for part in parts:
            counts[part] = counts.get(part, 0) + 1
    failed = [p for p in counts if counts[p] > allowed]
    if not failed and sum(1 for parts in days if parts) > allowed:
        # Each part alone within the allowance, together on too many days: name the commonest.
        failed = [max(counts, key=lambda p: counts[p])]
    return sorted(failed, key=_part_order)


def _part_order(part: str) -> tuple[int, str]:
    base = part.split(":")[0]
    return (PARTS.index(base) if base in PARTS else len(PARTS), part)


def rule_text(rule: Standard) -> str:
    """The standard in one sentence."""
    stages = "".join(f", {s} line p95 <= {v:g} min" for s, v in
                     rule.stage_wait_p95_max_min.items())
    return (f"p95 time in line <= {rule.wait_p95_max_min:g} min (whole visit){stages}, "
            f"lost votes <= {rule.lost_share_max:.1%} of arrivals in the long run, last voter "
            f"out <= "
            f"{rule.last_out_after_close_max_min:g} min after closing, on at least "
            f"{rule.days_share:.0%} of simulated days")


def part_text(part: str) -> str:
    """A part's name as a planner reads it."""
    if part.startswith("wait:"):
        return f"the {part[5:]} line"
    return {"wait": "the wait", "lost_votes": "lost votes", "closing": "closing"}.get(part, part)


def national_standard(
    rule: Standard,
    worst: list[dict[str, Any]],
    *,
    stations: int,
    failing_by_part: dict[str, int],
    stations_failing: int,
    worst_p95_min: float,
    national_p95_min: float,
) -> dict[str, Any]:
    """The verdict: at how many stations does the standard hold, which part fails where
    (``worst``: the failing stations first, each with its failed parts)."""
    return {
        "rule": rule.model_dump(),
        "rule_text": rule_text(rule),
        "national_p95_wait_min": round(national_p95_min, 3),
        "holds_nationally": national_p95_min <= rule.wait_p95_max_min,
        "worst_station_p95_wait_min": round(worst_p95_min, 3) if stations else 0.0,
        "stations": stations,
        "stations_meeting": stations - stations_failing,
        "stations_failing": stations_failing,
        "failing_by_part": dict(sorted(failing_by_part.items(),
                                       key=lambda kv: _part_order(kv[0]))),
        "holds_at_every_station": stations_failing == 0,
        "worst_stations": [w for w in worst[:WORST_NAMED] if w["failed"]],
    }


def verdict_line(standard: dict[str, Any]) -> str:
    """One sentence a planner reads first: holds or not, which part, where."""
    n, failing = standard["stations"], standard["stations_failing"]
    pooled = f"p95 time in line of all voters {standard['national_p95_wait_min']:.1f} min"
    if failing == 0:
        return f"The standard holds at all {n:,} stations ({pooled})."
    parts = ", ".join(f"{part_text(p)} at {k:,}" for p, k in
                      standard["failing_by_part"].items())
    named = "; ".join(
        f"{w['station']} ({w['group']}: {', '.join(part_text(p) for p in w['failed'])})"
        for w in standard["worst_stations"]
    )
    return (f"The standard FAILS at {failing:,} of {n:,} stations ({parts}); "
            f"worst: {named}. {pooled[0].upper()}{pooled[1:]}.")
