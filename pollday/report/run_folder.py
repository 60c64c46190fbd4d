"""Read a run folder into typed arrays for the report; say exactly what is missing or broken.

Each report section owns a set of files (sizing's are read in ``sizing_data.py``). A section
whose files are all absent is left out of the report; a section with only some of its files
is a broken folder and raises
:class:`ReportError`, as does a folder that holds no section's data at all.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pollday.models.failure import SimulatedThenFailed
from pollday.models.run import RunSummary
from pollday.report.capacity_data import read_capacity
from pollday.report.errors import ReportError, broken, check_complete
from pollday.report.file_read import read_csv, read_output
from pollday.report.loadtest_data import LoadTestData, read_loadtest
from pollday.report.sizing_data import SIZING_FILES, SizingData, read_sizing
from pollday.scenario.file import load_scenario
from simulation import Scenario, ScenarioError
from simulation.national.summary import VOTER_COUNTS
from simulation.national.summary_model import SimulationSummary

SUMMARY = "summary.json"
STATIONS = "stations.csv"
QUEUE_LENGTH = "queue_length.npz"
SCENARIO = "scenario.toml"
# The files that mark a simulation's output. scenario.toml is shared with other kinds of run
# (sizing), so it does not mark one, but the simulation's data needs it.
SIMULATION_FILES = (SUMMARY, STATIONS)
# what a summary.json without ``format`` (older than its model) must hold
_SUMMARY_NEEDS = ("scenario", "stations", "registered", "voted", "wait_min", "arrivals_by_hour")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_STATION_FLOATS = ("wait_p50_min", "wait_p95_min", "wait_max_min", "terminal_utilisation")
_STATION_INTS = ("index", *VOTER_COUNTS, "max_queue", "terminal_failures")


@dataclass(frozen=True)
class StationColumns:
    """``stations.csv`` as columns (one entry per station, replication 0, station order)."""

    group: list[str]
    ints: dict[str, IntArray]
    floats: dict[str, FloatArray]

    def __len__(self) -> int:
        return len(self.group)

    def int_(self, name: str) -> IntArray:
        return self.ints[name]

    def float_(self, name: str) -> FloatArray:
        return self.floats[name]


@dataclass(frozen=True)
class QueueLengths:
    """Time-average line length per station (rows) per bin from local opening (columns)."""

    station: IntArray
    length: NDArray[np.float32]
    bin_s: float


@dataclass(frozen=True)
class SimulationData:
    """What ``pollday simulate`` wrote: the data of the headline and the day sections."""

    summary: dict[str, Any]  # the file's JSON: the sections' templates take it as written
    stations: StationColumns
    queues: QueueLengths | None  # None: the run was asked not to write queue curves
    scenario: Scenario

    @cached_property
    def day(self) -> SimulationSummary | None:
        """The simulated day's part of summary.json as its model (a run's summary is that
        day plus the run's fields: RunSummary extends SimulationSummary); None for a file
        older than the models (no ``format``), which the report holds only to the keys it
        needs (``pollday.report.file_read``), or one of an older layout (format 1 had
        ``wait_standard``)."""
        if self.summary.get("format") != SimulationSummary.FORMAT:
            return None
        fields = SimulationSummary.model_fields
        return SimulationSummary.model_validate(
            {k: v for k, v in self.summary.items() if k in fields})


@dataclass(frozen=True)
class RunFolder:
    """A run folder and the data found in it; ``None`` where a section's files are absent."""

    path: Path
    simulation: SimulationData | None
    sizing: SizingData | None
    loadtest: LoadTestData | None  # only next to a simulation (pollday run)
    capacity: dict[str, Any] | None = None  # capacity.json (pollday capacity)

    @property
    def has_any_data(self) -> bool:
        return self.simulation is not None or self.sizing is not None or bool(self.capacity)


def summary_model(data: dict[str, Any]) -> type[SimulationSummary]:
    """Which ``summary.json`` this is: a simulation's, a completed run's, or a run's that
    failed after its simulation (one that failed earlier has no simulation files)."""
    if "failure_stage" in data:
        return SimulatedThenFailed
    return RunSummary if "verdict" in data else SimulationSummary


