"""``pollday allocate``: spread a fixed budget of a pool's units over the stations.

Parses the arguments into :class:`AllocateOptions`, calls
:func:`pollday.allocate.api.allocate_to_folder`, prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pollday.allocate.api import AllocateOptions, allocate_to_folder, markdown
from pollday.console import print_closing
from pollday.exits import EXIT_OK
from pollday.options.cluster import add_cluster_argument
from pollday.options.counts import fresh_days, processes, replications
from pollday.options.output import add_output_flags
from pollday.simulate.outputs import default_out
from pollday.verdicts.step_summary import append_step_summary

__all__ = ["add_allocate_arguments", "run_allocate"]


def _not_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return value


def add_allocate_arguments(p: argparse.ArgumentParser, positive_int: Callable[[str], int],
                           seed: Callable[[str], int]) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--budget", action="append", required=True, metavar="POOL=N",
                   help="units of a pool to spread over the stations, e.g. terminal=12882 "
                   "(repeatable: pools are allocated in the flow's order)")
    p.add_argument("--floor", action="append", default=[], metavar="POOL=N",
                   help="the fewest units of the pool at any station (default 1)")
    p.add_argument("--out", type=Path,
                   help="folder for allocation.json/.csv, moves.csv, allocation.md (default: "
                   "runs/<scenario name>-allocation)")
    p.add_argument("--replications", type=replications, default=20,
                   help="simulated days per curve point, the same days for every count "
                   "(default 20)")
    p.add_argument("--band", type=_not_negative, default=50,
                   help="stations of a group within this many voters share one curve, "
                   "simulated over the band's stations (default 50; 0: every station its own)")
    p.add_argument("--fresh-days", type=fresh_days, default=1,
                   help="days per station on which every station is judged again on its own, "
                   "under the three allocations, with another seed (default 1; 0: skip)")
    p.add_argument("--seed", type=seed, help="root seed of the days (default: the scenario's)")
    p.add_argument("--workers", type=processes(),
                   help="worker processes, 1 to 4 per usable CPU (default: all cores)")
    add_cluster_argument(p)
    add_output_flags(p, "allocation.json")


def _print_table(summary: dict[str, Any], out: Path) -> None:
    console = Console(file=sys.stdout)
    for pool in summary["pools"]:
        table = Table(title=f"{summary['scenario']} — {pool['budget']:,} {pool['pool']} units "
                      f"(today {pool['today_total']:,})")
        table.add_column("allocation")
        for name in ("voters over or lost / day", "worst p95 min", "equity MAD min",
                     "stations meeting"):
            table.add_column(name, justify="right")
        sets = [("", pool)] + ([(" (fresh)", pool["fresh"])] if pool.get("fresh") else [])
        for suffix, days in sets:
            for a in ("today", "proportional", "recommended"):
                f = days[a]
                table.add_row(f"{a}{suffix}", f"{f['voters_over_per_day']:,.1f}",
                              f"{f['worst_p95_min']:.1f}", f"{f['equity_mad_wait_min']:.3f}",
                              f"{f['stations_meeting_standard']:,}")
        console.print(table)
        shared = (f"{pool['curves']:,} curves, stations of a band sharing one"
                  if pool["shared_curves"] else f"{pool['curves']:,} curves, one per station")
        console.print(f"{shared}; moves by scope: {pool['moves_by_scope'] or 'none'}",
                      markup=False, highlight=False)
    print(f"{summary['station_days_simulated']:,} station-days simulated in "
          f"{summary.get('wall_s')} s; outputs written to {out}")


def run_allocate(args: argparse.Namespace) -> int:
    args.out = args.out or default_out(args.scenario, "-allocation")
    summary = allocate_to_folder(AllocateOptions(
        scenario=args.scenario, out=args.out, budgets=tuple(args.budget),
        floors=tuple(args.floor), replications=args.replications, band_voters=args.band,
        seed=args.seed, fresh_days=args.fresh_days, workers=args.workers,
        cluster=args.cluster, quiet=args.quiet or args.json,
    )).as_json()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    elif not args.quiet:
        _print_table(summary, args.out)
    append_step_summary(markdown(summary, args.out), command="allocate")
    print_closing([f"pollday allocate: {pool['verdict']}" for pool in summary["pools"]],
                  json_output=args.json)
    return EXIT_OK
