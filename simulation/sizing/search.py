"""Hardware sizing: the fewest units of each pool of any flow (the default flow's terminals,
desks and booths; a flow's urnas, BVAS kits, poll pads...) that keep every station within
the scenario's standard, and any extra targets, with the stated confidence.

Stations of one group whose sizes fall in the same band share one answer, found and
verified on the band's largest station. For each band the search starts from the analytic
screen (:mod:`simulation.sizing.screen`) and walks down while the target still holds and up until
it does; requirements are monotone in each resource, so the first boundary found is the
answer. Every candidate runs the same replications with the same draws (common random
numbers): only the hardware changes between candidates. Pools are sized in the flow's
order (the order voters meet them: the line at the first is what the second sees), each
with the ones before at their recommended values and the ones after at plenty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace

import numpy as np

from simulation.execution.task_pool import TaskPool, run_chunked, task_pool
from simulation.national.rosters import roster, roster_key
from simulation.scenario.model import Scenario
from simulation.sizing.evaluate import Evaluator, today_units, units_from
from simulation.sizing.request import (
    Evaluation,
    SizingRequest,
    Units,
    as_units,
    day_meets,
    hardware_of,
    resolved,
    targets_for,
    with_count,
)
from simulation.sizing.screen import first_guess
from simulation.sizing.targets import WAIT_METRICS, DayFigures
from simulation.sizing.why import explain
from simulation.station.plan import plan_station
from simulation.station.units import Hardware
from simulation.stations import StationTable

# SizingRequest and Evaluation live in request.py (shared with why.py) and are
# part of this module's API.
__all__ = [
    "MAX_PER_RESOURCE",
    "BandAnswer",
    "Evaluation",
    "SizingRequest",
    "SizingSpec",
    "bands",
    "day_meets",
    "recheck",
    "recheck_days",
    "recheck_stations",
    "size_band",
    "size_stations",
    "sizing_spec",
]

MAX_PER_RESOURCE = 60


@dataclass
class BandAnswer:
    group: int
    representative: int
    stations: list[int]
    units: Units  # the recommendation: every pool of the flow, sized or kept
    final: Evaluation
    unreachable: list[str] = field(default_factory=list)  # pools the search could not meet
    station_days: int = 0
    reason: str = ""  # why this many units of the identifying pool: see simulation.sizing.why
    reasons: dict[str, str] = field(default_factory=dict)  # per sized pool
    current: Evaluation | None = None  # the station's current hardware, same days
    at_floor: Evaluation | None = None  # a what-if at its floor (the base answer), same days

    @property
    def hardware(self) -> Hardware:
        """The default flow's view (terminals, desks, booths)."""
        return hardware_of(self.units)


def _start(scenario: Scenario, stations: StationTable, station: int, ev: Evaluator,
           pool: str, request: SizingRequest) -> int:
    """The analytic screen's guess for ``pool`` from the station's first drawn day."""
    plan = plan_station(scenario, stations, station, replication=0, seed=ev.seed)
    wait = next((t for t in targets_for(request, pool) if t.metric in WAIT_METRICS), None)
    return first_guess(scenario, plan, int(stations.registered[station]), pool, wait,
                       request.confidence)


def size_band(
    scenario: Scenario, stations: StationTable, band: Sequence[int], request: SizingRequest
) -> BandAnswer:
    """The fewest units of each sized pool (in the flow's order, each with the pools before
    at their answer and the pools after at plenty) meeting the standard at the band's
    largest station on ``request.replications`` days."""
    request = resolved(scenario, request)
    representative = max(band, key=lambda s: (int(stations.registered[s]), s))
    ev = Evaluator(scenario, stations, representative, request)
    current = today_units(scenario, stations, representative)
    # Pools not being sized stay as they are; those still to be sized wait their turn
    # with plenty, so they do not mask the one being searched.
    units: Units = tuple((p, MAX_PER_RESOURCE if p in request.resources else n)
                         for p, n in current)
    floors = dict(request.floors.get(representative, ()))
    unreachable: list[str] = []
    final: Evaluation | None = None
    for pool in request.resources:
        guess = _start(scenario, stations, representative, ev, pool, request)
        count, final = _search(ev, units, pool, min(guess, MAX_PER_RESOURCE),
                               floors.get(pool, 1), request, dict(current)[pool])
        if final.met_share < request.confidence:
            unreachable.append(pool)
        units = with_count(units, pool, count)
    if final is None:  # nothing to size: report the current hardware as it performs
        final = ev.evaluate(units, request.resources[0] if request.resources else "")
    why = explain(ev, units, current, request)
    return BandAnswer(
        group=int(stations.group[representative]),
        representative=representative,
        stations=list(band),
        units=units,
        final=final,
        unreachable=unreachable,
        station_days=ev.station_days,
        reason=why.reason,
        reasons=why.reasons,
        current=why.current,
        at_floor=why.at_floor,
    )


