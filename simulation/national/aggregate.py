"""Running national aggregates: what ``summary.json`` needs, reduced chunk by chunk.

A chunk of stations is reduced, where it ran, into :class:`ChunkFigures` (a few kilobytes
whatever the chunk's voters); the parent adds them into one :class:`NationalAggregate`.
Every part is an integer count, an exact integer sum, a maximum or a top-k with a fixed
tie-break, so the aggregate is the same whatever the chunking, the order chunks finish in,
or the machine that ran them. Memory does not grow with the number of stations or voters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from simulation.outputs.histogram import WaitHistogram, bucket_of, to_units
from simulation.scenario.sections import Standard
from simulation.standard import WAIT_STANDARD_MIN, station_failed_parts
from simulation.station.late_opening import LATE_KEYS, add_late_counts, late_counts
from simulation.station.metrics import StationResult

__all__ = ["COUNT_KEYS", "ChunkFigures", "NationalAggregate", "WorstStation", "chunk_figures",
           "judge_stations"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# Per-station counts (stations.csv columns) the national figures add up.
COUNT_KEYS = (
    "arrived", "voted", "reneged", "not_served_at_close", "refused_not_identified",
    "duplicate_attempts", "refused_duplicates", "duplicates_voted",
    "terminal_failures", "repairs", "replacements",
)
MAX_HOURS_AFTER_CLOSE = 72
WORST_KEPT = 5  # stations named by the wait standard


@dataclass(frozen=True)
class WorstStation:
    """A station the verdict may name."""

    failing: bool
    p95: float  # own p95 time in line, mean over the days
    position: int  # in the run's station order
    station: int
    group: int
    failed: str  # the parts failed, ";"-joined
    lost_votes: float  # a day, mean over the days
    last_out_after_close_min: float  # first day

    def rank(self) -> tuple[bool, float, int]:
        return (not self.failing, -self.p95, self.position)


@dataclass
class ChunkFigures:
    """One chunk's share, small enough to send between processes and machines."""

    counts: IntArray  # (replications, groups, COUNT_KEYS)
    stations: IntArray  # (groups,) simulated stations
    registered: IntArray  # (groups,)
    waits: list[tuple[IntArray, IntArray, int, int, int]]  # per group: buckets, counts, n, sum, max
    over_standard: IntArray  # (groups,) waits over 30 min, every replication
    checkins_by_hour: IntArray  # (replications, hours)
    arrivals_by_hour: IntArray  # (replications, arrival hours)
    checkin_minutes: tuple[IntArray, IntArray]  # replication 0: (global minute, check-ins)
    protocol_hours: IntArray  # replication 0: stations by ceil(hours after close), 0..73
    protocol_max_after_s: float  # nan: no protocol arrived
    upload_hours: IntArray  # replication 0: attempts by floor(hours after close), 0..72
    upload_max_after_s: float
    uploads: int
    worst: list[WorstStation]  # failing stations first, then the longest waits
    failing_by_part: dict[str, int]  # stations failing each part of the standard
    stations_failing: int
    worst_p95_min: float
    schedule_events: int
    outcomes: dict[str, int]  # refused and lost by stage and cause, every replication
    late: IntArray  # (replications, LATE_KEYS + max delay): stations opening late


def _ceil_hours(after_s: FloatArray) -> IntArray:
    """ceil(after / 1 h), corrected so that ``after <= 3600 k`` holds exactly."""
    k = np.ceil(after_s / 3600.0)
    k += after_s > 3600.0 * k
    k -= after_s <= 3600.0 * (k - 1)
    return np.clip(k, 0, MAX_HOURS_AFTER_CLOSE + 1).astype(np.int64)


def _waits(results: Sequence[Sequence[StationResult]], group_of: IntArray, groups: int
           ) -> tuple[list[tuple[IntArray, IntArray, int, int, int]], IntArray]:
    out, over = [], np.zeros(groups, dtype=np.int64)
    for g in range(groups):
        mine = [r.waits_min for rep in results for r, gi in zip(rep, group_of, strict=True)
                if gi == g]
        waits = np.concatenate(mine) if mine else np.zeros(0, dtype=np.float32)
        units = to_units(waits)
        buckets, counts = np.unique(bucket_of(units), return_counts=True)
        out.append((buckets, counts.astype(np.int64), len(units), int(units.sum()),
                    int(units.max(initial=0))))
        over[g] = int(np.sum(waits > WAIT_STANDARD_MIN))
    return out, over


