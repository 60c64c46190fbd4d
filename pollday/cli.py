"""The ``pollday`` command: parses arguments, calls the library, prints. Nothing more.

Exit codes: 0 success (all thresholds met), 1 a threshold failed, 2 bad input (scenario,
arguments), 3 the target or the harness failed.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pollday.allocate.command import add_allocate_arguments, run_allocate
from pollday.capacity.command import add_capacity_arguments, run_capacity_command
from pollday.console import (
    emit_summary,
    fail,
    print_closing,
    print_json,
    print_simulation_table,
)
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_INTERRUPTED, EXIT_OK
from pollday.harness.serve_command import add_serve_arguments, exec_service
from pollday.options.cluster import add_cluster_argument
from pollday.options.counts import MAX_REPLICATIONS, add_simulation_workers, replications
from pollday.options.output import add_output_flags
from pollday.report import ReportError, write_report
from pollday.run.command import add_run_arguments, run_command
from pollday.run.register_command import add_register_arguments, run_register
from pollday.scenario.init_command import (
    add_init_arguments,
    add_schema_arguments,
    run_init,
    run_schema,
)
from pollday.scenario.validate import ValidateOptions, validate_scenario_file
from pollday.simulate.api import SimulateOptions, simulate_to_folder
from pollday.simulate.outputs import OutFolderError, default_out
from pollday.size.command import add_size_arguments, run_size
from pollday.spares.command import add_spares_arguments, run_spares
from pollday.station.command import add_station_arguments, run_station_command
from pollday.verdicts.line import standard_verdict
from pollday.verdicts.step_summary import append_step_summary, simulate_markdown
from pollday.version import __version__
from pollday.worker import add_worker_arguments, run_worker
from simulation import ScenarioError
from simulation.errors import PolldayError
from simulation.national.runner import CHUNK_STATIONS
from simulation.scenario.loading import Problem


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _seed(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed {value} must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="pollday", description="Election-day simulation and load-testing harness."
    )
    parser.add_argument("--version", action="version", version=f"pollday {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)

    p = sub.add_parser("init", help="write a commented scenario to edit (and its schema)")
    add_init_arguments(p)

    p = sub.add_parser("schema", help="print the scenario's JSON Schema (for TOML editors)")
    add_schema_arguments(p)

    p = sub.add_parser("validate", help="check a scenario file and explain every problem")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--strict", action="store_true", help="warnings are problems too (exit 2)")
    add_output_flags(p, '{"file", "valid", "problems", "warnings"} as JSON')

    p = sub.add_parser("simulate", help="simulate every station's election day")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--out", type=Path,
                   help="run folder to write (default: runs/<scenario name>, as pollday run)")
    p.add_argument("--seed", type=_seed, help="root seed (default: the scenario's)")
    add_simulation_workers(p, "--workers")
    p.add_argument("--replications", type=replications,
                   help=f"1 to {MAX_REPLICATIONS:,} (default: the scenario's)")
    p.add_argument("--voters", action="store_true", help="also write voters.npy (per voter)")
    p.add_argument("--no-schedule", dest="schedule", action="store_false",
                   help="do not write schedule.npy (a planning run that will not be replayed; "
                        "default: written)")
    p.add_argument("--no-queue-curves", dest="queue_curves", action="store_false",
                   help="do not write queue_length.npz (the report then has no queue plots; "
                        "default: written)")
    p.add_argument("--chunk-stations", type=_positive_int, default=CHUNK_STATIONS,
                   help=f"stations per chunk of work (default {CHUNK_STATIONS}); the figures "
                        "do not depend on it")
    add_cluster_argument(p)
    add_output_flags(p, "summary.json")

    p = sub.add_parser("size", help="fewest terminals, desks and booths meeting a wait target")
    add_size_arguments(p, _positive_int, _seed)

    p = sub.add_parser("spares", help="spare units per reserve so replacements do not run out")
    add_spares_arguments(p, _positive_int, _seed)

    p = sub.add_parser("allocate", help="spread a fixed budget of a pool's units over the "
                       "stations")
    add_allocate_arguments(p, _positive_int, _seed)

    p = sub.add_parser("station", help="one station's day in a second: waits, line, lost votes")
    add_station_arguments(p, _positive_int, _seed)

    p = sub.add_parser("run", help="the whole loop: simulate, load-test, audit, close the loop")
    add_run_arguments(p, _positive_int)
    add_output_flags(p, "summary.json")

    p = sub.add_parser("capacity", help="the breaking point, as a multiple of election day's peak")
    add_capacity_arguments(p, _positive_int)
    add_output_flags(p, "capacity.json")

    p = sub.add_parser("report", help="render report.html again from a run folder")
    p.add_argument("run_dir", type=Path, help="run folder written by simulate/run/capacity")
    add_output_flags(p, '{"report": path written} as JSON')

    p = sub.add_parser("serve", help="run the reference check-in and results service",
                       add_help=False)
    add_serve_arguments(p)

    p = sub.add_parser("register", help="write a scenario's synthetic voter register (NDJSON)")
    add_register_arguments(p)

    p = sub.add_parser("worker", help="a load-generator machine: Locust workers for a master "
                       "elsewhere (run/capacity --expect-workers)")
    add_worker_arguments(p)
    return parser


def _validation(file: Path, problems: list[Problem]) -> dict[str, Any]:
    return {
        "file": str(file),
        "valid": not problems,
        "problems": [asdict(p) for p in problems],
        "warnings": [],
    }


def _validate(args: argparse.Namespace) -> int:
    try:
        validation = validate_scenario_file(ValidateOptions(args.scenario, strict=args.strict))
    except ScenarioError as error:
        if not args.json:
            raise  # main() prints every problem on stderr, exit 2
        print_json(_validation(args.scenario, error.problems))
        return EXIT_BAD_INPUT
    warnings, failed = validation.warnings, validation.failed
    if args.json:
        print_json({**_validation(args.scenario, []), "valid": not failed, "warnings": warnings})
    else:
        for warning in warnings:
            print(f"{args.scenario}: warning: {warning}", file=sys.stderr)
        if not args.quiet and not failed:
            print(
                f"{args.scenario}: valid — {validation.scenario.election.name}, "
                f"{validation.stations:,} stations in "
                f"{len(validation.scenario.station_groups)} group(s)"
            )
    if failed:
        print(f"{args.scenario}: --strict: {len(warnings)} warning(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    args.out = args.out or default_out(args.scenario)
    done = simulate_to_folder(SimulateOptions(
        scenario=args.scenario, out=args.out, seed=args.seed, replications=args.replications,
        voters=args.voters, workers=args.workers, quiet=args.quiet, schedule=args.schedule,
        queue_curves=args.queue_curves, cluster=args.cluster,
        chunk_stations=args.chunk_stations))
    if done.removed:
        sys.stderr.write(f"pollday simulate: removed an earlier run's {', '.join(done.removed)} "
                         f"from {args.out}\n")
    summary = done.summary
    emit_summary(summary, args, lambda: print_simulation_table(summary, str(args.out)))
    append_step_summary(simulate_markdown(summary, args.out), command="simulate")
    if args.quiet or args.json:  # the table's caption says it otherwise
        print_closing([f"pollday simulate: {standard_verdict(summary)}"], json_output=args.json)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    try:
        path = write_report(args.run_dir)
    except ReportError as error:
        return fail(f"pollday report: {error}", EXIT_BAD_INPUT)
    if args.json:
        print_json({"report": str(path)})
    elif not args.quiet:
        print(f"report written to {path}")
    return EXIT_OK


_COMMANDS = {
    "report": _report,
    "run": run_command,
    "capacity": run_capacity_command,
    "validate": _validate,
    "simulate": _simulate,
    "size": run_size,  # SizeInputError: "pollday size: ...", exit 2 (main)
    "allocate": run_allocate,  # AllocationInputError: exit 2 (main)
    "spares": run_spares,
    "station": run_station_command,
    "init": run_init,
    "schema": run_schema,
    "register": run_register,
    "worker": run_worker,
}


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["serve"]:  # the service's own program parses its options
        exec_service(words[1:])
    args = build_parser().parse_args(words)
    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as error:
        return fail(error.render(), EXIT_BAD_INPUT)
    except OutFolderError as error:
        return fail(f"pollday {args.command}: {error}", EXIT_BAD_INPUT)
    except ReportError as error:  # the run folder we just wrote: a harness bug, not input
        return fail(f"pollday: could not write the report: {error}", EXIT_HARNESS)
    except PolldayError as error:  # every other error of ours carries its exit code
        return fail(f"pollday {args.command}: {error}", error.exit_code)
    except OSError as error:
        return fail(f"pollday: {error}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return fail("pollday: interrupted", EXIT_INTERRUPTED)
    except Exception:  # a bug of ours: never exit 1, which means "a threshold failed"
        traceback.print_exc()
        return fail("pollday: internal error (the traceback above); please report it", EXIT_HARNESS)


if __name__ == "__main__":
    raise SystemExit(main())
