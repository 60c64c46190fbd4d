"""One chunk of stations, simulated: a pure function of the scenario, seed and station ids.

A chunk covers every replication of its stations and comes back reduced: its share of the
national figures (:class:`simulation.national.aggregate.ChunkFigures`) and, only if asked, the rows
the run folder keeps (stations.csv lines, queue curves, schedule, per-voter rows). Nothing
in it depends on which process or machine ran it, so a chunk lost with a worker is simply
run again, and any chunking gives the same national figures.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulation.national.aggregate import ChunkFigures, chunk_figures, judge_stations
from simulation.national.rosters import roster, roster_key
from simulation.national.voters import voter_rows
from simulation.outputs.schedule import Schedule, merge
from simulation.scenario.distributions import Distribution
from simulation.scenario.model import Scenario, minutes_of_day
from simulation.standard import day_measures, failed_parts
from simulation.station.metrics import QUEUE_BIN_S, StationResult, summarise_station
from simulation.station.model import run_station
from simulation.station.plan import plan_station
from simulation.stations import StationTable

__all__ = ["ChunkOutput", "ChunkSpec", "day_layout", "run_chunk", "simulate_station"]


def day_layout(scenario: Scenario) -> tuple[int, int]:
    """(full local clock hours in the polling day, 5-minute queue bins to report): 09:00 to
    19:00 is 11 hours for a 08:00-19:00 day and for a 08:30-19:00 one."""
    day_s = scenario.election.day_s
    into_hour_s = minutes_of_day(scenario.election.opening) % 60 * 60
    hours = int((into_hour_s + day_s) // 3600)
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
    plan = plan_station(scenario, stations, station, replication=replication, seed=seed,
                        central_latency_s=central_latency_s)
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
    day = day_measures(plan, out, scenario.standard)
    result.row.update(
        lost_votes=day.lost_votes,
        last_out_after_close_min=round(day.last_out_after_close_min, 2),
        standard_failed=";".join(failed_parts(scenario.standard, day)),
    )
    if voters:
        result.voters = voter_rows(plan, out, station)
    return result


@dataclass(frozen=True)
class ChunkSpec:
    """Everything a chunk needs besides its station ids (a few kilobytes: sent per task)."""

    scenario: Scenario
    seed: int
    replications: int
    central_latency_s: Distribution | None = None
    schedule: bool = True  # keep replication 0's requests
    queue_curves: bool = True  # keep replication 0's queue length per 5 minutes
    voters: bool = False  # keep replication 0's per-voter rows

    @property
    def roster_key(self) -> str:
        """Names the station roster: same scenario text, same roster."""
        return roster_key(self.scenario)


@dataclass
class ChunkOutput:
    number: int  # the chunk's place in the run
    stations: int  # how many stations it covers
    figures: ChunkFigures
    rows: list[dict[str, Any]]  # replication 0's stations.csv lines
    queue_bins: NDArray[np.float32] | None  # (stations, bins)
    schedule: Schedule | None  # time-sorted; ties in station order
    voters: NDArray[np.void] | None
    pid: int  # which process ran it: diagnostics only, never in a figure


def run_chunk(spec: ChunkSpec, number: int, first_position: int,
              station_ids: Sequence[int]) -> ChunkOutput:
    """Simulate ``station_ids`` (at run positions ``first_position``...) for every
    replication and reduce them."""
    stations = roster(spec.scenario, spec.roster_key)  # once per worker process
    results = [
        [simulate_station(spec.scenario, stations, s, replication=r, seed=spec.seed,
                          central_latency_s=spec.central_latency_s,
                          voters=r == 0 and spec.voters)
         for s in station_ids]
        for r in range(spec.replications)
    ]
    ids = np.asarray(station_ids, dtype=np.int64)
    judge_stations(results, spec.scenario.standard)
    figures = chunk_figures(
        results,
        positions=np.arange(first_position, first_position + len(ids), dtype=np.int64),
        group_of=stations.group[ids].astype(np.int64),
        groups=len(spec.scenario.station_groups),
    )
    first = results[0]
    voters = [r.voters for r in first if r.voters is not None]
    return ChunkOutput(
        number=number,
        stations=len(ids),
        figures=figures,
        rows=[r.row for r in first],
        queue_bins=np.stack([r.queue_bins for r in first]) if spec.queue_curves and first
        else None,
        schedule=merge([r.rows for r in first]) if spec.schedule else None,
        voters=np.concatenate(voters) if spec.voters and voters else None,
        pid=os.getpid(),
    )
