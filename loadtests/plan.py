"""From the simulated schedule to one load generator's list of jobs (no locust here).

A *job* is one HTTP request to be sent at an intended time: a check-in, a duplicate attempt,
a sync batch (rows of kinds SYNC_* with the same station and time, at most ``BATCH_MAX``
items per job), a protocol upload attempt (failed ones too), or a public read. Jobs are
kept as parallel numpy arrays so a national schedule costs a few bytes per event.

Station selection is deterministic and nested: ``--station-share`` keeps the first
``round(share * n)`` stations of a permutation drawn from the scenario seed, so a smaller
share is a subset of a larger one. Workers then split the kept stations so that each station
belongs to exactly one worker (balanced by event count, deterministically), which makes the
workers together replay the kept schedule exactly once.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from simulation import EventKind

BATCH_MAX = 500
_SHARE_STREAM = 0x5EA7


class JobKind(IntEnum):
    CHECKIN = 0
    DUPLICATE = 1
    BATCH = 2
    PROTOCOL = 3
    RESULTS = 4
    SNAPSHOT = 5
    PROTOCOL_FAILED = 6  # an upload attempt the simulation decided fails (adapter docstring)


STATION_KINDS = (JobKind.CHECKIN, JobKind.DUPLICATE, JobKind.BATCH, JobKind.PROTOCOL,
                 JobKind.PROTOCOL_FAILED)
UPLOAD_KINDS = (JobKind.PROTOCOL, JobKind.PROTOCOL_FAILED)


def station_order(n_stations: int, seed: int) -> NDArray[np.int64]:
    """The order in which growing shares take stations (a permutation drawn from the seed)."""
    return np.random.default_rng([_SHARE_STREAM, seed]).permutation(n_stations).astype(np.int64)


def kept_stations(n_stations: int, share: float, seed: int) -> NDArray[np.int64]:
    """Sorted indices of the stations kept by ``share`` (deterministic, nested in ``share``)."""
    if not 0 < share <= 1:
        raise ValueError(f"station share must be in (0, 1], got {share}")
    order = station_order(n_stations, seed)
    keep = max(1, round(share * n_stations)) if n_stations else 0
    return np.sort(order[:keep]).astype(np.int64)


def partition_stations(
    stations: NDArray[np.int64], weights: NDArray[np.int64], workers: int
) -> list[NDArray[np.int64]]:
    """Split ``stations`` among ``workers``: disjoint, complete, balanced by ``weights``.

    Longest-processing-time greedy: heaviest station first to the least-loaded worker,
    ties broken by index, so every process computes the same split.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    order = sorted(range(len(stations)), key=lambda k: (-int(weights[k]), int(stations[k])))
    loads = [(0, w) for w in range(workers)]
    parts: list[list[int]] = [[] for _ in range(workers)]
    for k in order:
        load, w = heapq.heappop(loads)
        parts[w].append(int(stations[k]))
        heapq.heappush(loads, (load + int(weights[k]), w))
    return [np.array(sorted(p), dtype=np.int64) for p in parts]


@dataclass(frozen=True)
class JobPlan:
    """One generator's jobs, sorted by intended time (seconds from the replay start)."""

    time_s: NDArray[np.float64]
    kind: NDArray[np.uint8]
    station: NDArray[np.int64]  # -1 for public reads
    first: NDArray[np.int64]  # first row in ``rows`` (batches span rows first..first+count)
    count: NDArray[np.int64]  # schedule rows the job covers (0 for public reads)
    rows: NDArray[np.void]  # this generator's schedule rows, in job order

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def scheduled_events(self) -> int:
        """Schedule rows covered by the jobs (public reads are not schedule rows)."""
        return int(self.count.sum())


def select_rows(
    schedule: NDArray[np.void], stations: NDArray[np.int64]
) -> NDArray[np.void]:
    """The schedule rows of ``stations``, in schedule (time) order."""
    return schedule[np.isin(schedule["station"], stations)]


def build_jobs(rows: NDArray[np.void], compress: float, origin_s: float = 0.0) -> JobPlan:
    """Group ``rows`` (time-sorted schedule rows) into jobs; times from ``origin_s`` (the
    replay's time zero in schedule seconds) divided by ``compress``."""
    if compress <= 0:
        raise ValueError(f"compress must be positive, got {compress}")
    sync = np.isin(rows["kind"], (EventKind.SYNC_CHECKIN, EventKind.SYNC_DUPLICATE))
    # Batch rows must be contiguous: order by (time, sync-ness, station), stable.
    order = np.lexsort((rows["station"], sync, rows["time_s"]))
    rows = rows[order]
    sync = sync[order]
    n = len(rows)
    t_col, s_col = rows["time_s"], rows["station"]
    same = np.zeros(n, dtype=bool)
    if n > 1:
        same[1:] = sync[1:] & sync[:-1] & (s_col[1:] == s_col[:-1]) & (t_col[1:] == t_col[:-1])
    starts = np.flatnonzero(~same)
    sizes = np.diff(np.append(starts, n))
    pieces = -(-sizes // BATCH_MAX)  # ceil: batches over BATCH_MAX are split
    group = np.repeat(np.arange(len(starts)), pieces)
    k = np.arange(len(group)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    first = starts[group] + k * BATCH_MAX
    count = np.minimum(BATCH_MAX, sizes[group] - k * BATCH_MAX)
    kind_map = np.zeros(256, dtype=np.uint8)
    kind_map[EventKind.CHECKIN] = JobKind.CHECKIN
    kind_map[EventKind.DUPLICATE] = JobKind.DUPLICATE
    kind_map[EventKind.PROTOCOL] = JobKind.PROTOCOL
    kind_map[EventKind.PROTOCOL_FAILED] = JobKind.PROTOCOL_FAILED
    kinds = np.where(sync[first], np.uint8(JobKind.BATCH), kind_map[rows["kind"][first]])
    return JobPlan(
        time_s=(t_col[first].astype(np.float64) - origin_s) / compress,
        kind=kinds.astype(np.uint8),
        station=s_col[first].astype(np.int64),
        first=first.astype(np.int64),
        count=count.astype(np.int64),
        rows=rows,
    )


def with_public(plan: JobPlan, time_s: NDArray[np.float64], kind: JobKind) -> JobPlan:
    """Merge public reads (no station, no schedule rows) into ``plan``, keeping time order."""
    if len(time_s) == 0:
        return plan
    all_t = np.concatenate([plan.time_s, time_s])
    order = np.argsort(all_t, kind="stable")
    m = len(time_s)
    return JobPlan(
        time_s=all_t[order],
        kind=np.concatenate([plan.kind, np.full(m, kind, dtype=np.uint8)])[order],
        station=np.concatenate([plan.station, np.full(m, -1, dtype=np.int64)])[order],
        first=np.concatenate([plan.first, np.zeros(m, dtype=np.int64)])[order],
        count=np.concatenate([plan.count, np.zeros(m, dtype=np.int64)])[order],
        rows=plan.rows,
    )


def event_weights(schedule: NDArray[np.void], stations: NDArray[np.int64]) -> NDArray[np.int64]:
    """Schedule rows per station, for ``stations`` (used to balance workers)."""
    counts = np.bincount(schedule["station"], minlength=int(stations.max(initial=-1)) + 1)
    return counts[stations].astype(np.int64)
