"""Hardware sizing: the fewest terminals, desks and booths that keep every station within
its targets with the stated confidence across replications.

Stations of one group whose sizes fall in the same band share one answer, found and
verified on the band's largest station. For each band the search starts from the analytic
screen (:mod:`simulation.screen`) and walks down while the target still holds and up until
it does; requirements are monotone in each resource, so the first boundary found is the
answer. Every candidate runs the same replications with the same draws (common random
numbers): only the hardware changes between candidates. Resources are sized in order
terminals, desks, booths, each with the ones before at their recommended values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context

import numpy as np

from simulation.plan import Hardware, plan_station
from simulation.scenario import Scenario
from simulation.screen import first_guess
from simulation.sizing_request import Evaluation, SizingRequest, targets_for, with_count
from simulation.sizing_why import explain
from simulation.spawn import workers_without_main
from simulation.station import run_station
from simulation.stations import StationTable, build_stations
from simulation.targets import RESOURCES, WAIT_METRICS, DayFigures, day_figures

# SizingRequest and Evaluation live in sizing_request.py (shared with sizing_why.py) and are
# part of this module's API.
__all__ = [
    "MAX_PER_RESOURCE",
    "BandAnswer",
    "Evaluation",
    "SizingRequest",
    "bands",
    "recheck",
    "recheck_stations",
    "size_band",
    "size_stations",
]

MAX_PER_RESOURCE = 60


@dataclass
class BandAnswer:
    group: int
    representative: int
    stations: list[int]
    hardware: Hardware
    final: Evaluation
    unreachable: list[str] = field(default_factory=list)
    station_days: int = 0
    reason: str = ""  # why this many terminals: see simulation.sizing_why
    current: Evaluation | None = None  # the station's current hardware, same days
    at_floor: Evaluation | None = None  # a what-if at its floor (the base answer), same days


class _Evaluator:
    """Runs one station under candidate hardware for every replication (same draws)."""

    def __init__(
        self, scenario: Scenario, stations: StationTable, station: int, request: SizingRequest
    ) -> None:
        self.scenario, self.stations, self.station, self.request = (
            scenario,
            stations,
            station,
            request,
        )
        self.seed = scenario.election.seed if request.seed is None else request.seed
        self.station_days = 0
        self._days: dict[Hardware, list[DayFigures]] = {}  # same hardware, same days

    def days(self, hw: Hardware) -> list[DayFigures]:
        if hw in self._days:
            return self._days[hw]
        out = []
        for r in range(self.request.replications):
            plan = plan_station(
                self.scenario,
                self.stations,
                self.station,
                replication=r,
                seed=self.seed,
                hardware=hw,
            )
            out.append(day_figures(plan, run_station(plan.input)))
        self.station_days += len(out)
        self._days[hw] = out
        return out

    def evaluate(self, hw: Hardware, resource: str) -> Evaluation:
        days = self.days(hw)
        targets = targets_for(self.request, resource)
        met = [all(t.holds(d.value(t.metric, resource)) for t in targets) for d in days]
        return Evaluation(
            hardware=hw,
            met_share=sum(met) / len(met),
            p95_wait_min=[d.value("p95_wait_min", "terminals") for d in days],
            lost_votes_mean=float(np.mean([d.lost_votes for d in days])),
            last_left_after_close_min=float(
                np.percentile([d.last_voter_left_after_close_min for d in days], 95)
            ),
        )


def size_band(
    scenario: Scenario, stations: StationTable, band: Sequence[int], request: SizingRequest
) -> BandAnswer:
    representative = max(band, key=lambda s: (int(stations.registered[s]), s))
    ev = _Evaluator(scenario, stations, representative, request)
    current = Hardware(
        int(stations.terminals[representative]),
        int(stations.desks[representative]),
        int(stations.booths[representative]),
    )
    # Resources not being sized stay as they are; those still to be sized wait their turn
    # with plenty, so they do not mask the one being searched.
    hw = Hardware(
        **{
            r: (MAX_PER_RESOURCE if r in request.resources else getattr(current, r))
            for r in RESOURCES
        }
    )
    unreachable: list[str] = []
    final: Evaluation | None = None
    for resource in RESOURCES:
        if resource not in request.resources:
            continue
        wait = next((t for t in targets_for(request, resource) if t.metric in WAIT_METRICS), None)
        guess = first_guess(
            scenario,
            int(stations.registered[representative]),
            resource,
            bool(stations.online[representative]),
            wait,
            request.confidence,
        )
        floor = getattr(request.floors.get(representative, Hardware(1, 1, 1)), resource)
        count, final = _search(ev, hw, resource, min(guess, MAX_PER_RESOURCE), floor, request)
        if final.met_share < request.confidence:
            unreachable.append(resource)
        hw = with_count(hw, resource, count)
    if final is None:  # nothing to size: report the current hardware as it performs
        final = ev.evaluate(hw, "terminals")
    why = explain(ev, hw, current, request, _Evaluator)
    return BandAnswer(
        group=int(stations.group[representative]),
        representative=representative,
        stations=list(band),
        hardware=hw,
        final=final,
        unreachable=unreachable,
        station_days=ev.station_days,
        reason=why.reason,
        current=why.current,
        at_floor=why.at_floor,
    )


def _search(
    ev: _Evaluator, hw: Hardware, resource: str, start: int, floor: int, request: SizingRequest
) -> tuple[int, Evaluation]:
    """Smallest count from ``floor`` up meeting the targets, walking from ``start``
    (monotone in count)."""
    count = max(1, floor, start)
    result = ev.evaluate(with_count(hw, resource, count), resource)
    ok = result.met_share >= request.confidence
    while ok and count > max(1, floor):  # walk down while it still holds
        lower = ev.evaluate(with_count(hw, resource, count - 1), resource)
        if lower.met_share < request.confidence:
            break
        count, result = count - 1, lower
    while not ok and count < MAX_PER_RESOURCE:  # walk up until it holds
        count += 1
        result = ev.evaluate(with_count(hw, resource, count), resource)
        ok = result.met_share >= request.confidence
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


_WORKER: dict[str, object] = {}


def _init(scenario: Scenario, stations: StationTable, request: SizingRequest) -> None:
    _WORKER.update(scenario=scenario, stations=stations, request=request)


def _worker_state() -> tuple[Scenario, StationTable, SizingRequest]:
    scenario, stations, request = _WORKER["scenario"], _WORKER["stations"], _WORKER["request"]
    assert isinstance(scenario, Scenario) and isinstance(stations, StationTable)
    assert isinstance(request, SizingRequest)
    return scenario, stations, request


def _pool(
    workers: int, scenario: Scenario, stations: StationTable, request: SizingRequest
) -> ProcessPoolExecutor:
    # Spawn, not fork: the parent may hold threads (progress bar) and a fork would copy them.
    return ProcessPoolExecutor(workers, get_context("spawn"), _init, (scenario, stations, request))


def _run_band(band: list[int]) -> BandAnswer:
    scenario, stations, request = _worker_state()
    return size_band(scenario, stations, band, request)


def recheck(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    hardware: Hardware,
    request: SizingRequest,
    *,
    seed: int,
) -> float:
    """Share of fresh replications (another seed) in which ``hardware`` meets the targets
    for every sized resource at ``station``."""
    ev = _Evaluator(scenario, stations, station, replace(request, seed=seed))
    days = ev.days(hardware)
    met = [
        all(
            t.holds(d.value(t.metric, r))
            for r in request.resources
            for t in targets_for(request, r)
        )
        for d in days
    ]
    return sum(met) / len(met)


def _recheck_chunk(job: tuple[list[tuple[int, Hardware]], int]) -> list[float]:
    scenario, stations, request = _worker_state()
    rows, seed = job
    return [recheck(scenario, stations, s, hw, request, seed=seed) for s, hw in rows]


def recheck_stations(
    scenario: Scenario,
    hardware: Sequence[tuple[int, Hardware]],
    request: SizingRequest,
    *,
    seed: int,
    workers: int | None = None,
) -> list[float]:
    """:func:`recheck` for every ``(station, hardware)`` pair, in the order given, spread
    over ``workers`` processes (same result for any count: each station has its own draws)."""
    stations = build_stations(scenario)
    rows = list(hardware)
    step = 200  # stations per job: big enough that pickling does not dominate
    jobs = [(rows[k : k + step], seed) for k in range(0, len(rows), step)]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        _init(scenario, stations, request)
        return [share for job in jobs for share in _recheck_chunk(job)]
    with workers_without_main(), _pool(workers, scenario, stations, request) as pool:
        return [share for part in pool.map(_recheck_chunk, jobs) for share in part]


def size_stations(
    scenario: Scenario,
    request: SizingRequest,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    station_indices: Sequence[int] | None = None,
) -> list[BandAnswer]:
    """Size every station (or ``station_indices``); answers are in band order, identical
    for any ``workers``."""
    stations = build_stations(scenario)
    jobs = bands(stations, request.band_voters, station_indices)
    workers = workers or os.cpu_count() or 1
    answers: list[BandAnswer | None] = [None] * len(jobs)
    if workers == 1:
        _init(scenario, stations, request)
        for k, band in enumerate(jobs):
            answers[k] = _run_band(band)
            if progress:
                progress(len(band))
    else:
        with workers_without_main(), _pool(workers, scenario, stations, request) as pool:
            # Biggest bands first: the slowest jobs start early and the tail stays short.
            order = sorted(range(len(jobs)), key=lambda k: -int(stations.registered[jobs[k]].max()))
            futures = {pool.submit(_run_band, jobs[k]): k for k in order}
            for future in as_completed(futures):
                k = futures[future]
                answers[k] = future.result()
                if progress:
                    progress(len(jobs[k]))
    return [a for a in answers if a is not None]
