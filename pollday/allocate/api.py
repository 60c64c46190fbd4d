"""``pollday allocate`` as a library call: :func:`allocate_to_folder` with typed options.

Writes ``allocation.json``, ``allocation.csv``, ``moves.csv`` and ``allocation.md`` to
``options.out`` and returns allocation.json's content; the CLI (command.py) only
parses and prints.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pollday.console import progress_bar
from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import check_out_folder, write_stations_csv
from simulation.allocation.allocate import AllocationInputError, AllocationRequest, allocate
from simulation.allocation.curves import MAX_UNITS
from simulation.allocation.model import AllocationOutput
from simulation.allocation.summary import allocation_output, move_rows, station_rows
from simulation.execution.cluster import parse_local_workers
from simulation.execution.task_pool import task_pool
from simulation.national.rosters import roster

__all__ = ["AllocateOptions", "allocate_to_folder", "markdown", "parse_units"]

MOVE_COLUMNS = ("pool", "from_station", "from_group", "to_station", "to_group", "units",
                "scope")
_UNITS = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)=([0-9]{1,9})", re.ASCII)


@dataclass(frozen=True)
class AllocateOptions:
    scenario: Path
    out: Path
    budgets: tuple[str, ...]  # "POOL=N", as on the command line
    floors: tuple[str, ...] = ()  # "POOL=N"
    replications: int = 20
    band_voters: int = 50
    seed: int | None = None
    fresh_days: int = 1
    workers: int | None = None
    cluster: str | None = None
    quiet: bool = True


def parse_units(option: str, text: str) -> tuple[str, int]:
    """``POOL=N`` (ASCII digits only) or AllocationInputError naming the option."""
    match = _UNITS.fullmatch(text.strip())
    if not match:
        raise AllocationInputError(f"{option} {text!r}: write POOL=N, e.g. terminal=12882")
    return match.group(1), int(match.group(2))


def _request(options: AllocateOptions) -> AllocationRequest:
    return AllocationRequest(
        budgets=tuple(parse_units("--budget", b) for b in options.budgets),
        floors=dict(parse_units("--floor", f) for f in options.floors),
        replications=options.replications, band_voters=options.band_voters,
        seed=options.seed, fresh_days=options.fresh_days,
    )


def _phases(quiet: bool) -> Callable[[str, int], Any]:
    @contextmanager
    def phase(label: str, total: int) -> Iterator[Callable[[int], None]]:
        with progress_bar(label, total, quiet=quiet) as advance:
            yield advance

    return phase


def markdown(summary: dict[str, Any], out: Path) -> str:
    """A short Markdown section: the three allocations side by side, per pool."""
    lines = [f"## Allocation — {summary['scenario']}", "",
             f"Objective: {summary['objective']}.", ""]
    for pool in summary["pools"]:
        lines += [f"### {pool['pool']}: {pool['budget']:,} units", "", pool["verdict"], "",
                  "| allocation | voters over or lost a day | worst p95 (min) | equity MAD "
                  "(min) | stations meeting the standard |", "|---|---:|---:|---:|---:|"]
        for days, label in ((pool, "simulated days"), (pool.get("fresh"), "fresh days")):
            if days is None:
                continue
            for a in ("today", "proportional", "recommended"):
                f = days[a]
                lines.append(f"| {a} ({label}) | {f['voters_over_per_day']:,.1f} | "
                             f"{f['worst_p95_min']:.1f} | {f['equity_mad_wait_min']:.3f} | "
                             f"{f['stations_meeting_standard']:,} |")
        lines.append("")
    lines.append(f"Per station: `{out / 'allocation.csv'}`; moves: `{out / 'moves.csv'}`.")
    return "\n".join(lines) + "\n"


def allocate_to_folder(options: AllocateOptions) -> AllocationOutput:
    """Allocate every budgeted pool, write the outputs, return the typed result
    (``.as_json()``: allocation.json's content)."""
    if options.cluster is not None:
        parse_local_workers(options.cluster)  # a bad local:N is exit 2 before any work
    check_out_folder(options.out)
    request = _request(options)
    scenario = load_scenario(options.scenario)
    stations = sum(g.count for g in scenario.station_groups)
    for name, budget in request.budgets:
        if budget > stations * MAX_UNITS:
            raise AllocationInputError(f"--budget {name}={budget:,}: more than {MAX_UNITS} "
                                       f"units for each of the {stations:,} stations")
    started = time.perf_counter()
    with task_pool(options.workers, options.cluster) as pool:
        results = allocate(scenario, request, pool=pool, phases=_phases(options.quiet))
    table = roster(scenario)
    seed = scenario.election.seed if request.seed is None else request.seed
    output = allocation_output(scenario, request, results, table,
                               scenario_name=scenario.election.name, seed=seed)
    output.wall_s = round(time.perf_counter() - started, 1)
    options.out.mkdir(parents=True, exist_ok=True)
    output.write(options.out / AllocationOutput.FILE)
    write_stations_csv(options.out / "allocation.csv", station_rows(scenario, request, results,
                                                                   table))
    moves = move_rows(scenario, results, table)
    with (options.out / "moves.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=MOVE_COLUMNS)
        writer.writeheader()
        writer.writerows(moves)
    (options.out / "allocation.md").write_text(markdown(output.as_json(), options.out),
                                               encoding="utf-8")
    return output
