"""``pollday size`` as a library call: :func:`size` with typed :class:`SizeOptions`.

Writes ``sizing.csv``, ``sizing.json`` and ``report.html`` to ``options.out`` and returns the
summary (sizing.json's content); the CLI (command.py) only parses and prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pollday.console import progress_bar
from pollday.report import write_report
from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import check_out_folder, write_stations_csv
from simulation import build_stations
from simulation.errors import InputError
from simulation.execution.cluster import parse_local_workers
from simulation.execution.task_pool import TaskPool, task_pool
from simulation.scenario.model import Scenario
from simulation.sizing.confirm import (
    FRESH_SEED_OFFSET,
    MIN_FRESH_DAYS,
    BandCheck,
    band_flags,
    confirm_bands,
    confirmation_summary,
)
from simulation.sizing.evaluate import today_units
from simulation.sizing.model import SizingOutput
from simulation.sizing.request import PoolNameError, Units, sized_pools
from simulation.sizing.search import BandAnswer, SizingRequest, size_stations
from simulation.sizing.sensitivity import VARIANTS, paired_change, with_floors
from simulation.sizing.summary import national_totals, sizing_summary, station_rows
from simulation.sizing.targets import TargetError, parse_target
from simulation.standard import rule_text
from simulation.stations import StationTable

__all__ = ["SizeInputError", "SizeOptions", "size", "sizing_request"]

# No extra targets: the scenario's [standard] (every part) is what sizing meets by default.
DEFAULT_TARGETS: tuple[str, ...] = ()


class SizeInputError(InputError, ValueError):
    """A ``pollday size`` option that cannot be used; the message names it."""


@dataclass(frozen=True)
class SizeOptions:
    scenario: Path
    out: Path
    targets: tuple[str, ...] = DEFAULT_TARGETS
    confidence: float = 0.95
    resources: str = ""  # comma-separated pool names (or terminals, desks, booths); "": every pool
    replications: int = 20
    band_voters: int = 50
    seed: int | None = None
    workers: int | None = None  # None: all cores
    cluster: str | None = None  # a Dask scheduler address, or local:N (instead of workers)
    sensitivity: bool = True  # the five what-if re-sizings
    quiet: bool = True  # no progress bars


def sizing_request(options: SizeOptions, scenario: Scenario) -> SizingRequest:
    """The validated request; raises SizeInputError naming the option."""
    try:
        targets = tuple(parse_target(t) for t in options.targets)
    except TargetError as error:
        raise SizeInputError(str(error)) from None
    if not 0 < options.confidence < 1:
        raise SizeInputError(f"--confidence {options.confidence} must be between 0 and 1")
    try:
        pools = sized_pools(scenario, options.resources.split(","))
    except PoolNameError as error:
        raise SizeInputError(f"--resources {options.resources!r}: {error}") from None
    return SizingRequest(
        targets=targets,
        confidence=options.confidence,
        replications=options.replications,
        resources=tuple(pools),
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


REFINE_ROUNDS = 3  # fresh-day checks before the last one; the last of them keeps today's cuts
REFINE_FACTOR = 4  # each re-search on this many times the days of the one before...
REFINE_MAX_DAYS = 160  # ...up to this many


def _checks(scenario: Scenario, stations: StationTable, request: SizingRequest,
            answers: list[BandAnswer], seed: int, pool: TaskPool,
            ) -> tuple[list[Units], list[BandCheck]]:
    current = [today_units(scenario, stations, a.representative) for a in answers]
    return current, confirm_bands(scenario, answers, current, request, seed=seed, pool=pool)


def _contradicted(answers: list[BandAnswer], current: list[Units],
                  checks: list[BandCheck], confidence: float) -> list[int]:
    """Bands whose recommendation fresh days contradict: it misses the standard, or it
    cuts hardware and loses more votes, or meets the standard on fewer days, than today."""
    flags = band_flags(answers, current, checks)
    return [k for k, f in enumerate(flags)
            if f["cut_loses_votes"] or f["cut_meets_less"] or f["fresh_met_share"] < confidence]


def _keep_today(answer: BandAnswer, today: Units) -> BandAnswer:
    """The answer with no pool below today's count (fresh days contradicted the cut)."""
    now = dict(today)
    kept = tuple((p, max(n, now[p])) for p, n in answer.units)
    if kept == answer.units:
        return answer
    return replace(answer, units=kept, reason="kept: fresh days",
                   reasons={p: "kept: fresh days" for p in answer.reasons})


