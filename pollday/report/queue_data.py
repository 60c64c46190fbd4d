"""Queue lengths ranked and trimmed for plotting: the worst stations and all stations at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pollday.report.run_folder import FloatArray, QueueLengths
from simulation.stations import station_code

HEATMAP_ROWS = 100
WORST_LINES = 20
MIN_VISIBLE = 0.05  # people in line: below this a bin counts as an empty line
_PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class QueueView:
    opening_min: float
    day_min: float
    bin_min: float
    worst: NDArray[np.float32]  # rows: worst stations first; columns: bins shown
    worst_codes: list[str]  # public station ids of those rows
    stations: int  # all stations in the run
    percentiles: dict[int, FloatArray]  # across all stations, per bin
    maximum: FloatArray  # across all stations, per bin

    @property
    def bin_start_min(self) -> FloatArray:
        return np.arange(self.worst.shape[1], dtype=np.float64) * self.bin_min


def rank_worst(length: NDArray[np.float32]) -> NDArray[np.int64]:
    """Station positions, worst first: highest peak 5-minute line, then most people-time."""
    peak = length.max(axis=1) if length.size else np.zeros(len(length))
    total = length.sum(axis=1) if length.size else np.zeros(len(length))
    return np.lexsort((-total, -peak)).astype(np.int64)


def _bins_to_show(length: NDArray[np.float32], day_min: float, bin_min: float) -> int:
    """Through closing, and on until the last line anywhere has cleared."""
    closing_bins = int(np.ceil(day_min / bin_min))
    busy = np.flatnonzero(length.max(axis=0) >= MIN_VISIBLE) if length.size else np.zeros(0)
    last = int(busy[-1]) + 1 if len(busy) else 0
    return int(min(length.shape[1], max(closing_bins + 1, last + 1)))


def queue_view(queues: QueueLengths, opening_min: float, day_min: float) -> QueueView:
    bin_min = queues.bin_s / 60
    shown = _bins_to_show(queues.length, day_min, bin_min)
    length = queues.length[:, :shown]
    order = rank_worst(length)[:HEATMAP_ROWS]
    if len(length):
        pct = np.percentile(length, _PERCENTILES, axis=0)
        percentiles = {q: pct[k].astype(np.float64) for k, q in enumerate(_PERCENTILES)}
        maximum = length.max(axis=0).astype(np.float64)
    else:
        percentiles = {q: np.zeros(shown) for q in _PERCENTILES}
        maximum = np.zeros(shown)
    return QueueView(
        opening_min=opening_min,
        day_min=day_min,
        bin_min=bin_min,
        worst=length[order],
        worst_codes=[station_code(int(queues.station[k])) for k in order],
        stations=len(length),
        percentiles=percentiles,
        maximum=maximum,
    )
