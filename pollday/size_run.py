"""``pollday size`` as a library call: :func:`size` with typed :class:`SizeOptions`.

Writes ``sizing.csv``, ``sizing.json`` and ``report.html`` to ``options.out`` and returns the
summary (sizing.json's content); the CLI (size_command.py) only parses and prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.console import progress_bar
from pollday.outputs import check_out_folder, write_stations_csv
from pollday.report import write_report
from pollday.scenario_file import load_scenario
from simulation import build_stations
from simulation.cluster import parse_local_workers
from simulation.errors import InputError
from simulation.scenario import Scenario
from simulation.sensitivity import VARIANTS, paired_change, with_floors
from simulation.sizing import BandAnswer, SizingRequest, size_stations
from simulation.sizing_model import SizingOutput
from simulation.sizing_summary import national_totals, sizing_summary, station_rows
from simulation.standard import WAIT_STANDARD_MIN
from simulation.stations import StationTable
from simulation.targets import RESOURCES, TargetError, parse_target
from simulation.task_pool import TaskPool, task_pool

__all__ = ["SizeInputError", "SizeOptions", "size", "sizing_request"]

DEFAULT_TARGETS = (f"p95_wait_min <= {WAIT_STANDARD_MIN:g}",)


class SizeInputError(InputError, ValueError):
    """A ``pollday size`` option that cannot be used; the message names it."""


@dataclass(frozen=True)
class SizeOptions:
    scenario: Path
    out: Path
    targets: tuple[str, ...] = DEFAULT_TARGETS
    confidence: float = 0.95
    resources: str = ",".join(RESOURCES)  # comma-separated subset, as on the command line
    replications: int = 20
    band_voters: int = 50
    seed: int | None = None
    workers: int | None = None  # None: all cores
    cluster: str | None = None  # a Dask scheduler address, or local:N (instead of workers)
    sensitivity: bool = True  # the five what-if re-sizings
    quiet: bool = True  # no progress bars


def sizing_request(options: SizeOptions) -> SizingRequest:
    """The validated request; raises SizeInputError naming the option."""
    try:
        targets = tuple(parse_target(t) for t in options.targets)
    except TargetError as error:
        raise SizeInputError(str(error)) from None
    if not 0 < options.confidence < 1:
        raise SizeInputError(f"--confidence {options.confidence} must be between 0 and 1")
    resources = tuple(r.strip() for r in options.resources.split(",") if r.strip())
    unknown = [r for r in resources if r not in RESOURCES]
    if unknown or not resources:
        raise SizeInputError(f"--resources {options.resources!r}: use a subset of {RESOURCES}")
    return SizingRequest(
        targets=targets,
        confidence=options.confidence,
        replications=options.replications,
        resources=tuple(r for r in RESOURCES if r in resources),
        band_voters=options.band_voters,
        seed=options.seed,
    )


def _size(
    scenario: Scenario, request: SizingRequest, label: str, options: SizeOptions, pool: TaskPool
) -> list[Any]:
    total = sum(g.count for g in scenario.station_groups)
    with progress_bar(label, total, quiet=options.quiet) as advance:
        return size_stations(scenario, request, pool=pool, progress=advance)


def _what_ifs(
    scenario: Scenario,
    stations: StationTable,
    request: SizingRequest,
    answers: list[BandAnswer],
    summary: SizingOutput,
    options: SizeOptions,
    pool: TaskPool,
) -> list[dict[str, Any]]:
    """The five what-if re-sizings, each floored at the base answer; adds their
    station-days to ``summary``."""
    sensitivity = []
    floored = with_floors(request, answers)
    for name, variant in VARIANTS.items():
        changed = variant(scenario)
        variant_answers = _size(changed, floored, name, options, pool)
        summary.station_days_simulated += sum(a.station_days for a in variant_answers)
        totals = national_totals(station_rows(changed, stations, variant_answers), changed)
        sensitivity.append(
            {"case": name, "totals": totals, **paired_change(answers, variant_answers)}
        )
    return sensitivity


def size(options: SizeOptions) -> dict[str, Any]:
    """Size every station of the scenario, write the outputs, return the summary (sizing.json's
    content)."""
    if options.cluster is not None:
        parse_local_workers(options.cluster)  # a bad local:N is exit 2 before any work
    check_out_folder(options.out)
    scenario = load_scenario(options.scenario)
    if scenario.flow:  # sizing searches terminals, desks and booths of the default flow
        raise SizeInputError(
            f"{options.scenario}: flow: pollday size sizes the default flow (terminals, desks, "
            "booths); this scenario describes its own stages and pools"
        )
    request = sizing_request(options)
    started = time.perf_counter()
    stations = build_stations(scenario)
    # One pool (local processes or a Dask cluster) for the base sizing and every what-if.
    with task_pool(options.workers, options.cluster) as pool:
        answers = _size(scenario, request, "sizing stations", options, pool)
        rows = station_rows(scenario, stations, answers)
        seed = scenario.election.seed if request.seed is None else request.seed
        summary = sizing_summary(scenario, request, rows, answers, seed)
        if options.sensitivity:
            summary.sensitivity = _what_ifs(scenario, stations, request, answers, summary,
                                            options, pool)
    summary.wall_s = round(time.perf_counter() - started, 1)
    options.out.mkdir(parents=True, exist_ok=True)
    write_stations_csv(options.out / "sizing.csv", rows)
    summary.write(options.out / SizingOutput.FILE)
    write_report(options.out)
    return summary.as_json()
