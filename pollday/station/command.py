"""``pollday station``: the one-station calculator on the command line (or ``--web``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pollday.console import fail, print_json
from pollday.exits import EXIT_BAD_INPUT, EXIT_OK
from pollday.options.counts import replications
from pollday.options.output import add_output_flags
from pollday.station.answer import Fault, FewestUnits, Protocol, StationAnswer
from pollday.station.api import StationOptions, serve_station_page, station_answer
from pollday.station.calc import DEFAULT_DAYS
from pollday.station.catalog import INPUTS
from pollday.station.defaults import StationInputError
from pollday.station.pools import MAX_POOL_UNITS, pool_inputs


def add_station_arguments(
    p: argparse.ArgumentParser, positive_int: Callable[[str], int], seed: Callable[[str], int]
) -> None:
    p.add_argument("--scenario", type=Path, help="start from a station group of this scenario")
    p.add_argument("--group", help="the group to start from (needed when it has several)")
    for spec in INPUTS:
        # default None: only the flags given override the scenario group's values.
        start = "the group's" if spec.name not in ("profile", "hourly_shares") else "kept"
        p.add_argument(
            f"--{spec.name.replace('_', '-')}",
            dest=f"in_{spec.name}",
            metavar="|".join(spec.choices) if spec.choices else spec.kind.upper(),
            help=f"{spec.help} (default {spec.default or 'none'}; with --scenario: {start})",
        )
    p.add_argument(
        "--pool", action="append", default=[], metavar="NAME=N",
        help=f"units of one pool of the station's flow, 1-{MAX_POOL_UNITS} (repeatable; a "
        "[[flow]] scenario's pools, e.g. --pool urna=2; the default flow's are terminal, "
        "desk, booth)",
    )
    p.add_argument(
        "--replications",
        type=replications,
        default=DEFAULT_DAYS,
        help=f"simulated days; waits pool all of them (default {DEFAULT_DAYS})",
    )
    p.add_argument("--seed", type=seed, help="root seed (default: 1, or the scenario's)")
    add_output_flags(p, "the answer as JSON")
    p.add_argument("--web", action="store_true", help="serve the calculator as a local web page")
    p.add_argument(
        "--port", type=port_number, default=8750,
        help="port of --web, 0-65535 (default 8750; 0: any free port); a port in use or "
        "not allowed exits 2",
    )


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535; else exit 2 at parse time."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535; 0: any free port)")
    return port


def given_inputs(args: argparse.Namespace) -> dict[str, str]:
    """The flags given, as the calculator's inputs (``--pool urna=2``: ``pool.urna``)."""
    given = {s.name: getattr(args, f"in_{s.name}") for s in INPUTS
             if getattr(args, f"in_{s.name}") is not None}
    return {**given, **pool_inputs(getattr(args, "pool", None) or [])}


def units_text(pools: dict[str, int]) -> str:
    """``{"mesa": 1, "urna": 2}`` as ``mesa 1, urna 2``."""
    return ", ".join(f"{pool} {units}" for pool, units in pools.items())


def fewest_text(fewest: FewestUnits) -> str:
    """The fewest units of each pool, or which pools no count tried could bring to it."""
    if fewest.reachable:
        return units_text(fewest.pools)
    return (f"not reached ({', '.join(fewest.unreachable)} fall short) with "
            f"{units_text(fewest.pools)}")


def protocol_text(protocol: Protocol | None) -> str:
    if protocol is None:
        return "-"
    if protocol.counted_elsewhere:
        return "counted elsewhere"
    late = f", not on election night on {protocol.not_uploaded_share:.0%} of days" \
        if protocol.not_uploaded_share else ""
    return f"{protocol.uploaded or 'never'}; {protocol.attempts_per_day:g}{late}"


def fault_text(fault: Fault) -> str:
    """One pool's failures in a line: how often, and how long a unit is out."""
    repaired = fault.repair_probability
    out = f"one every {fault.mtbf_h:g} h a unit; "
    if repaired >= 1:
        return out + f"repaired in {fault.repair_time_min_mean:g} min"
    return (out + f"{repaired:.0%} repaired ({fault.repair_time_min_mean:g} min), the rest "
            f"replaced ({fault.replacement_time_min_mean:g} min)")


def print_station_table(result: StationAnswer) -> None:
    i, w, line = result.inputs, result.wait_min, result.longest_line
    lost, std = result.lost_votes_per_day, result.standard
    busy = result.identification_utilisation
    title = (f"one station: {i.registered:,} registered, turnout {i.turnout:.0%}, "
             f"units: {units_text(i.pools)}")
    table = Table(title=title, show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    rows = [
        ("voters per day (arrived / voted)",
         f"{result.arrived_per_day:,.0f} / {result.voted_per_day:,.0f}"),
        (f"{result.wait_measures}, min (median / p95 / max)",
         f"{w.p50:.1f} / {w.p95:.1f} / {w.max:.1f}"),
        (f"voters whose {result.wait_measures} is over 30 min", f"{w.share_over_30:.2%}"),
        ("longest line (average day / worst day)",
         f"{line.people:.0f} at {line.at} / {line.worst_day_people}"),
        ("lost votes per day (left line / not served at closing)",
         f"{lost.left_line:g} / {lost.not_served_at_close:g}"),
        ("refused at identification per day (not lost votes)",
         f"{lost.refused_not_identified:g}"),
        (f"{busy.pool} utilisation (identification)", f"{busy.share:.0%}"),
        ("last voter left (median day)", result.last_voter_left),
        ("protocol uploaded (median day; attempts a day)", protocol_text(result.protocol)),
        ("the standard", "holds" if std.holds else "DOES NOT HOLD"),
        ("fewest units meeting it", fewest_text(result.fewest_units)),
        ("simulated days / seed", f"{result.days_simulated} / {result.seed}"),
    ]
    rows += [(f"{f.pool} failures", fault_text(f)) for f in i.faults]
    if result.late_opening is not None:
        late = result.late_opening
        rows.append(("opened late (share of days / mean delay / at the door, lost a day)",
                     f"{late.days_late_share:.0%} / {late.delay_mean_min:.0f} min / "
                     f"{late.arrived_before_opening_per_day:g}, "
                     f"{late.left_before_opening_per_day:g}"))
    for k, v in rows:
        table.add_row(k, v)
    Console(file=sys.stdout).print(table)
    print(std.verdict)
    for failed in std.failed:
        print(f"  - {failed.part}: {failed.text}")
    print(f"the standard: {std.rule}")


def options_from_args(args: argparse.Namespace) -> StationOptions:
    return StationOptions(scenario=args.scenario, group=args.group, inputs=given_inputs(args),
                          replications=args.replications, seed=args.seed)


def run_station_command(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
        if args.web:
            try:
                return serve_station_page(options, args.port)
            except OSError as error:  # the port is in use or not ours to open
                return fail(
                    f"pollday station --web: cannot listen on 127.0.0.1:{args.port}: "
                    f"{error.strerror or error}; try another --port, or --port 0 for any "
                    "free port", EXIT_BAD_INPUT)
        result = station_answer(options)
    except StationInputError as error:
        return fail(f"pollday station: {error}", EXIT_BAD_INPUT)
    if args.json:
        print_json(result.to_json())
    elif args.quiet:  # the verdict line alone
        print(result.standard.verdict)
    else:
        print_station_table(result)
    return EXIT_OK
