"""``pollday spares``: how many spares each reserve needs, and what one fewer costs.

Parses the arguments into :class:`SparesOptions`, calls :func:`pollday.spares.api.spares`,
prints a table per reserve (docs/spares.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pollday.exits import EXIT_OK
from pollday.options.counts import replications
from pollday.options.output import add_output_flags
from pollday.simulate.outputs import default_out
from pollday.spares.api import CSV, SparesOptions, spares
from simulation.spares import DEFAULT_REPLICATIONS, SparesOutput


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{value} must lie strictly between 0 and 1")
    return value


def add_spares_arguments(p: argparse.ArgumentParser, positive_int: Any, seed: Any) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--out", type=Path, help="folder for spares.json and spares.csv (default: "
                   "runs/<scenario name>-spares)")
    p.add_argument("--confidence", type=_confidence,
                   help="share of days the spares must cover (default: the scenario's "
                   "[spares] confidence, 0.95)")
    p.add_argument("--replications", type=replications, default=DEFAULT_REPLICATIONS,
                   help=f"simulated days of faults (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--seed", type=seed, help="root seed of the days (default: the scenario's)")
    p.add_argument("--no-cost", action="store_true",
                   help="skip re-simulating the days one spare short (lost votes)")
    add_output_flags(p, "spares.json")


def run_spares(args: argparse.Namespace) -> int:
    args.out = args.out or default_out(args.scenario, "-spares")
    quiet = args.quiet or args.json
    result = spares(
        SparesOptions(scenario=args.scenario, out=args.out, confidence=args.confidence,
                      replications=args.replications, seed=args.seed,
                      missing_cost=not args.no_cost),
        progress=None if quiet else lambda line: print(f"… {line}", file=sys.stderr))
    if args.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    elif not args.quiet:
        print_spares(result, args.out)
    return EXIT_OK


def print_spares(result: SparesOutput, out: Path | None) -> None:
    # A log (CI, a pipe) is not 80 columns wide: give the table room instead of folding it.
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)
    table = Table(
        title=f"{result.scenario} — spares per reserve covering {result.confidence:.0%} of "
        f"{result.replications:,} simulated days",
        caption="expected: Poisson mean of a day's replacements; needed: simulated quantile / "
        "Poisson quantile; one short: days the stock runs out, and the extra lost votes a "
        "day (every day counted)")
    for name in ("reserve", "pool", "stations", "units at risk", "expected", "needed sim",
                 "needed Poisson", "one short: days", "lost votes/day"):
        table.add_column(name, justify="left" if name in ("reserve", "pool") else "right")
    for r in result.reserves:
        m = r.missing_spare
        table.add_row(r.reserve, r.pool, f"{r.stations:,}", f"{r.units:,}",
                      f"{r.expected_replacements:,.2f}", str(r.needed_simulated),
                      str(r.needed_analytic), "-" if m is None else str(m.days_short),
                      "no spare needed" if m is None else f"{m.extra_lost_votes_per_day:,.2f}")
    console.print(table)
    for r in result.reserves:
        rep = r.represented
        if rep is not None:
            console.print(
                f"{r.reserve}/{r.pool} stands for {rep.stations:,} real stations: "
                f"{rep.expected_replacements:,.1f} replacements expected a day (simulated "
                f"{rep.simulated_mean:,.1f} ± {rep.simulated_mean_se:,.1f}), spares needed "
                f"{rep.needed_analytic:,} (Poisson)", markup=False, highlight=False)
    console.print(f"once a reserve is empty: {result.missing_delivery}", markup=False,
                  highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    where = f"; outputs written to {out} ({SparesOutput.FILE}, {CSV})" if out else ""
    print(f"{result.wall_s} s{where}")
