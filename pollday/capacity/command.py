"""``pollday capacity``: arguments, the call into :mod:`pollday.capacity.pipeline`, the
console."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pollday.capacity.config import CapacityConfig
from pollday.capacity.output import unmeasured_note
from pollday.capacity.pipeline import run_capacity
from pollday.capacity.search import SearchSettings
from pollday.console import emit_summary, fail
from pollday.exits import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from pollday.harness.credentials import add_credential_arguments
from pollday.harness.failure import RunFailure
from pollday.harness.failure_outputs import write_failure_outputs
from pollday.harness.generators import add_generator_arguments, generator_fields
from pollday.options.aliases import add_renamed_flag
from pollday.options.cluster import add_cluster_argument
from pollday.options.counts import add_simulation_workers, processes
from pollday.progress import format_duration
from pollday.simulate.outputs import default_out
from pollday.verdicts.threshold_option import add_threshold_argument
from simulation import ScenarioError


def add_capacity_arguments(p: argparse.ArgumentParser,
                           positive_int: Callable[[str], int]) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--host", help="target base URL (default: a fresh reference service per "
                   "level)")
    p.add_argument("--out", type=Path, help="folder (default: runs/<scenario name>-capacity)")
    add_renamed_flag(p, command="capacity", new="--load-workers", old="--workers",
                     meaning="Locust workers", type=processes(low=0), default=0,
                     help="Locust worker processes under a master, 0 to 4 per usable CPU "
                     "(default 0: one process); the simulation's processes are --sim-workers")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a --host that is not loopback")
    add_generator_arguments(p)
    add_credential_arguments(p)
    p.add_argument("--window", default="auto", metavar="auto|HH:MM-HH:MM",
                   help="the span of the day replayed (default auto: the busiest hour of "
                   "check-ins); home local time")
    p.add_argument("--start-multiple", type=float, default=1.0,
                   help="first level, as a multiple of real time (default 1)")
    p.add_argument("--ramp-factor", type=float, default=2.0,
                   help="each ramp level is this many times the last (default 2)")
    p.add_argument("--max-multiple", type=float, default=None,
                   help="highest multiple tried (default: 1024 times --start-multiple)")
    p.add_argument("--precision", type=float, default=0.05,
                   help="bisect until (failed - held) / held is at most this (default 0.05)")
    p.add_argument("--level-s", type=float, default=60.0,
                   help="about how long each level's replay lasts, seconds (default 60)")
    p.add_argument("--max-level-s", type=float, default=600.0,
                   help="longest replay a level may take to send the requests the rule asks "
                   "for (default 600); a level that needs more is 'not measured'")
    add_threshold_argument(p, judged_by="capacity")
    add_simulation_workers(p, "--sim-workers")
    add_cluster_argument(p)
    p.add_argument("--target-cpus", metavar="LIST",
                   help="CPUs of the embedded service, e.g. 0 or 0-1 (default: not pinned; "
                   "alone, the generator gets the other CPUs); see docs/capacity.md")
    p.add_argument("--generator-cpus", metavar="LIST",
                   help="CPUs of the Locust processes, e.g. 1 (default: not pinned; alone "
                   "and embedded, the service gets the other CPUs)")
    p.add_argument("--database-url", metavar="URL",
                   help="embedded service's database server: postgresql://USER@HOST:PORT/DB "
                   "gets a fresh database per level created there, dropped after it "
                   "(default: a SQLite file per level)")
    p.add_argument("--service-arg", action="append", default=[], metavar="ARG",
                   help="extra option for the embedded service, e.g. "
                   "--service-arg=--inject-latency-ms=50")


def _interrupt_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_table(doc: dict[str, Any], out: Path) -> None:
    from pollday.console import err_console

    err_console.print(f"[bold]{doc['headline']}[/bold]")
    err_console.print(f"capacity.json, junit.xml and report.html in {out}")


def verdict_lines(doc: dict[str, Any], code: int) -> list[str]:
    """What ``--quiet`` still prints: the one-line verdict, then every failed threshold
    (the ``capacity.*`` ones, which decide the exit code)."""
    lines = [f"pollday capacity: {doc['verdict']} (exit {code}): {doc['headline']}"]
    for v in doc.get("thresholds", []):
        if v["verdict"] == "failed":
            lines.append(f"  failed: {v['rule']} (measured {v['value']})")
    note = unmeasured_note(doc.get("unmeasured", []),
                           doc.get("settings", {}).get("audit", "full"))
    if note and note not in doc["headline"]:  # the headline says it when it can
        lines.append(f"  {note}")
    return lines


def run_capacity_command(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    if args.load_workers < 0:
        return fail(f"pollday capacity: --load-workers {args.load_workers} must not be negative",
                    EXIT_BAD_INPUT)
    config = CapacityConfig(
        scenario_path=args.scenario,
        out=args.out or default_out(args.scenario, "-capacity"),
        settings=SearchSettings(
            args.start_multiple, args.ramp_factor,
            args.max_multiple if args.max_multiple is not None else 1024 * args.start_multiple,
            args.precision),
        window=args.window, level_s=args.level_s, host=args.host,
        allow_remote=args.allow_remote, load_workers=args.load_workers,
        **generator_fields(args),
        sim_workers=args.sim_workers,
        cluster=args.cluster,
        secret=args.secret, admin_token=args.admin_token, audit=args.audit,
        adapter=args.adapter, quiet=args.quiet,
        service_args=args.service_arg, target_cpus=args.target_cpus,
        generator_cpus=args.generator_cpus, database_url=args.database_url,
        max_level_s=args.max_level_s, thresholds=list(args.threshold))
    started = time.time()

    def record(code: int, message: str, stage: str) -> None:
        # Failures after the arguments were accepted write capacity.json and junit.xml in
        # run_capacity; these (bad input, an interruption) get summary.json and junit.xml.
        write_failure_outputs(config.out, command="capacity", suite=config.scenario_path.stem,
                              code=code, message=message, stage=stage,
                              elapsed_s=time.time() - started)

    try:
        code, doc = run_capacity(config)
    except RunFailure as failure:
        record(failure.code, str(failure), failure.stage)
        return fail(f"pollday capacity: {failure}", failure.code)
    except ScenarioError as error:
        record(EXIT_BAD_INPUT, error.render(), "preflight")
        raise
    except KeyboardInterrupt:
        record(EXIT_INTERRUPTED, "the capacity search was interrupted (Ctrl-C or SIGTERM) "
               f"{format_duration(time.time() - started)} after it started", "interrupted")
        raise
    emit_summary(doc, args, lambda: _print_table(doc, config.out))
    if doc.get("failure"):
        return fail(f"pollday capacity: {doc['failure']}", code)
    if code or args.quiet:  # the verdict even with --quiet (as k6 ends with its summary)
        sys.stderr.write("".join(line + "\n" for line in verdict_lines(doc, code)))
    return code