def _read_summary(folder: Path) -> dict[str, Any]:
    """The summary as written, once it fits its model (the sections' templates take the
    file's JSON; every key they read is then there, with its published type)."""
    return read_output(folder, SUMMARY, summary_model, needed=_SUMMARY_NEEDS)


def _read_stations(folder: Path) -> StationColumns:
    def columns(rows: Iterable[dict[str, str]]) -> StationColumns:
        # Column by column as the rows come: a million stations' dicts never coexist.
        group: list[str] = []
        names: dict[str, str] = {}  # one string per group name, shared by its stations
        ints: dict[str, array[int]] = {c: array("q") for c in _STATION_INTS}
        floats: dict[str, array[float]] = {c: array("d") for c in _STATION_FLOATS}
        for r in rows:
            group.append(names.setdefault(r["group"], r["group"]))
            for c, values in ints.items():
                values.append(int(r[c]))
            for c, fvalues in floats.items():
                fvalues.append(float(r[c]))
        return StationColumns(
            group=group,
            ints={c: np.frombuffer(v, dtype=np.int64).copy() for c, v in ints.items()},
            floats={c: np.frombuffer(v, dtype=np.float64).copy() for c, v in floats.items()},
        )

    return read_csv(folder, STATIONS, ("group", *_STATION_INTS, *_STATION_FLOATS), columns)


def _read_queues(folder: Path) -> QueueLengths:
    try:
        with np.load(folder / QUEUE_LENGTH, allow_pickle=False) as npz:
            station = npz["station"].astype(np.int64)
            length = npz["queue_length"].astype(np.float32)
            bin_s = float(npz["bin_s"])
    except (OSError, KeyError, ValueError) as error:
        raise broken(folder, QUEUE_LENGTH, f"cannot be read ({error})") from None
    if length.ndim != 2 or (len(length) and len(length) != len(station)):
        raise broken(folder, QUEUE_LENGTH, f"queue_length has shape {length.shape}")
    return QueueLengths(station=station, length=length, bin_s=bin_s)


def _wrote_queues(folder: Path, summary: dict[str, Any]) -> bool:
    """Queue curves are there unless the run said it skipped them (older runs always
    wrote them, so for them a missing file is an incomplete folder)."""
    outputs = summary.get("outputs")
    if outputs is not None and QUEUE_LENGTH not in outputs:
        return False
    if not (folder / QUEUE_LENGTH).is_file():
        raise ReportError(f"{folder}: incomplete output: has {SUMMARY}, {STATIONS} but not "
                          f"{QUEUE_LENGTH} (run `pollday simulate` again)")
    return True


def _read_scenario(folder: Path) -> Scenario:
    try:
        return load_scenario(folder / SCENARIO)
    except ScenarioError as error:
        raise broken(folder, SCENARIO, f"is not a valid scenario\n{error.render()}") from None


def _read_simulation(folder: Path) -> SimulationData | None:
    if not check_complete(folder, SIMULATION_FILES, (SCENARIO,), "pollday simulate"):
        return None
    summary = _read_summary(folder)
    data = SimulationData(
        summary=summary,
        stations=_read_stations(folder),
        queues=_read_queues(folder) if _wrote_queues(folder, summary) else None,
        scenario=_read_scenario(folder),
    )
    if data.queues is not None and len(data.stations) != len(data.queues.station):
        raise ReportError(
            f"{folder}: {STATIONS} has {len(data.stations)} stations but {QUEUE_LENGTH} has "
            f"{len(data.queues.station)}: the files come from different runs"
        )
    return data


def read_run_folder(path: Path) -> RunFolder:
    """Load every section's data found in ``path``; raise ReportError if it is no run folder."""
    if not path.is_dir():
        raise ReportError(f"{path}: not a run folder (no such directory)")
    simulation = _read_simulation(path)
    folder = RunFolder(
        path=path,
        simulation=simulation,
        sizing=read_sizing(path),
        loadtest=read_loadtest(path, simulation.summary) if simulation else None,
        capacity=read_capacity(path),
    )
    if not folder.has_any_data:
        raise ReportError(
            f"{path}: not a run folder: none of {', '.join((*SIMULATION_FILES, *SIZING_FILES))} "
            "is there (write one with `pollday simulate` or `pollday size`)"
        )
    return folder
