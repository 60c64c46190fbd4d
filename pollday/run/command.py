"""``pollday run``: arguments and the call into :mod:`pollday.run.pipeline`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pollday.console import emit_summary, fail, print_closing, print_run_table
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_INTERRUPTED
from pollday.harness.credentials import add_credential_arguments
from pollday.harness.failure import RunFailure
from pollday.harness.failure_outputs import write_failure_outputs
from pollday.harness.generators import add_generator_arguments, generator_fields
from pollday.options.aliases import add_renamed_flag
from pollday.options.cluster import add_cluster_argument
from pollday.options.counts import add_simulation_workers, processes
from pollday.progress import format_duration
from pollday.run.pipeline import RunConfig
from pollday.run.pipeline import run as run_pipeline
from pollday.simulate.outputs import check_out_folder, default_out
from pollday.verdicts.line import run_closing_lines
from pollday.verdicts.step_summary import append_step_summary, failure_markdown, run_markdown
from pollday.verdicts.threshold_option import add_threshold_argument
from simulation import ScenarioError
from simulation.scenario.replay_scale import replay_scale_problems


def add_run_arguments(p: argparse.ArgumentParser, positive_int: Callable[[str], int]) -> None:
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--host", help="target base URL (default: start the reference service)")
    p.add_argument("--out", type=Path, help="run folder (default: runs/<scenario name>)")
    add_renamed_flag(
        p, command="run", new="--load-workers", old="--workers", meaning="Locust workers",
        type=processes(low=0), default=0,
        help="Locust worker processes under a master, 0 to 4 per usable CPU (default 0: one "
        "process); the simulation's processes are --sim-workers",
    )
    p.add_argument(
        "--allow-remote", action="store_true", help="allow a --host that is not loopback"
    )
    add_generator_arguments(p)
    add_credential_arguments(p, secret_note="; the embedded service gets a fresh one",
                             admin_use=", for the audit")
    p.add_argument("--compress", type=float, help="time compression (default: the scenario's)")
    p.add_argument("--station-share", type=float, help="share of stations replayed")
    add_simulation_workers(p, "--sim-workers")
    add_cluster_argument(p)
    p.add_argument(
        "--service-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra option for the embedded service, e.g. "
        "--service-arg=--inject-latency-ms=50 (rehearsals)",
    )
    add_threshold_argument(p)


def _interrupt_on_sigterm(signum: int, frame: object) -> None:
    # A terminated run unwinds like Ctrl-C, so the embedded service and Locust are stopped.
    raise KeyboardInterrupt


def record_failure(config: RunConfig, code: int, message: str, stage: str,
                   started: float) -> None:
    """summary.json and junit.xml for a run that ended without verdicts — unless this run
    already wrote its verdicts (a failure after them, e.g. in the report, keeps them); and
    the GitHub step summary says why."""
    append_step_summary(failure_markdown("run", config.scenario_path.stem, code, message,
                                         stage), command="run")
    path = config.out / "summary.json"
    base: dict[str, Any] = {}
    if path.is_file() and path.stat().st_mtime >= started:
        try:  # the simulation's figures, written before the load test: keep them
            base = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            base = {}
        if "verdict" in base:
            return
    write_failure_outputs(config.out, command="run", suite=config.scenario_path.stem,
                          code=code, message=message, stage=stage,
                          elapsed_s=time.time() - started, base=base)


def run_command(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    if args.load_workers < 0:
        return fail(f"pollday run: --load-workers {args.load_workers} must not be negative",
                    EXIT_BAD_INPUT)
    problems = replay_scale_problems(args.compress, args.station_share)
    if problems:
        return fail(f"pollday run: {problems[0]}", EXIT_BAD_INPUT)
    args.out = args.out or default_out(args.scenario)
    check_out_folder(args.out)
    config = RunConfig(
        scenario_path=args.scenario,
        out=args.out,
        host=args.host,
        allow_remote=args.allow_remote,
        load_workers=args.load_workers,
        **generator_fields(args),
        sim_workers=args.sim_workers,
        cluster=args.cluster,
        secret=args.secret,
        admin_token=args.admin_token,
        audit=args.audit,
        adapter=args.adapter,
        compress=args.compress,
        station_share=args.station_share,
        quiet=args.quiet,
        service_args=args.service_arg,
        thresholds=tuple(args.threshold),
    )
    started = time.time()
    try:
        code, summary = run_pipeline(config)
    except RunFailure as failure:
        record_failure(config, failure.code, str(failure), failure.stage, started)
        return fail(f"pollday run: {failure}", failure.code)
    except ScenarioError as error:
        record_failure(config, EXIT_BAD_INPUT, error.render(), "preflight", started)
        raise
    except KeyboardInterrupt:
        record_failure(config, EXIT_INTERRUPTED, "the run was interrupted (Ctrl-C or SIGTERM) "
                       f"{format_duration(time.time() - started)} after it started",
                       "interrupted", started)
        raise
    except Exception as error:  # a harness bug or an unwritable folder: still tell CI
        record_failure(config, EXIT_HARNESS, f"{type(error).__name__}: {error}", "internal",
                       started)
        raise
    emit_summary(summary, args, lambda: print_run_table(summary, str(config.out)))
    append_step_summary(run_markdown(summary, config.out), command="run")
    for note in summary.get("notes", []):
        sys.stderr.write(f"pollday run: note: {note}\n")
    if summary.get("failure"):  # the harness failed: figures written, but say what happened
        fail(f"pollday run: {summary['failure']}", code)
    # Last, even with --quiet: the verdict and every failing threshold (k6's closing summary).
    print_closing(run_closing_lines(summary), json_output=args.json)
    return code
