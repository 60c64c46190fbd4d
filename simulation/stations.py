"""The national roster: every station, its group, size, constituency and hardware.

Built once from the scenario, deterministically from its seed, before any station runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulation.clock import opening_offsets_s
from simulation.scenario.model import Scenario, StationGroup
from simulation.streams import Stream, station_rng

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_MAX_RESAMPLING_ROUNDS = 50


def station_code(index: int) -> str:
    """The public id of a station, as the central service knows it."""
    return f"PS{index + 1:05d}"


@dataclass(frozen=True)
class StationTable:
    """One entry per station, all arrays the same length, ordered by ``index``."""

    index: IntArray
    group: IntArray
    registered: IntArray
    constituency: IntArray
    utc_offset_min: IntArray
    terminals: IntArray
    desks: IntArray
    booths: IntArray
    online: BoolArray

    def __len__(self) -> int:
        return len(self.index)

    @property
    def open_offset_s(self) -> NDArray[np.float64]:
        """Seconds from the earliest opening (anywhere) to each station's opening.

        Every station opens at the same local time, so one further east opens earlier.
        """
        return opening_offsets_s(self.utc_offset_min)


def _registered_counts(group: StationGroup, group_index: int, seed: int) -> IntArray:
    """Draw station sizes within the legal range; out-of-range draws are redrawn."""
    rng = station_rng(Stream.ROSTER, group_index, 0, seed)
    sizes = group.registered.sample(group.count, rng=rng)
    for _ in range(_MAX_RESAMPLING_ROUNDS):
        bad = (sizes < group.registered_min) | (sizes > group.registered_max)
        if not bad.any():
            break
        sizes[bad] = group.registered.sample(int(bad.sum()), rng=rng)
    sizes = np.clip(np.rint(sizes), group.registered_min, group.registered_max)
    return sizes.astype(np.int64)


def _constituencies(group: StationGroup, n_constituencies: int) -> IntArray:
    first, last = group.constituencies or (1, n_constituencies)
    span = last - first + 1
    return first + (np.arange(group.count, dtype=np.int64) * span) // group.count


def build_stations(scenario: Scenario) -> StationTable:
    election = scenario.election
    parts: dict[str, list[NDArray[np.generic]]] = {k: [] for k in StationTable.__annotations__}
    start = 0
    for g_index, group in enumerate(scenario.station_groups):
        n = group.count
        offset_h = election.utc_offset_h if group.utc_offset_h is None else group.utc_offset_h
        parts["index"].append(np.arange(start, start + n, dtype=np.int64))
        parts["group"].append(np.full(n, g_index, dtype=np.int64))
        parts["registered"].append(_registered_counts(group, g_index, election.seed))
        parts["constituency"].append(_constituencies(group, election.constituencies))
        parts["utc_offset_min"].append(np.full(n, round(offset_h * 60), dtype=np.int64))
        parts["terminals"].append(np.full(n, group.terminals, dtype=np.int64))
        parts["desks"].append(np.full(n, group.desks, dtype=np.int64))
        parts["booths"].append(np.full(n, group.booths, dtype=np.int64))
        parts["online"].append(np.full(n, group.connectivity == "online", dtype=np.bool_))
        start += n
    return StationTable(**{k: np.concatenate(v) for k, v in parts.items()})
