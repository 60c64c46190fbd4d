"""``pollday simulate`` as a library call: :func:`simulate_to_folder` with typed
:class:`SimulateOptions`.

Writes the run folder (``summary.json``, ``stations.csv``, the schedule, queue curves, the
report, and ``voters.npy`` when asked) and returns what the CLI prints; the CLI only parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.console import progress_bar
from pollday.outputs import check_out_folder, remove_run_files, write_simulation
from pollday.report import write_report
from pollday.scenario_file import load_scenario
from simulation import RunOptions, national_summary, simulate
from simulation.voters import VOTERS, write_voters

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


@dataclass(frozen=True)
class SimulateResult:
    summary: dict[str, Any]  # summary.json's content (written through SimulationSummary)
    removed: list[str]  # an earlier run's files removed from the folder


def simulate_to_folder(options: SimulateOptions) -> SimulateResult:
    """Simulate every station's day and write the run folder; ScenarioError or
    OutFolderError (exit 2) before anything is simulated."""
    check_out_folder(options.out)
    scenario = load_scenario(options.scenario)
    run_options = RunOptions(seed=options.seed, replications=options.replications,
                             voters=options.voters)
    total = sum(g.count for g in scenario.station_groups) * (
        options.replications or scenario.election.replications
    )
    with progress_bar("simulating stations", total, quiet=options.quiet) as advance:
        result = simulate(scenario, options=run_options, workers=options.workers,
                          progress=advance)
    summary = national_summary(result)
    removed = remove_run_files(options.out, keep_voters=options.voters)
    write_simulation(options.out, result, summary, options.scenario)
    if options.voters:
        write_voters(options.out / VOTERS, result.scenario, result.results[0])
    write_report(options.out)
    return SimulateResult(summary, list(removed))