def _search(
    ev: Evaluator, units: Units, pool: str, start: int, floor: int,
    request: SizingRequest, current: int,
) -> tuple[int, Evaluation]:
    """Smallest count from ``floor`` up meeting the standard and the targets, walking from
    ``start`` (monotone in count). Below today's ``current`` count a candidate must also lose
    no more votes, and meet the standard on no fewer days, than today's count on the same
    days: sizing never trades votes for hardware."""

    def holds(count: int) -> tuple[bool, Evaluation]:
        result = ev.evaluate(with_count(units, pool, count), pool)
        ok = result.met_share >= request.confidence
        if ok and count < current:  # a cut: no worse than today on the same days
            today = ev.evaluate(with_count(units, pool, current), pool)
            ok = (result.lost_votes_mean <= today.lost_votes_mean
                  and result.met_share >= today.met_share)
        return ok, result

    count = max(1, floor, start)
    ok, result = holds(count)
    while ok and count > max(1, floor):  # walk down while it still holds
        lower_ok, lower = holds(count - 1)
        if not lower_ok:
            break
        count, result = count - 1, lower
    while not ok and count < MAX_PER_RESOURCE:  # walk up until it holds
        count += 1
        ok, result = holds(count)
    return count, result


def bands(
    stations: StationTable, band_voters: int, only: Sequence[int] | None = None
) -> list[list[int]]:
    """Stations grouped by (group, size band), in a stable order."""
    keys = stations.group * 1_000_000 + stations.registered // band_voters
    order = np.lexsort((stations.index, keys))
    if only is not None:
        order = order[np.isin(order, np.asarray(only))]
    out: dict[int, list[int]] = {}
    for s in order.tolist():
        out.setdefault(int(keys[s]), []).append(s)
    return [out[k] for k in sorted(out)]


def recheck_days(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    hardware: Hardware | Units,
    request: SizingRequest,
    *,
    seed: int,
) -> list[DayFigures]:
    """``hardware`` at ``station`` on ``request.replications`` fresh days (another seed)."""
    ev = Evaluator(scenario, stations, station, replace(resolved(scenario, request), seed=seed))
    today = dict(today_units(scenario, stations, station))
    return ev.days(as_units(scenario, {**today, **dict(units_from(scenario, hardware))}))


def recheck(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    hardware: Hardware | Units,
    request: SizingRequest,
    *,
    seed: int,
) -> float:
    """Share of fresh replications (another seed) in which ``hardware`` meets the standard
    and the targets for every sized pool at ``station``."""
    days = recheck_days(scenario, stations, station, hardware, request, seed=seed)
    checked = resolved(scenario, request)
    return sum(day_meets(d, checked) for d in days) / len(days)


@dataclass(frozen=True)
class SizingSpec:
    """What every sizing task needs besides its stations (a few kilobytes: sent per task)."""

    scenario: Scenario
    request: SizingRequest
    roster_key: str  # the roster's cache key, computed once by the caller


def sizing_spec(scenario: Scenario, request: SizingRequest) -> SizingSpec:
    return SizingSpec(scenario, request, roster_key(scenario))


# The tasks: pure functions of their arguments, so any worker (or Dask, after losing one)
# gives the same answer; the roster is built once per worker process (simulation.national.rosters).
def _band_task(spec: SizingSpec, number: int, band: list[int]) -> tuple[int, BandAnswer]:
    stations = roster(spec.scenario, spec.roster_key)
    return number, size_band(spec.scenario, stations, band, spec.request)


def _recheck_task(
    spec: SizingSpec, number: int, rows: list[tuple[int, Hardware | Units]], seed: int
) -> tuple[int, list[float]]:
    stations = roster(spec.scenario, spec.roster_key)
    return number, [recheck(spec.scenario, stations, s, hw, spec.request, seed=seed)
                    for s, hw in rows]


def recheck_stations(
    scenario: Scenario,
    hardware: Sequence[tuple[int, Hardware | Units]],
    request: SizingRequest,
    *,
    seed: int,
    workers: int | None = None,
    cluster: str | None = None,
    pool: TaskPool | None = None,
) -> list[float]:
    """:func:`recheck` for every ``(station, hardware)`` pair, in the order given, spread
    over ``workers`` processes, the Dask ``cluster`` or an open ``pool`` (same result for
    any of them: each station has its own draws)."""
    spec = sizing_spec(scenario, request)
    step = 200  # stations per job: big enough that pickling does not dominate
    return run_chunked(_recheck_task, spec, list(hardware), step, seed,
                       workers=workers, cluster=cluster, pool=pool)


def size_stations(
    scenario: Scenario,
    request: SizingRequest,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    pool: TaskPool | None = None,
    progress: Callable[[int], None] | None = None,
    station_indices: Sequence[int] | None = None,
) -> list[BandAnswer]:
    """Size every station (or ``station_indices``) on ``workers`` processes, the Dask
    ``cluster`` or an open ``pool``; answers are in band order, identical for any of them."""
    spec = sizing_spec(scenario, request)
    stations = roster(scenario, spec.roster_key)
    bands_ = bands(stations, request.band_voters, station_indices)
    # Biggest bands first: the slowest jobs start early and the tail stays short.
    order = sorted(range(len(bands_)), key=lambda k: -int(stations.registered[bands_[k]].max()))
    answers: list[BandAnswer | None] = [None] * len(bands_)
    with ExitStack() as stack:
        tasks = pool if pool is not None else stack.enter_context(task_pool(workers, cluster))
        for k, answer in tasks.run(_band_task, [(spec, k, bands_[k]) for k in order]):
            answers[k] = answer
            if progress:
                progress(len(bands_[k]))
    return [a for a in answers if a is not None]
