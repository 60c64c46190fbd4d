"""The national run: every station's day, spread over worker processes, then aggregated.

Stations go to workers in fixed-size chunks (the chunking does not depend on the number of
workers) and results are put back in station order, so the same seed gives the same
figures whatever ``workers`` is.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np
from numpy.typing import NDArray

from simulation.distributions import Distribution
from simulation.plan import plan_station
from simulation.scenario import Scenario, minutes_of_day
from simulation.schedule import Schedule, merge
from simulation.spawn import workers_without_main
from simulation.station import run_station
from simulation.station_metrics import QUEUE_BIN_S, StationResult, summarise_station
from simulation.stations import StationTable, build_stations
from simulation.voters import voter_rows

CHUNK_STATIONS = 24
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class RunOptions:
    seed: int | None = None  # None: the scenario's
    replications: int | None = None  # None: the scenario's
    central_latency_s: Distribution | None = None  # replaces the scenario's (closed loop)
    voters: bool = False  # keep per-voter rows (voters.npy)


@dataclass
class NationalResult:
    scenario: Scenario
    stations: StationTable
    seed: int
    replications: int
    station_rows: list[dict[str, object]]  # replication 0, station order
    results: list[list[StationResult]]  # [replication][station position]
    station_indices: NDArray[np.int64]
    wall_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)
    # Which process ran each chunk (job order): lets a test see that work was spread.
    # Diagnostics only; never part of the summary, which must not depend on it.
    chunk_pids: list[int] = field(default_factory=list)

    @property
    def schedule(self) -> Schedule:
        """Replication 0's requests, time-sorted."""
        return merge([r.rows for r in self.results[0]])


def day_layout(scenario: Scenario) -> tuple[int, int]:
    """(full local hours in the polling day, 5-minute queue bins to report)."""
    day_s = scenario.election.day_s
    hours = int(day_s // 3600)
    # Lines can outlast closing; report up to four hours past it.
    return hours, math.ceil((day_s + 4 * 3600) / QUEUE_BIN_S)


def simulate_station(
    scenario: Scenario,
    stations: StationTable,
    station: int,
    *,
    replication: int,
    seed: int,
    central_latency_s: Distribution | None = None,
    voters: bool = False,
) -> StationResult:
    plan = plan_station(
        scenario,
        stations,
        station,
        replication=replication,
        seed=seed,
        central_latency_s=central_latency_s,
    )
    group = scenario.station_groups[int(stations.group[station])]
    hours, bins = day_layout(scenario)
    out = run_station(plan.input)
    result = summarise_station(
        plan,
        out,
        station=station,
        group=group.name,
        constituency=int(stations.constituency[station]),
        registered=int(stations.registered[station]),
        opening_min=minutes_of_day(scenario.election.opening),
        open_offset_s=float(stations.open_offset_s[station]),
        sync_interval_s=None if group.connectivity == "online" else group.sync_interval_min * 60,
        hours=hours,
        queue_bins=bins,
        arrival_hours=math.ceil(scenario.election.day_s / 3600),
    )
    if voters:
        result.voters = voter_rows(plan, out, station)
    return result


# Worker-process state: the scenario and roster are sent once per worker, not per chunk.
_WORKER: dict[str, object] = {}


def _init_worker(
    scenario: Scenario,
    stations: StationTable,
    seed: int,
    latency: Distribution | None,
    voters: bool = False,
) -> None:
    _WORKER.update(
        scenario=scenario, stations=stations, seed=seed, latency=latency, voters=voters
    )


def _run_chunk(chunk: Sequence[int], replication: int) -> tuple[int, list[StationResult]]:
    """Simulate a chunk of stations; also say which process did it."""
    scenario, stations = _WORKER["scenario"], _WORKER["stations"]
    seed, latency = _WORKER["seed"], _WORKER["latency"]
    assert isinstance(scenario, Scenario) and isinstance(stations, StationTable)
    assert isinstance(seed, int)
    assert latency is None or not isinstance(latency, (Scenario, StationTable, int))
    return os.getpid(), [
        simulate_station(
            scenario,
            stations,
            s,
            replication=replication,
            seed=seed,
            central_latency_s=latency,  # type: ignore[arg-type]
            voters=replication == 0 and bool(_WORKER.get("voters")),
        )
        for s in chunk
    ]


def simulate(
    scenario: Scenario,
    *,
    options: RunOptions = RunOptions(),
    workers: int | None = None,
    station_indices: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> NationalResult:
    """Simulate every station (or ``station_indices``) for every replication."""
    started = time.perf_counter()
    stations = build_stations(scenario)
    seed = scenario.election.seed if options.seed is None else options.seed
    replications = options.replications or scenario.election.replications
    indices = np.asarray(
        range(len(stations)) if station_indices is None else station_indices, dtype=np.int64
    )
    chunks = [
        indices[i : i + CHUNK_STATIONS].tolist() for i in range(0, len(indices), CHUNK_STATIONS)
    ]
    jobs = [(r, c) for r in range(replications) for c in chunks]
    workers = workers or os.cpu_count() or 1
    done: list[list[StationResult]] = [[] for _ in jobs]
    pids = [0] * len(jobs)
    init_args = (scenario, stations, seed, options.central_latency_s, options.voters)
    if workers == 1:
        _init_worker(*init_args)
        for k, (r, c) in enumerate(jobs):
            pids[k], done[k] = _run_chunk(c, r)
            if progress:
                progress(len(c))
    else:
        ctx = get_context("spawn")
        pool_started = ProcessPoolExecutor(workers, ctx, _init_worker, init_args)
        with workers_without_main(), pool_started as pool:
            futures = {pool.submit(_run_chunk, c, r): k for k, (r, c) in enumerate(jobs)}
            for future in as_completed(futures):
                k = futures[future]
                pids[k], done[k] = future.result()
                if progress:
                    progress(len(jobs[k][1]))
    per_replication: list[list[StationResult]] = [[] for _ in range(replications)]
    for (r, _), chunk_results in zip(jobs, done, strict=True):
        per_replication[r].extend(chunk_results)
    return NationalResult(
        scenario=scenario,
        stations=stations,
        seed=seed,
        replications=replications,
        station_rows=[res.row for res in per_replication[0]],
        results=per_replication,
        station_indices=indices,
        wall_s=time.perf_counter() - started,
        chunk_pids=pids,
    )
