"""``pollday simulate`` as a library call: :func:`simulate_to_folder` with typed
:class:`SimulateOptions`.

Writes the run folder (``summary.json``, ``stations.csv``, the schedule, queue curves, the
report, and ``voters.npy`` when asked) and returns what the CLI prints; the CLI only parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.console import phase, progress_bar
from pollday.report import write_report
from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import (
    check_out_folder,
    remove_run_files,
    simulate_day_into_folder,
)
from simulation import RunOptions
from simulation.national.runner import CHUNK_STATIONS
from simulation.national.summary_model import SimulationSummary

__all__ = ["SimulateOptions", "SimulateResult", "simulate_to_folder"]


@dataclass(frozen=True)
class SimulateOptions:
    scenario: Path
    out: Path
    seed: int | None = None  # None: the scenario's
    replications: int | None = None  # None: the scenario's
    voters: bool = False  # also write voters.npy (one row per voter)
    workers: int | None = None  # None: all cores
    quiet: bool = True  # no progress bar
    schedule: bool = True  # write schedule.npy (what `pollday run` replays)
    queue_curves: bool = True  # write queue_length.npz (the report's queue plots)
    cluster: str | None = None  # a Dask scheduler address, or local:N
    chunk_stations: int = CHUNK_STATIONS  # stations per chunk: the figures do not change


@dataclass(frozen=True)
class SimulateResult:
    day: SimulationSummary  # summary.json as its model
    removed: list[str]  # an earlier run's files removed from the folder

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json's content without ``format`` (what ``--json`` prints)."""
        content = self.day.as_json()
        del content["format"]
        return content


def simulate_to_folder(options: SimulateOptions) -> SimulateResult:
    """Simulate every station's day and write the run folder; ScenarioError or
    OutFolderError (exit 2) before anything is simulated."""
    check_out_folder(options.out)
    scenario = load_scenario(options.scenario)
    run_options = RunOptions(seed=options.seed, replications=options.replications,
                             voters=options.voters, schedule=options.schedule,
                             queue_curves=options.queue_curves,
                             chunk_stations=options.chunk_stations)
    total = sum(g.count for g in scenario.station_groups) * (
        options.replications or scenario.election.replications
    )
    removed = remove_run_files(options.out, keep_voters=options.voters)
    with progress_bar("simulating stations", total, quiet=options.quiet) as advance:
        _, summary = simulate_day_into_folder(
            options.out, scenario, options.scenario, options=run_options,
            workers=options.workers, cluster=options.cluster, progress=advance)
    with phase("writing the report", quiet=options.quiet):  # seconds for a country
        write_report(options.out)
    return SimulateResult(summary, list(removed))