def judge_stations(results: Sequence[Sequence[StationResult]], rule: Standard) -> None:
    """Put each station's verdict over its days in its first day's row (stations.csv):
    ``standard_failed`` (the parts failed, ";"-joined) and ``days_meeting_standard``."""
    for k, first in enumerate(results[0]):
        days = [str(rep[k].row["standard_failed"]) for rep in results]
        parts = [d.split(";") if d else [] for d in days]
        first.row["days_meeting_standard"] = round(sum(not p for p in parts) / len(parts), 4)
        first.row["standard_failed"] = ";".join(station_failed_parts(rule, parts))


def _station_standard(results: Sequence[Sequence[StationResult]], positions: IntArray,
                      stations: IntArray, group_of: IntArray
                      ) -> tuple[list[WorstStation], dict[str, int], int, float]:
    """The failing stations first (then the longest waits), failures by part, the count of
    failing stations and the worst own p95 wait (mean over the days)."""
    per_rep = np.asarray([[float(r.row["wait_p95_min"]) for r in rep] for rep in results],
                         dtype=np.float64)
    p95 = per_rep.mean(axis=0)
    first = results[0]
    failed = [str(r.row["standard_failed"]) for r in first]
    by_part: dict[str, int] = {}
    for f in failed:
        for part in filter(None, f.split(";")):
            by_part[part] = by_part.get(part, 0) + 1
    order = sorted(range(len(first)), key=lambda k: (not failed[k], -p95[k], int(positions[k])))
    worst = [
        WorstStation(
            failing=bool(failed[k]), p95=float(p95[k]), position=int(positions[k]),
            station=int(stations[k]), group=int(group_of[k]), failed=failed[k],
            lost_votes=float(np.mean([int(rep[k].row["lost_votes"]) for rep in results])),
            last_out_after_close_min=float(first[k].row["last_out_after_close_min"]),
        )
        for k in order[:WORST_KEPT]
    ]
    return worst, by_part, sum(1 for f in failed if f), float(p95.max(initial=0.0))


def _outcome_totals(results: Sequence[Sequence[StationResult]]) -> dict[str, int]:
    """Every station's stations.csv outcome columns (simulation.station.outcomes), summed."""
    totals: dict[str, int] = {}
    for rep in results:
        for res in rep:
            for name, value in res.row.items():
                if name.startswith(("refused.", "lost.")):
                    totals[name] = totals.get(name, 0) + int(value)
    return totals


def chunk_figures(results: Sequence[Sequence[StationResult]], *, positions: IntArray,
                  group_of: IntArray, groups: int) -> ChunkFigures:
    """Reduce one chunk: ``results[replication][k]`` is the station at ``positions[k]``
    (its place in the run's station order), of station group ``group_of[k]``."""
    reps = len(results)
    counts = np.zeros((reps, groups, len(COUNT_KEYS)), dtype=np.int64)
    for r, rep in enumerate(results):
        for res, g in zip(rep, group_of, strict=True):
            counts[r, g] += [int(res.row[k]) for k in COUNT_KEYS]
    first = results[0]
    stations = np.array([int(r.row["index"]) for r in first], dtype=np.int64)
    minutes = np.concatenate([r.checkin_minute for r in first] or [np.zeros(0, np.int64)])
    after = np.array([r.protocol_after_close_s for r in first], dtype=np.float64)
    arrived = after[~np.isnan(after)]
    attempts = np.concatenate([r.upload_attempts_after_close_s for r in first]
                              or [np.zeros(0)])
    waits, over = _waits(results, group_of, groups)
    worst, by_part, failing, worst_p95 = _station_standard(results, positions, stations,
                                                            group_of)
    return ChunkFigures(
        counts=counts,
        stations=np.bincount(group_of, minlength=groups).astype(np.int64),
        registered=np.bincount(group_of, weights=[int(r.row["registered"]) for r in first],
                               minlength=groups).astype(np.int64),
        waits=waits,
        over_standard=over,
        checkins_by_hour=np.array([np.sum([r.checkins_by_hour for r in rep], axis=0)
                                   for rep in results], dtype=np.int64),
        arrivals_by_hour=np.array([np.sum([r.arrivals_by_hour for r in rep], axis=0)
                                   for rep in results], dtype=np.int64),
        checkin_minutes=tuple(  # type: ignore[arg-type]
            a.astype(np.int64) for a in np.unique(minutes, return_counts=True)),
        protocol_hours=np.bincount(_ceil_hours(arrived), minlength=MAX_HOURS_AFTER_CLOSE + 2),
        protocol_max_after_s=float(arrived.max()) if len(arrived) else math.nan,
        upload_hours=np.bincount(
            np.clip(np.floor(attempts / 3600), 0, MAX_HOURS_AFTER_CLOSE).astype(np.int64),
            minlength=MAX_HOURS_AFTER_CLOSE + 1),
        upload_max_after_s=float(attempts.max()) if len(attempts) else math.nan,
        uploads=len(attempts),
        worst=worst,
        failing_by_part=by_part,
        stations_failing=failing,
        worst_p95_min=worst_p95,
        schedule_events=int(sum(len(r.rows) for r in first)),
        outcomes=_outcome_totals(results),
        late=np.array([late_counts([r.row for r in rep]) for rep in results], dtype=np.int64),
    )


