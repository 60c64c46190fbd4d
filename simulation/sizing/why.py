"""Why a station needs the units sizing recommends, pool by pool, and how its current
hardware fares.

Sizing only says "3 terminals". A planner needs the reason, since the remedies differ: a
long line (more units, or faster service), failures (spares and quicker repair serve as
well as more units: four 200-voter offline stations "need" 2 terminals at 9 % utilisation
only because one failure stops a one-terminal station), voters leaving the line, or voters
still inside at closing. The reason is found on the same days (common random numbers): one
unit fewer is evaluated again, with the pool's failures switched off, and part by part.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from simulation.scenario.model import Failures, Scenario
from simulation.sizing.request import Evaluation, SizingRequest, Units, day_meets, with_count
from simulation.sizing.screen import identification_pool
from simulation.sizing.targets import LOST_METRICS, WAIT_METRICS

if TYPE_CHECKING:  # the evaluator imports nothing of this module; typing only
    from simulation.sizing.evaluate import Evaluator

REASONS = {
    "minimum": "one unit, the fewest a station can have",
    "queueing": "the line: with one unit fewer the wait fails the standard",
    "failures": "failures: without them one unit fewer would do",
    "lost votes": "voters leaving the line: with one unit fewer too many votes are lost",
    "closing": "closing: with one unit fewer voters are still inside too long after it",
    "what-if floor": "a what-if never needs fewer than the base case",
    "no more lost votes": "one unit fewer meets the standard but loses more votes (or meets "
    "it on fewer days) than today's hardware on the same days: sizing never trades votes "
    "for hardware",
    "kept: fresh days": "today's count kept: on fresh days one fewer missed the standard or "
    "lost more votes than today, twice",
}
_PART_REASON = {"wait": "queueing", "lost_votes": "lost votes", "closing": "closing"}


@dataclass(frozen=True)
class Why:
    reason: str  # the identifying pool's reason ("" when it was not sized)
    current: Evaluation | None
    at_floor: Evaluation | None
    reasons: dict[str, str] = field(default_factory=dict)  # per sized pool


def _binding(ev: Evaluator, units: Units, pool: str, request: SizingRequest) -> str:
    """Why ``units`` (one unit of ``pool`` fewer than the answer) fails: the part of the
    standard failing on the most days, then the first extra target failing; else the guard
    against cuts (it holds everything but does worse than today)."""
    days = ev.days(units)
    allowed = len(days) * (1 - request.confidence)
    failing: dict[str, int] = {}
    for d in days:
        for part in d.standard_failed:
            failing[part] = failing.get(part, 0) + 1
    if failing and sum(bool(d.standard_failed) for d in days) > allowed:
        part = max(failing, key=lambda p: failing[p])
        return _PART_REASON.get(part.split(":")[0], "queueing")
    for target in request.targets:
        held = sum(target.holds(d.value(target.metric, pool)) for d in days) / len(days)
        if held < request.confidence:
            if target.metric in WAIT_METRICS:
                return "queueing"
            return "lost votes" if target.metric in LOST_METRICS else "closing"
    return "no more lost votes"


def _calm(scenario: Scenario, pool: str) -> Scenario | None:
    """The scenario without ``pool``'s failures, or None when the pool never fails."""
    update: dict[str, object] = {}
    if pool == identification_pool(scenario) and scenario.failures.mtbf_h is not None:
        update["failures"] = Failures()
    faults = [f for f in scenario.device_faults if f.pool != pool]
    if len(faults) != len(scenario.device_faults):
        update["device_faults"] = faults
    return scenario.model_copy(update=update) if update else None


def _reason(ev: Evaluator, units: Units, pool: str, request: SizingRequest) -> str:
    count = dict(units)[pool]
    if count == 1:
        return "minimum"
    fewer = with_count(units, pool, count - 1)
    calm = _calm(ev.scenario, pool)
    if calm is not None:
        from simulation.sizing.evaluate import Evaluator  # runtime: no import cycle

        no_failures = Evaluator(calm, ev.stations, ev.station, request)
        holds = no_failures.evaluate(fewer, pool).met_share >= request.confidence
        ev.station_days += no_failures.station_days
        if holds:
            return "failures"
    return _binding(ev, fewer, pool, request)


def _all_pools(ev: Evaluator, units: Units, request: SizingRequest) -> Evaluation:
    """``units`` judged on the standard and every sized pool's targets at once (the
    current hardware)."""
    one = ev.evaluate(units, request.resources[0] if request.resources else "")
    met = [day_meets(d, request) for d in ev.days(units)]
    return replace(one, met_share=sum(met) / len(met))


def explain(ev: Evaluator, units: Units, current: Units, request: SizingRequest) -> Why:
    """The reason for each sized pool's units and ``current`` evaluated on the same days (a
    what-if with a floor: the floor evaluated instead, for the paired comparison)."""
    floor = request.floors.get(ev.station)
    first = request.resources[0] if request.resources else ""
    if floor is not None:
        return Why("what-if floor" if units == floor else "", None, ev.evaluate(floor, first))
    reasons = {pool: _reason(ev, units, pool, request) for pool in request.resources}
    ident = identification_pool(ev.scenario)
    reason = reasons.get(ident, reasons.get(first, ""))
    return Why(reason, _all_pools(ev, current, request), None, reasons)
