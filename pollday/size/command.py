"""``pollday size``: the fewest terminals, desks and booths that meet the wait standard.

Parses the arguments into :class:`SizeOptions`, calls :func:`pollday.size.api.size`, prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pollday.console import print_closing
from pollday.exits import EXIT_OK
from pollday.options.cluster import add_cluster_argument
from pollday.options.counts import processes, replications
from pollday.options.output import add_output_flags
from pollday.simulate.outputs import default_out
from pollday.size.api import DEFAULT_TARGETS, SizeOptions, size
from pollday.size.outcome import outcome_lines
from pollday.verdicts.step_summary import append_step_summary, size_markdown


def add_size_arguments(p: argparse.ArgumentParser, positive_int: Any, seed: Any) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--out", type=Path,
                   help="folder for sizing.csv/.json (default: runs/<scenario name>-sizing)")
    p.add_argument(
        "--target",
        action="append",
        default=None,
        metavar="RULE",
        help="e.g. 'p95_wait_min <= 30' (default), 'lost_share <= 0.001', "
        "'last_voter_left_after_close_min <= 30'; repeat for several",
    )
    p.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        help="share of replications in which the targets must hold (default 0.95)",
    )
    p.add_argument(
        "--resources",
        default="",
        help="comma-separated pools to size, by name (a [[flow]]'s pools; the default flow's "
        "terminal, desk, booth, also spelled terminals, desks, booths); default: every pool",
    )
    p.add_argument(
        "--replications",
        type=replications,
        default=20,
        help="simulated days per candidate hardware (default 20; the same days for every "
        "candidate)",
    )
    p.add_argument(
        "--band",
        type=positive_int,
        default=50,
        help="stations of a group within this many voters share one answer, found on the "
        "band's largest station (default 50)",
    )
    p.add_argument("--seed", type=seed, help="root seed of the days (default: the scenario's)")
    p.add_argument(
        "--workers", type=processes(),
        help="worker processes, 1 to 4 per usable CPU (default: all cores)"
    )
    add_cluster_argument(p)
    p.add_argument(
        "--no-sensitivity", action="store_true", help="skip the five what-if re-sizings"
    )
    add_output_flags(p, "sizing.json")


def options_from_args(args: argparse.Namespace) -> SizeOptions:
    return SizeOptions(
        scenario=args.scenario, out=args.out,
        targets=tuple(args.target) if args.target else DEFAULT_TARGETS,
        confidence=args.confidence, resources=args.resources, replications=args.replications,
        band_voters=args.band, seed=args.seed, workers=args.workers, cluster=args.cluster,
        sensitivity=not args.no_sensitivity, quiet=args.quiet,
    )


def run_size(args: argparse.Namespace) -> int:
    args.out = args.out or default_out(args.scenario, "-sizing")
    summary = size(options_from_args(args)).as_json()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    elif not args.quiet:
        _print_table(summary, args.out)
    if not args.json:  # --quiet too: what the change does to voters is part of the answer
        print("\n".join(outcome_lines(summary)))
    append_step_summary(size_markdown(summary, args.out), command="size")
    if args.quiet or args.json:  # the table says it otherwise
        print_closing([f"pollday size: {answer_line(summary)}"], json_output=args.json)
    return EXIT_OK


def answer_line(summary: dict[str, Any]) -> str:
    """``terminals 12,882 → 8,458, desks ... to meet the standard (...)``: the hardware
    answer and what it was sized for."""
    totals = summary.get("totals", {})
    changes = ", ".join(f"{r} {totals[r]['current']:,} → {totals[r]['recommended']:,}"
                        for r in summary.get("resources", []) if r in totals)
    goals = [f"the standard ({summary['standard']})"] if summary.get("standard") else []
    goals += list(summary.get("targets", []))
    line = f"{changes} to meet {' and '.join(goals) or 'the targets'}"
    confirmation = summary.get("confirmation") or {}
    if confirmation:
        missing = (confirmation["stations"]
                   - confirmation["recommended"]["stations_meeting_standard"])
        if missing > 0:
            line += (f"; {missing:,} of {confirmation['stations']:,} stations still miss it on "
                     "fresh days (sizing.csv: fresh_met_share)")
    return line


def _print_table(summary: dict[str, Any], out: Path) -> None:
    table = Table(
        title=f"{summary['scenario']} — hardware for "
        f"{', '.join(['the standard', *summary['targets']])} in {summary['confidence']:.0%} "
        "of days"
    )
    table.add_column("case")
    for r in summary["resources"]:
        table.add_column(f"{r} (now → needed)", justify="right")
    table.add_column("p95 wait change at the base answer, min (95 % CI)", justify="right")
    cases = [("as scenario", summary["totals"], None)] + [
        (s["case"], s["totals"], s) for s in summary.get("sensitivity", [])
    ]
    for name, totals, case in cases:
        change = "" if case is None else (
            f"{case['p95_wait_change_min']:+.2f} ({case['p95_wait_change_ci_min'][0]:+.2f} "
            f"to {case['p95_wait_change_ci_min'][1]:+.2f})"
        )
        table.add_row(
            name,
            *(
                f"{totals[r]['current']:,} → {totals[r]['recommended']:,}"
                for r in summary["resources"]
            ),
            change,
        )
    console = Console(file=sys.stdout)
    console.print(table)
    why = ", ".join(f"{n:,} {reason}" for reason, n in summary["reasons"].items())
    if why:
        console.print(f"why the {summary['resources'][0]}, by station: {why} (see docs/sizing.md)",
                      markup=False, highlight=False)
    print(
        f"{summary['station_days_simulated']:,} station-days simulated in "
        f"{summary['wall_s']} s; outputs written to {out}"
    )
