"""The load-test schedule, written time-sorted without holding it in memory.

Chunks arrive in station order, each one time-sorted. Their rows are spilled into files by
15-minute slice of the day as they come; at the end each slice is read back alone, sorted
(stably: equal times keep station order, exactly as :func:`simulation.outputs.schedule.merge`
would) and appended to ``schedule.npy``. Memory holds one slice: about a fortieth of the day
at the peak, however many stations there are.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from simulation.outputs.npy_stream import NpyAppender
from simulation.outputs.schedule import SCHEDULE_DTYPE, Schedule

__all__ = ["ScheduleSpill"]

SLICE_S = 900.0


class ScheduleSpill:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._dir = Path(tempfile.mkdtemp(prefix=".schedule-", dir=path.parent))
        self._slices: set[int] = set()

    def _slice_file(self, k: int) -> Path:
        return self._dir / f"{k:06d}.bin"

    def append(self, rows: Schedule) -> None:
        """Add a chunk's rows (time-sorted; chunks in station order)."""
        if len(rows) == 0:
            return
        keys = np.floor(rows["time_s"] / SLICE_S).astype(np.int64)
        bounds = np.flatnonzero(np.diff(keys)) + 1
        for part in np.split(rows, bounds):
            k = int(np.floor(part["time_s"][0] / SLICE_S))
            with self._slice_file(k).open("ab") as f:
                f.write(part.tobytes())
            self._slices.add(k)

    def close(self) -> int:
        """Write ``schedule.npy`` slice by slice; return its rows."""
        try:
            with NpyAppender(self.path, SCHEDULE_DTYPE) as out:
                for k in sorted(self._slices):
                    rows = np.fromfile(self._slice_file(k), dtype=SCHEDULE_DTYPE)
                    out.append(rows[np.argsort(rows["time_s"], kind="stable")])
                return out.rows
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
