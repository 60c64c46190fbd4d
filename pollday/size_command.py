"""``pollday size``: the fewest terminals, desks and booths that meet the wait standard."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pollday.console import progress_bar
from pollday.outputs import check_out_folder, write_stations_csv
from pollday.report import write_report
from pollday.scenario_file import load_scenario
from simulation import build_stations
from simulation.scenario import Scenario
from simulation.sensitivity import VARIANTS, paired_change, with_floors
from simulation.sizing import SizingRequest, size_stations
from simulation.sizing_model import SizingOutput
from simulation.sizing_summary import national_totals, sizing_summary, station_rows
from simulation.standard import WAIT_STANDARD_MIN
from simulation.targets import RESOURCES, TargetError, parse_target


def add_size_arguments(p: argparse.ArgumentParser, positive_int: Any, seed: Any) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--out", type=Path, required=True, help="folder for sizing.csv/.json")
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
        default="terminals,desks,booths",
        help="comma-separated subset of terminals,desks,booths (default all three)",
    )
    p.add_argument(
        "--replications",
        type=positive_int,
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
        "--workers", type=positive_int, help="worker processes (default: all cores)"
    )
    p.add_argument(
        "--no-sensitivity", action="store_true", help="skip the five what-if re-sizings"
    )
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no table (--json still prints)")
    p.add_argument("--json", action="store_true", help="print sizing.json to stdout")


class SizeInputError(ValueError):
    pass


def request_from_args(args: argparse.Namespace) -> SizingRequest:
    try:
        texts = args.target or [f"p95_wait_min <= {WAIT_STANDARD_MIN:g}"]
        targets = tuple(parse_target(t) for t in texts)
    except TargetError as error:
        raise SizeInputError(str(error)) from None
    if not 0 < args.confidence < 1:
        raise SizeInputError(f"--confidence {args.confidence} must be between 0 and 1")
    resources = tuple(r.strip() for r in args.resources.split(",") if r.strip())
    unknown = [r for r in resources if r not in RESOURCES]
    if unknown or not resources:
        raise SizeInputError(f"--resources {args.resources!r}: use a subset of {RESOURCES}")
    return SizingRequest(
        targets=targets,
        confidence=args.confidence,
        replications=args.replications,
        resources=tuple(r for r in RESOURCES if r in resources),
        band_voters=args.band,
        seed=args.seed,
    )


def _size(
    scenario: Scenario, request: SizingRequest, label: str, args: argparse.Namespace
) -> list[Any]:
    total = sum(g.count for g in scenario.station_groups)
    with progress_bar(label, total, quiet=args.quiet) as advance:
        return size_stations(scenario, request, workers=args.workers, progress=advance)


def run_size(args: argparse.Namespace) -> int:
    check_out_folder(args.out)
    scenario = load_scenario(args.scenario)
    if scenario.flow:  # sizing searches terminals, desks and booths of the default flow
        raise SizeInputError(
            f"{args.scenario}: flow: pollday size sizes the default flow (terminals, desks, "
            "booths); this scenario describes its own stages and pools"
        )
    request = request_from_args(args)
    started = time.perf_counter()
    stations = build_stations(scenario)
    answers = _size(scenario, request, "sizing stations", args)
    rows = station_rows(scenario, stations, answers)
    seed = scenario.election.seed if request.seed is None else request.seed
    summary = sizing_summary(scenario, request, rows, answers, seed)
    if not args.no_sensitivity:
        sensitivity = []
        floored = with_floors(request, answers)
        for name, variant in VARIANTS.items():
            changed = variant(scenario)
            variant_answers = _size(changed, floored, name, args)
            summary["station_days_simulated"] += sum(a.station_days for a in variant_answers)
            totals = national_totals(station_rows(changed, stations, variant_answers), changed)
            sensitivity.append(
                {"case": name, "totals": totals, **paired_change(answers, variant_answers)}
            )
        summary["sensitivity"] = sensitivity
    summary["wall_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    write_stations_csv(args.out / "sizing.csv", rows)
    SizingOutput.of(summary).write(args.out / SizingOutput.FILE)
    write_report(args.out)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    elif not args.quiet:
        _print_table(summary, args.out)
    return 0


def _print_table(summary: dict[str, Any], out: Path) -> None:
    table = Table(
        title=f"{summary['scenario']} — hardware for {', '.join(summary['targets'])} "
        f"in {summary['confidence']:.0%} of days"
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
        console.print(f"why the terminals, by station: {why} (see docs/sizing.md)",
                      markup=False, highlight=False)
    print(
        f"{summary['station_days_simulated']:,} station-days simulated in "
        f"{summary['wall_s']} s; outputs written to {out}"
    )
