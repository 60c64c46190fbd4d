"""``pollday register``: parses its arguments into RegisterOptions and writes the register.

The work is :func:`loadtests.register.files.write_register_file`; this module only parses,
passes pollday's progress bar in (loadtests must not import pollday) and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from loadtests.register import DEFAULT_WEBCAM_SHARE
from loadtests.register.files import (
    ProgressBar,
    RegisterOptions,
    RegisterSummary,
    write_register_file,
)
from pollday.console import progress_bar
from pollday.exits import EXIT_OK
from pollday.options.counts import processes
from pollday.options.output import add_output_flags
from pollday.simulate.outputs import default_out
from simulation.errors import InputError


def add_register_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument("--out", type=Path,
                        help="NDJSON file to write (.gz: gzip-compressed; default: "
                        "runs/<scenario name>-register.ndjson.gz)")
    parser.add_argument("--webcam-share", type=float, default=DEFAULT_WEBCAM_SHARE,
                        help="share of stations with a webcam stream (default %(default)s)")
    parser.add_argument("--workers", type=processes(), default=2,
                        help="processes rendering voter lines, 1 to 4 per usable CPU "
                        "(default %(default)s)")
    add_output_flags(parser, "the counts and the output path as JSON")


def _print_summary(args: argparse.Namespace, summary: RegisterSummary) -> None:
    if args.json:
        print(json.dumps({"out": str(args.out), "stations": summary.stations,
                          "voters": summary.voters, "bytes_written": summary.bytes_written,
                          "seconds": round(summary.seconds, 2)}, indent=2))
    elif not args.quiet:
        print(f"wrote {summary.voters:,} voters at {summary.stations:,} stations to {args.out} "
              f"({summary.bytes_written / 1e6:,.1f} MB) in {summary.seconds:.1f} s")


def _bar(quiet: bool) -> ProgressBar:
    return lambda total_voters: progress_bar("writing register", total_voters, quiet=quiet,
                                             unit="voters")


def run_register(args: argparse.Namespace, bar: ProgressBar | None = None) -> int:
    """``pollday register``: 0 written, 2 bad input or an unwritable output."""
    args.out = args.out or default_out(args.scenario, "-register.ndjson.gz")
    try:
        options = RegisterOptions(args.scenario, args.out, args.webcam_share, args.workers)
        summary = write_register_file(options, bar or _bar(args.quiet))
    except InputError as exc:  # ScenarioError is one too
        print(f"pollday register: error: {exc}", file=sys.stderr)
        return exc.exit_code
    _print_summary(args, summary)
    return EXIT_OK
