"""The national run: every station's day in chunks, reduced as they finish.

Stations go to workers in fixed-size chunks of consecutive run positions, each chunk
covering every replication. Chunks finish in any order and are put back in station order
before they are added up and handed to a sink (which writes the run folder as it goes), so
the same seed gives the same figures whatever the workers, the chunk size or the cluster,
and the parent holds only a bounded window of chunks: memory does not grow with the country.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from simulation.errors import InputError
from simulation.execution.executors import open_executor
from simulation.national.aggregate import NationalAggregate
from simulation.national.chunk import (
    ChunkOutput,
    ChunkSpec,
    day_layout,
    run_chunk,
    simulate_station,
)
from simulation.national.voters import scenario_voter_dtype
from simulation.outputs.schedule import SCHEDULE_DTYPE, Schedule, merge
from simulation.scenario.distributions import Distribution
from simulation.scenario.model import Scenario
from simulation.stations import StationTable, build_stations

__all__ = ["CHUNK_STATIONS", "ChunkSink", "MemorySink", "NationalResult", "RunOptions",
           "day_layout", "simulate", "simulate_station", "stream"]

CHUNK_STATIONS = 24
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class RunOptions:
    seed: int | None = None  # None: the scenario's
    replications: int | None = None  # None: the scenario's
    central_latency_s: Distribution | None = None  # replaces the scenario's (closed loop)
    voters: bool = False  # keep per-voter rows (voters.npy)
    schedule: bool = True  # keep the load-test schedule
    queue_curves: bool = True  # keep each station's queue length per 5 minutes
    chunk_stations: int = CHUNK_STATIONS


class ChunkSink(Protocol):
    """Receives every chunk once, in station order (a run folder writer, a collector)."""

    def write(self, chunk: ChunkOutput) -> None: ...


@dataclass
class NationalResult:
    scenario: Scenario
    stations: StationTable
    seed: int
    replications: int
    station_indices: NDArray[np.int64]
    aggregate: NationalAggregate
    # Kept in memory by simulate() only (a streamed run wrote them to its sink instead).
    station_rows: list[dict[str, object]] = field(default_factory=list)  # replication 0
    schedule: Schedule = field(default_factory=lambda: np.zeros(0, dtype=SCHEDULE_DTYPE))
    queue_bins: NDArray[np.float32] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    voters: NDArray[np.void] | None = None
    wall_s: float = 0.0
    # Which process ran each chunk (chunk order): lets a test see that work was spread.
    # Diagnostics only; never part of the summary, which must not depend on it.
    chunk_pids: list[int] = field(default_factory=list)


def _jobs(indices: NDArray[np.int64], size: int) -> list[tuple[int, int, list[int]]]:
    if size < 1:
        raise InputError(f"chunk size {size}: a chunk holds at least 1 station")
    return [(k, start, indices[start : start + size].tolist())
            for k, start in enumerate(range(0, len(indices), size))]


def stream(
    scenario: Scenario,
    sink: ChunkSink,
    *,
    options: RunOptions = RunOptions(),
    workers: int | None = None,
    cluster: str | None = None,
    station_indices: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> NationalResult:
    """Simulate every station (or ``station_indices``) for every replication, handing each
    chunk to ``sink`` in station order; return the national aggregate."""
    started = time.perf_counter()
    stations = build_stations(scenario)
    seed = scenario.election.seed if options.seed is None else options.seed
    spec = ChunkSpec(scenario, seed, options.replications or scenario.election.replications,
                     options.central_latency_s, options.schedule, options.queue_curves,
                     options.voters)
    indices = np.asarray(
        range(len(stations)) if station_indices is None else station_indices, dtype=np.int64)
    jobs = _jobs(indices, options.chunk_stations)
    hours, _ = day_layout(scenario)
    aggregate = NationalAggregate(spec.replications, len(scenario.station_groups), hours,
                                  -(-int(scenario.election.day_s) // 3600))
    pids: list[int] = []
    executor = open_executor(workers, cluster)
    try:
        finished: dict[int, ChunkOutput] = {}
        submitted = 0
        for number in range(len(jobs)):
            # Keep at most `window` chunks beyond the oldest one not yet written.
            while submitted < len(jobs) and submitted - number < executor.window:
                executor.submit_call(run_chunk, spec, *jobs[submitted])
                submitted += 1
            while number not in finished:
                done: ChunkOutput = executor.next_result()
                finished[done.number] = done
                if progress:
                    progress(done.stations * spec.replications)
            chunk = finished.pop(number)
            aggregate.add(chunk.figures)
            sink.write(chunk)
            pids.append(chunk.pid)
    finally:
        executor.close()
    return NationalResult(scenario=scenario, stations=stations, seed=seed,
                          replications=spec.replications, station_indices=indices,
                          aggregate=aggregate, wall_s=time.perf_counter() - started,
                          chunk_pids=pids)


@dataclass
class MemorySink:
    """Keeps every chunk's rows in memory (what :func:`simulate` returns)."""

    rows: list[dict[str, object]] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    queue_bins: list[NDArray[np.float32]] = field(default_factory=list)
    voters: list[NDArray[np.void]] = field(default_factory=list)

    def write(self, chunk: ChunkOutput) -> None:
        self.rows.extend(chunk.rows)
        if chunk.schedule is not None:
            self.schedules.append(chunk.schedule)
        if chunk.queue_bins is not None:
            self.queue_bins.append(chunk.queue_bins)
        if chunk.voters is not None:
            self.voters.append(chunk.voters)

    def fill(self, result: NationalResult, *, voters: bool) -> None:
        """Put what was kept into ``result``."""
        result.station_rows = self.rows
        result.schedule = merge(self.schedules)
        if self.queue_bins:
            result.queue_bins = np.concatenate(self.queue_bins)
        if voters:
            result.voters = (np.concatenate(self.voters) if self.voters
                             else np.zeros(0, dtype=scenario_voter_dtype(result.scenario)))


def simulate(
    scenario: Scenario,
    *,
    options: RunOptions = RunOptions(),
    workers: int | None = None,
    cluster: str | None = None,
    station_indices: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> NationalResult:
    """:func:`stream` into memory: the result also holds the station rows, the schedule,
    queue curves and (on request) per-voter rows. For a country, stream to a folder."""
    kept = MemorySink()
    result = stream(scenario, kept, options=options, workers=workers, cluster=cluster,
                    station_indices=station_indices, progress=progress)
    kept.fill(result, voters=options.voters)
    return result
