"""``pollday spares`` as a library call: read the scenario, count the spares, write
``spares.json`` and ``spares.csv`` (docs/spares.md)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import check_out_folder
from simulation.errors import InputError
from simulation.spares import DEFAULT_REPLICATIONS, SparesOutput, SparesRequest, plan_spares

CSV = "spares.csv"
MAX_REPLICATIONS = 100_000  # a count an operator types needs a range


@dataclass(frozen=True)
class SparesOptions:
    scenario: Path
    out: Path | None = None
    confidence: float | None = None  # None: the scenario's [spares] confidence
    replications: int = DEFAULT_REPLICATIONS
    seed: int | None = None
    missing_cost: bool = True


def spares(options: SparesOptions,
           progress: Callable[[str], None] | None = None) -> SparesOutput:
    """Count every reserve's spares; write the outputs when ``options.out`` is given."""
    if options.confidence is not None and not 0 < options.confidence < 1:
        raise InputError(f"--confidence {options.confidence} must lie strictly between 0 and 1")
    if not 1 <= options.replications <= MAX_REPLICATIONS:
        raise InputError(f"--replications {options.replications} must lie in "
                         f"1..{MAX_REPLICATIONS:,}")
    if options.out is not None:
        check_out_folder(options.out)
    scenario = load_scenario(options.scenario)
    result = plan_spares(
        scenario,
        SparesRequest(confidence=options.confidence, replications=options.replications,
                      seed=options.seed, missing_cost=options.missing_cost),
        scenario_name=scenario.election.name, progress=progress)
    if options.out is not None:
        options.out.mkdir(parents=True, exist_ok=True)
        result.write(options.out / SparesOutput.FILE)
        write_spares_csv(options.out / CSV, result)
    return result


def write_spares_csv(path: Path, result: SparesOutput) -> None:
    """One row per reserve and pool."""
    fields = ["reserve", "pool", "groups", "stations", "units", "expected_replacements",
              "expected_replacements_max", "simulated_mean", "simulated_max",
              "needed_simulated", "needed_analytic", "days_covered_by_analytic",
              "stock_one_short", "days_short_one_short", "extra_lost_votes_per_day_one_short",
              "represented_stations", "represented_expected_replacements",
              "represented_simulated_mean", "represented_simulated_mean_se",
              "represented_needed_analytic"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in result.reserves:
            m, rep = r.missing_spare, r.represented
            writer.writerow({
                "reserve": r.reserve, "pool": r.pool, "groups": ";".join(r.groups),
                "stations": r.stations, "units": r.units,
                "expected_replacements": r.expected_replacements,
                "expected_replacements_max": r.expected_replacements_max,
                "simulated_mean": r.simulated_mean, "simulated_max": r.simulated_max,
                "needed_simulated": r.needed_simulated, "needed_analytic": r.needed_analytic,
                "days_covered_by_analytic": r.days_covered_by_analytic,
                "stock_one_short": "" if m is None else m.stock,
                "days_short_one_short": "" if m is None else m.days_short,
                "extra_lost_votes_per_day_one_short": "" if m is None
                else m.extra_lost_votes_per_day,
                "represented_stations": "" if rep is None else rep.stations,
                "represented_expected_replacements": "" if rep is None
                else rep.expected_replacements,
                "represented_simulated_mean": "" if rep is None else rep.simulated_mean,
                "represented_simulated_mean_se": "" if rep is None else rep.simulated_mean_se,
                "represented_needed_analytic": "" if rep is None else rep.needed_analytic,
            })