def _confirm(
    scenario: Scenario, stations: StationTable, request: SizingRequest,
    answers: list[BandAnswer], seed: int, options: SizeOptions, pool: TaskPool,
) -> tuple[list[BandAnswer], dict[str, Any], list[dict[str, Any]]]:
    """Out of sample: bands whose fresh days contradict their answer are searched again on
    more days (today's hardware is never cut on fewer days than it was confirmed on), then
    every band is confirmed once more on days no search saw; that confirmation is reported."""
    answers = list(answers)
    for round_ in range(1, REFINE_ROUNDS + 1):
        current, checks = _checks(scenario, stations, request, answers,
                                  seed + round_ * FRESH_SEED_OFFSET, pool)
        again = _contradicted(answers, current, checks, request.confidence)
        if not again:
            break
        if round_ == REFINE_ROUNDS:  # contradicted again: keep today's count where it cut
            for k in again:
                answers[k] = _keep_today(answers[k], current[k])
            continue
        days = min(request.replications * REFINE_FACTOR**round_, REFINE_MAX_DAYS)
        deeper = replace(request, replications=max(days, request.replications),
                         seed=seed + round_ * FRESH_SEED_OFFSET)
        only = [s for k in again for s in answers[k].stations]
        with progress_bar(f"re-sizing {len(only):,} stations on more days", len(only),
                          quiet=options.quiet) as advance:
            redone = size_stations(scenario, deeper, pool=pool, progress=advance,
                                   station_indices=only)
        by_station = {a.representative: a for a in redone}
        answers = [by_station.get(a.representative, a) for a in answers]
    fresh = seed + (REFINE_ROUNDS + 1) * FRESH_SEED_OFFSET
    current, checks = _checks(scenario, stations, request, answers, fresh, pool)
    # A cut the last fresh days contradict is not recommended: today's count is kept there,
    # and those bands are measured again on the same days (where nothing else changed, the
    # recommendation is then today's hardware, figure for figure).
    flags = band_flags(answers, current, checks)
    undo = [k for k, f in enumerate(flags) if f["cut_loses_votes"] or f["cut_meets_less"]]
    if undo:
        for k in undo:
            answers[k] = _keep_today(answers[k], current[k])
        _, remeasured = _checks(scenario, stations, request, [answers[k] for k in undo],
                                fresh, pool)
        for k, check in zip(undo, remeasured, strict=True):
            checks[k] = check
    summary = confirmation_summary(scenario, answers, current, checks, request, fresh)
    summary["bands_kept_after_last_check"] = len(undo)
    return answers, summary, band_flags(answers, current, checks)


def size(options: SizeOptions) -> SizingOutput:
    """Size every station of the scenario, write the outputs, return the typed summary
    (``.as_json()``: sizing.json's content)."""
    if options.cluster is not None:
        parse_local_workers(options.cluster)  # a bad local:N is exit 2 before any work
    check_out_folder(options.out)
    scenario = load_scenario(options.scenario)
    request = sizing_request(options, scenario)
    started = time.perf_counter()
    stations = build_stations(scenario)
    # One pool (local processes or a Dask cluster) for the base sizing and every what-if.
    with task_pool(options.workers, options.cluster) as pool:
        answers = _size(scenario, request, "sizing stations", options, pool)
        seed = scenario.election.seed if request.seed is None else request.seed
        answers, confirmation, flags = _confirm(scenario, stations, request, answers, seed,
                                                options, pool)
        rows = station_rows(scenario, stations, answers, flags)
        summary = sizing_summary(scenario, request, rows, answers, seed)
        summary.standard = rule_text(scenario.standard)
        summary.confirmation = confirmation
        summary.station_days_simulated += (REFINE_ROUNDS + 1) * 2 * len(answers) * max(
            request.replications, MIN_FRESH_DAYS)
        if options.sensitivity:
            summary.sensitivity = _what_ifs(scenario, stations, request, answers, summary,
                                            options, pool)
    summary.wall_s = round(time.perf_counter() - started, 1)
    options.out.mkdir(parents=True, exist_ok=True)
    write_stations_csv(options.out / "sizing.csv", rows)
    summary.write(options.out / SizingOutput.FILE)
    write_report(options.out)
    return summary
