"""Why a station needs the terminals sizing recommends, and how its current hardware fares.

Sizing only says "3 terminals". A planner needs the reason, since the remedies differ: a
long line (more terminals, or faster scans), terminal failures (spares and quicker repair
serve as well as more terminals: four 200-voter offline stations "need" 2 terminals at
9 % utilisation only because one failure stops a one-terminal station), or voters still
inside at closing. The reason is found on the same days (common random numbers): one
terminal fewer is evaluated again, with the failures switched off, and target by target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from simulation.plan import Hardware
from simulation.scenario import Failures
from simulation.sizing_request import (
    Evaluation,
    SizingRequest,
    day_meets,
    targets_for,
    with_count,
)
from simulation.targets import LOST_METRICS, WAIT_METRICS

REASONS = {
    "minimum": "one terminal, the fewest a station can have",
    "queueing": "the line: with one terminal fewer the wait target fails",
    "failures": "terminal failures: without them one terminal fewer would do",
    "lost votes": "voters leaving the line: with one terminal fewer too many votes are lost",
    "closing": "closing: with one terminal fewer voters are still inside too long after it",
    "what-if floor": "a what-if never needs fewer than the base case",
    "kept: fresh days": "today's count kept: on fresh days one fewer missed the standard or "
    "lost more votes than today, twice",
    "no more lost votes": "one terminal fewer meets the standard but loses more votes than "
    "today's hardware on the same days: sizing never trades votes for hardware",
}
_PART_REASON = {"wait": "queueing", "lost_votes": "lost votes", "closing": "closing"}


@dataclass(frozen=True)
class Why:
    reason: str  # a key of REASONS ("" when terminals were not sized)
    current: Evaluation | None
    at_floor: Evaluation | None


def _binding(ev: Any, hw: Hardware, request: SizingRequest) -> str:
    """Why ``hw`` (one terminal fewer than the answer) fails: the part of the standard
    failing on the most days, then the first extra target failing; else the lost-votes
    guard (it holds everything but loses more votes than today)."""
    days = ev.days(hw)
    allowed = len(days) * (1 - request.confidence)
    failing: dict[str, int] = {}
    for d in days:
        for part in d.standard_failed:
            failing[part] = failing.get(part, 0) + 1
    if failing and sum(bool(d.standard_failed) for d in days) > allowed:
        part = max(failing, key=lambda p: failing[p])
        return _PART_REASON.get(part.split(":")[0], "queueing")
    for target in targets_for(request, "terminals"):
        held = sum(target.holds(d.value(target.metric, "terminals")) for d in days) / len(days)
        if held < request.confidence:
            if target.metric in WAIT_METRICS:
                return "queueing"
            return "lost votes" if target.metric in LOST_METRICS else "closing"
    return "no more lost votes"


def _reason(ev: Any, hw: Hardware, request: SizingRequest,
            evaluator: Callable[..., Any]) -> str:
    if hw.terminals == 1:
        return "minimum"
    fewer = with_count(hw, "terminals", hw.terminals - 1)
    scenario = ev.scenario
    if scenario.failures.mtbf_h is not None:
        calm = scenario.model_copy(update={"failures": Failures()})
        no_failures = evaluator(calm, ev.stations, ev.station, request)
        holds = no_failures.evaluate(fewer, "terminals").met_share >= request.confidence
        ev.station_days += no_failures.station_days
        if holds:
            return "failures"
    return _binding(ev, fewer, request)


def _all_resources(ev: Any, hw: Hardware, request: SizingRequest) -> Evaluation:
    """``hw`` judged on the standard and every sized resource's targets at once (the
    current hardware)."""
    one: Evaluation = ev.evaluate(hw, "terminals")
    met = [day_meets(d, request) for d in ev.days(hw)]
    return replace(one, met_share=sum(met) / len(met))


def explain(ev: Any, hw: Hardware, current: Hardware, request: SizingRequest,
            evaluator: Callable[..., Any]) -> Why:
    """The reason for ``hw``'s terminals and ``current`` evaluated on the same days (a
    what-if with a floor: the floor evaluated instead, for the paired comparison)."""
    floor = request.floors.get(ev.station)
    if floor is not None:
        return Why("what-if floor" if hw == floor else "", None, ev.evaluate(floor, "terminals"))
    reason = _reason(ev, hw, request, evaluator) if "terminals" in request.resources else ""
    return Why(reason, _all_resources(ev, current, request), None)