def _nanmax(a: float, b: float) -> float:
    return b if math.isnan(a) else a if math.isnan(b) else max(a, b)


@dataclass
class NationalAggregate:
    """The sum of every chunk so far; :mod:`simulation.national.summary` turns it into figures."""

    replications: int
    groups: int
    hours: int
    arrival_hours: int
    counts: IntArray = field(init=False)
    stations: IntArray = field(init=False)
    registered: IntArray = field(init=False)
    waits: list[WaitHistogram] = field(init=False)
    over_standard: IntArray = field(init=False)
    checkins_by_hour: IntArray = field(init=False)
    arrivals_by_hour: IntArray = field(init=False)
    checkin_minutes: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    protocol_hours: IntArray = field(
        default_factory=lambda: np.zeros(MAX_HOURS_AFTER_CLOSE + 2, dtype=np.int64))
    protocol_max_after_s: float = math.nan
    upload_hours: IntArray = field(
        default_factory=lambda: np.zeros(MAX_HOURS_AFTER_CLOSE + 1, dtype=np.int64))
    upload_max_after_s: float = math.nan
    uploads: int = 0
    worst: list[WorstStation] = field(default_factory=list)
    failing_by_part: dict[str, int] = field(default_factory=dict)
    stations_failing: int = 0
    worst_p95_min: float = 0.0
    schedule_events: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    late: IntArray = field(init=False)

    def __post_init__(self) -> None:
        reps, groups = self.replications, self.groups
        self.counts = np.zeros((reps, groups, len(COUNT_KEYS)), dtype=np.int64)
        self.stations = np.zeros(groups, dtype=np.int64)
        self.registered = np.zeros(groups, dtype=np.int64)
        self.waits = [WaitHistogram() for _ in range(groups)]
        self.over_standard = np.zeros(groups, dtype=np.int64)
        self.checkins_by_hour = np.zeros((reps, self.hours), dtype=np.int64)
        self.arrivals_by_hour = np.zeros((reps, self.arrival_hours), dtype=np.int64)
        self.late = np.zeros((reps, len(LATE_KEYS) + 1), dtype=np.int64)

    def add(self, chunk: ChunkFigures) -> None:
        self.counts += chunk.counts
        self.stations += chunk.stations
        self.registered += chunk.registered
        for hist, (buckets, counts, n, total, top) in zip(self.waits, chunk.waits, strict=True):
            hist.counts[buckets] += counts
            hist.total += n
            hist.sum_units += total
            hist.max_units = max(hist.max_units, top)
        self.over_standard += chunk.over_standard
        self.checkins_by_hour += chunk.checkins_by_hour
        self.arrivals_by_hour += chunk.arrivals_by_hour
        minute, count = chunk.checkin_minutes
        if len(minute) and int(minute.max()) >= len(self.checkin_minutes):
            grown = np.zeros(int(minute.max()) + 1, dtype=np.int64)
            grown[: len(self.checkin_minutes)] = self.checkin_minutes
            self.checkin_minutes = grown
        self.checkin_minutes[minute] += count
        self.protocol_hours += chunk.protocol_hours
        self.protocol_max_after_s = _nanmax(self.protocol_max_after_s,
                                            chunk.protocol_max_after_s)
        self.upload_hours += chunk.upload_hours
        self.upload_max_after_s = _nanmax(self.upload_max_after_s, chunk.upload_max_after_s)
        self.uploads += chunk.uploads
        # Failing first, then the longest waits; ties keep the run's station order.
        self.worst = sorted([*self.worst, *chunk.worst], key=WorstStation.rank)[:WORST_KEPT]
        for part, n in chunk.failing_by_part.items():
            self.failing_by_part[part] = self.failing_by_part.get(part, 0) + n
        self.stations_failing += chunk.stations_failing
        self.worst_p95_min = max(self.worst_p95_min, chunk.worst_p95_min)
        self.schedule_events += chunk.schedule_events
        for name, n_people in chunk.outcomes.items():
            self.outcomes[name] = self.outcomes.get(name, 0) + n_people
        self.late = add_late_counts(self.late, chunk.late)

    def all_waits(self) -> WaitHistogram:
        pooled = WaitHistogram()
        for hist in self.waits:
            pooled.merge(hist)
        return pooled

