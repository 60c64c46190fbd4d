"""Write a simulation's run folder as the chunks come: nothing waits for the whole country.

``stations.csv`` gets each chunk's lines, queue curves and per-voter rows are appended to
``.npy`` files, and the schedule is spilled by time slice and sorted slice by slice at the
end (:mod:`simulation.outputs.schedule_spill`). What a planning run does not need can be left out
(:class:`FolderOutputs`); the defaults write everything, as before.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from simulation.national.chunk import ChunkOutput, day_layout
from simulation.national.voters import VOTERS, scenario_voter_dtype, write_voter_columns
from simulation.outputs.npy_stream import NpyAppender
from simulation.outputs.schedule_spill import ScheduleSpill
from simulation.scenario.model import Scenario
from simulation.station.metrics import QUEUE_BIN_S

__all__ = ["QUEUE_LENGTH", "SCHEDULE", "STATIONS", "FolderOutputs", "FolderSink"]

STATIONS = "stations.csv"
SCHEDULE = "schedule.npy"
QUEUE_LENGTH = "queue_length.npz"


@dataclass(frozen=True)
class FolderOutputs:
    """Which of the large outputs to write (``summary.json`` and stations.csv always)."""

    schedule: bool = True  # schedule.npy: what `pollday run` replays
    queue_curves: bool = True  # queue_length.npz: the report's queue plots
    voters: bool = False  # voters.npy: one row per voter


class FolderSink:
    """A :class:`simulation.national.runner.ChunkSink` writing into ``out``; call :meth:`close`."""

    def __init__(self, out: Path, scenario: Scenario, outputs: FolderOutputs) -> None:
        self.out = out
        self._csv_file: IO[str] = (out / STATIONS).open("w", newline="", encoding="utf-8")
        self._csv: Any = None
        self._schedule = ScheduleSpill(out / SCHEDULE) if outputs.schedule else None
        _, bins = day_layout(scenario)
        self._queue = (NpyAppender(out / ".queue_length.npy", np.dtype(np.float32), (bins,))
                       if outputs.queue_curves else None)
        self._queue_stations = (NpyAppender(out / ".queue_station.npy", np.dtype(np.int32))
                                if outputs.queue_curves else None)
        self._voters = None
        if outputs.voters:
            self._voters = NpyAppender(out / VOTERS, scenario_voter_dtype(scenario))
            write_voter_columns(out / VOTERS, scenario)

    def write(self, chunk: ChunkOutput) -> None:
        if chunk.rows:
            if self._csv is None:
                self._csv = csv.DictWriter(self._csv_file, fieldnames=list(chunk.rows[0]))
                self._csv.writeheader()
            self._csv.writerows(chunk.rows)
        if self._schedule is not None and chunk.schedule is not None:
            self._schedule.append(chunk.schedule)
        if self._queue is not None and self._queue_stations is not None:
            if chunk.queue_bins is not None:
                self._queue.append(chunk.queue_bins)
            self._queue_stations.append(np.array([r["index"] for r in chunk.rows], np.int32))
        if self._voters is not None and chunk.voters is not None:
            self._voters.append(chunk.voters)

    def close(self) -> None:
        """Finish every file (sort the schedule, pack the queue curves)."""
        self._csv_file.close()
        if self._schedule is not None:
            self._schedule.close()
        if self._voters is not None:
            self._voters.close()
        if self._queue is not None and self._queue_stations is not None:
            self._queue.close()
            self._queue_stations.close()
            _pack_queue_curves(self.out / QUEUE_LENGTH, self._queue_stations.path,
                               self._queue.path)


def _pack_queue_curves(path: Path, stations: Path, curves: Path) -> None:
    """The ``.npz`` ``numpy.savez_compressed`` would write, packed from files on disk."""
    bin_s = path.with_name(".queue_bin_s.npy")
    np.save(bin_s, np.float64(QUEUE_BIN_S), allow_pickle=False)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as npz:
        for name, part in (("station.npy", stations), ("queue_length.npy", curves),
                           ("bin_s.npy", bin_s)):
            npz.write(part, arcname=name)
            part.unlink()
