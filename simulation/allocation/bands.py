"""Which stations share a curve, and every band's curve computed on a task pool.

Stations share a curve when they are of one group, one size band (``band_voters`` wide;
0: every station its own curve), have the same floor and the same units of every other
pool. Curves are pure functions of their band and the seed, so any executor (one process,
local workers, Dask) gives the same curves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.allocation.curves import Curve, CurveJob, band_curve
from simulation.execution.task_pool import TaskPool
from simulation.national.rosters import roster
from simulation.scenario.model import Scenario
from simulation.stations import StationTable

__all__ = ["CurveSpec", "build_curves", "curve_jobs"]

IntArray = NDArray[np.int64]
STATIONS_PER_TASK = 24  # per-station curves (no bands): enough work per task


@dataclass(frozen=True)
class CurveSpec:
    """What every curve task needs besides its bands (sent with each task)."""

    scenario: Scenario
    roster_key: str
    pool: str
    days: int
    seed: int


def curve_jobs(table: StationTable, band_voters: int, floors: IntArray, need_to: IntArray,
               spare: int, other_units: Sequence[Mapping[str, int]]) -> list[CurveJob]:
    """The bands (stable order), each with the most units any member needs evaluated."""
    members: dict[tuple[object, ...], list[int]] = {}
    for s in range(len(table)):
        size_key = int(table.registered[s]) // band_voters if band_voters > 0 else -1 - s
        key = (int(table.group[s]), size_key, int(floors[s]),
               tuple(sorted(other_units[s].items())))
        members.setdefault(key, []).append(s)
    jobs = []
    for band in sorted(members.values(), key=lambda b: b[0]):
        floor = int(floors[band[0]])
        jobs.append(CurveJob(
            stations=tuple(band), floor=floor,
            need_to=int(max(need_to[s] for s in band)),
            spare_top=floor + spare, other_units=dict(other_units[band[0]]),
        ))
    return jobs


def _curve_task(spec: CurveSpec, number: int, jobs: list[CurveJob]) -> tuple[int, list[Curve]]:
    table = roster(spec.scenario, spec.roster_key)
    return number, [band_curve(spec.scenario, table, job, spec.pool, days=spec.days,
                               seed=spec.seed) for job in jobs]


def build_curves(spec: CurveSpec, jobs: Sequence[CurveJob], pool: TaskPool,
                 progress: Callable[[int], None] | None = None) -> list[Curve]:
    """Every job's curve, in the jobs' order; ``progress`` gets the stations of each task
    done. Bands of many stations go one to a task, biggest first (the tail stays short)."""
    tasks: list[list[int]] = []
    small: list[int] = []
    for k in sorted(range(len(jobs)), key=lambda k: -len(jobs[k].stations)):
        if len(jobs[k].stations) > 1:
            tasks.append([k])
        else:
            small.append(k)
    tasks += [small[i:i + STATIONS_PER_TASK] for i in range(0, len(small), STATIONS_PER_TASK)]
    curves: list[Curve | None] = [None] * len(jobs)
    work = [(spec, n, [jobs[k] for k in task]) for n, task in enumerate(tasks)]
    for n, done in pool.run(_curve_task, work):
        for k, curve in zip(tasks[n], done, strict=True):
            curves[k] = curve
        if progress:
            progress(sum(len(jobs[k].stations) for k in tasks[n]))
    return [c for c in curves if c is not None]
