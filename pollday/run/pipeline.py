"""``pollday run``: simulate, start the target, replay the day with Locust, audit, close the
loop, judge the thresholds. One run folder holds everything.

Exit codes: 0 every threshold met, 1 a threshold failed, 2 bad input, 3 the target or the
harness failed (each raised here as :class:`RunFailure` with a message saying what happened).
One exception: when the load generator reports its own failures
(``pollday.verdicts.run_verdict``), the run still writes ``summary.json`` and ``junit.xml``
and returns exit code 3 with the message in ``summary["failure"]``.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loadtests.audit import AuditError, audit
from loadtests.audit.levels import audit_unmeasured
from loadtests.figures.measured import run_figures
from loadtests.plan import kept_stations
from loadtests.results import LoadTestOutput
from loadtests.thresholds import Threshold, judged_by_run
from pollday.console import phase, progress_bar
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS, EXIT_OK
from pollday.harness.failure import RunFailure
from pollday.harness.load_target import LoadTarget, check_adapter, check_target, preflight
from pollday.harness.locust_process import LocustRun, run_locust
from pollday.harness.target import ReferenceService, TargetUnavailable
from pollday.harness.target_watch import TargetWatch, outage_notes, record_outage, with_outage
from pollday.models.run import RunSummary
from pollday.report import write_report
from pollday.run.closed_loop import close_the_loop
from pollday.run.peaks import national_multiples
from pollday.run.register import write_run_register
from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import simulate_day_into_folder, summary_content
from pollday.verdicts.junit import write_junit
from pollday.verdicts.run_verdict import judge, replay_notes
from pollday.verdicts.threshold_option import describe, merge_thresholds
from simulation import Scenario
from simulation.outputs import schedule


@dataclass
class RunConfig(LoadTarget):
    """What ``pollday run`` is asked: the target and workers (:class:`LoadTarget`), then
    the replay's own options."""

    scenario_path: Path
    out: Path
    compress: float | None = None
    station_share: float | None = None
    quiet: bool = False
    service_args: list[str] = field(default_factory=list)
    # --threshold: replace the scenario's rules on their figures, or add to them
    thresholds: tuple[Threshold, ...] = ()


def replay_window(
    scenario: Scenario, rows: schedule.Schedule, open_offset_s: NDArray[np.float64]
) -> tuple[schedule.Schedule, int]:
    """Events up to the scenario's replay window after each station's own closing; and how
    many were cut (late protocol uploads)."""
    until_s = (
        open_offset_s[rows["station"]]
        + scenario.election.day_s
        + scenario.loadtest.replay_until_h_after_close * 3600
    )
    keep = rows["time_s"] <= until_s
    return rows[keep], int((~keep).sum())


def _station_days(scenario: Scenario) -> int:
    return sum(g.count for g in scenario.station_groups) * scenario.election.replications


def _simulate(config: RunConfig, scenario: Scenario) -> tuple[Any, dict[str, Any]]:
    with progress_bar("simulating stations", _station_days(scenario),
                      quiet=config.quiet) as advance:
        result, summary = simulate_day_into_folder(
            config.out, scenario, config.scenario_path, workers=config.sim_workers,
            cluster=config.cluster, progress=advance, keep_in_memory=True)
    return result, summary_content(summary)


def _prepare_replay(
    config: RunConfig, scenario: Scenario, result: Any, share: float
) -> tuple[Path, int, float]:
    """Write the replayed schedule; return its folder, events cut, last replayed time."""
    replay_dir = config.out / "replay"
    replay_dir.mkdir(parents=True, exist_ok=True)
    rows, cut = replay_window(scenario, result.schedule, result.stations.open_offset_s)
    kept = kept_stations(len(result.stations), share, scenario.election.seed)
    # Only the replayed stations' rows: each Locust process then reads what it replays.
    rows = rows[np.isin(rows["station"], kept)]
    schedule.save(replay_dir / "schedule.npy", rows)
    shutil.copyfile(config.scenario_path, replay_dir / "scenario.toml")
    last_s = float(rows["time_s"].max(initial=0.0))
    return replay_dir, cut, last_s


def _thresholds(config: RunConfig, scenario: Scenario) -> list[Threshold]:
    """The scenario's thresholds with ``--threshold`` merged in (and said, unless quiet)."""
    merged = merge_thresholds(scenario.thresholds, config.thresholds)
    if not config.quiet:
        for line in describe(merged):
            sys.stderr.write(f"pollday run: {line}\n")
    return judged_by_run(merged.thresholds)


def run(config: RunConfig) -> tuple[int, dict[str, Any]]:
    started = time.perf_counter()
    check_target(config)
    scenario = load_scenario(config.scenario_path)
    thresholds = _thresholds(config, scenario)
    lt = scenario.loadtest
    adapter = check_adapter(config, lt.adapter, str(config.scenario_path), scenario)
    compress = config.compress or lt.compress
    share = config.station_share or lt.station_share
    if config.host:
        preflight(config.host, config.admin_token, config.audit)
    config.out.mkdir(parents=True, exist_ok=True)
    secret = config.secret or secrets.token_hex(16)
    admin_token = config.admin_token or secrets.token_hex(16)
    result, sim_summary = _simulate(config, scenario)
    with phase("writing the replay schedule", quiet=config.quiet):
        replay_dir, cut, last_s = _prepare_replay(config, scenario, result, share)
    expected_s = last_s / compress
    national = national_multiples(result, share, compress, scenario.election.seed)
    locust = LocustRun(
        host="",
        replay_dir=replay_dir,
        out_dir=config.out / "loadtest",
        secret=secret,
        compress=compress,
        station_share=share,
        results_rps=lt.results_rps,
        webcam_rps=lt.webcam_rps,
        adapter=adapter,
        workers=config.load_workers,
        remote_workers=config.remote_workers,
        master_bind=config.master_bind,
        workers_wait_s=config.workers_wait_s,
        expected_s=expected_s,
        timeout_s=expected_s * 1.5 + 300,
    )
    loadtest, audit_figures = _load_target(config, scenario, locust, share, secret, admin_token)
    with progress_bar("closed loop: simulating stations again",
                      _station_days(scenario), quiet=config.quiet) as advance:
        loop = close_the_loop(scenario, sim_summary, loadtest, workers=config.sim_workers,
                              seed=scenario.election.seed, cluster=config.cluster,
                              progress=advance)
    figures = run_figures(loadtest, audit_figures, sim_summary, loop.model_dump())
    verdicts, code, failure = judge(thresholds, figures, loadtest, config.out,
                                    audit_unmeasured(audit_figures))
    summary = {
        **sim_summary,
        "thresholds": verdicts,
        "verdict": "met" if code == EXIT_OK else "failed",
        "exit_code": code,
        **failure,
        "notes": replay_notes(loadtest) + outage_notes(loadtest),
        "loadtest": {k: v for k, v in loadtest.items() if k not in ("rate",)},
        "replay": {
            "compress": compress,
            "station_share": share,
            "events_after_window": cut,
            "expected_s": round(expected_s, 1),
            **national,
        },
        "audit": {k: v for k, v in audit_figures.items() if k != "server_counters"},
        "closed_loop": loop,
        "run_wall_s": round(time.perf_counter() - started, 1),
    }
    with phase("writing summary.json, junit.xml and the report", quiet=config.quiet):
        return code, _write_outputs(config, scenario, summary, verdicts, started)


def _write_outputs(
    config: RunConfig,
    scenario: Scenario,
    summary: dict[str, Any],
    verdicts: list[dict[str, Any]],
    started: float,
) -> dict[str, Any]:
    """summary.json, junit.xml and the report; the summary as written."""
    _strip_histograms(summary["loadtest"])
    written = RunSummary.of(summary)
    written.write(config.out / RunSummary.FILE)
    write_junit(
        config.out / "junit.xml", scenario.election.name, verdicts, time.perf_counter() - started
    )
    write_report(config.out)
    return written.as_json()


def _load_target(
    config: RunConfig,
    scenario: Scenario,
    locust: LocustRun,
    share: float,
    secret: str,
    admin_token: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load and audit the given host, or a reference service started for this run."""
    if config.host:
        return _load_and_audit(config, locust, config.host, admin_token)
    register = config.out / "register.ndjson"
    write_run_register(scenario, register, share, quiet=config.quiet)
    try:
        with ExitStack() as stack:
            with phase("starting the reference service", quiet=config.quiet):
                service = stack.enter_context(ReferenceService(
                    config.out, register, secret, admin_token, config.service_args))
            figures = _load_and_audit(config, locust, service.url, admin_token)
            with phase("stopping the reference service", quiet=config.quiet):  # up to 20 s
                stack.close()
            return figures
    except TargetUnavailable as error:
        raise RunFailure(EXIT_HARNESS, str(error), "load test") from None


def _strip_histograms(loadtest: dict[str, Any]) -> None:
    """Histograms and per-bin series stay in loadtest/loadtest.json; summary.json keeps the
    figures."""
    for endpoint in loadtest.get("endpoints", {}).values():
        for key in [k for k in endpoint if k.startswith("hdr_") or k == "over_time"]:
            del endpoint[key]
    loadtest.get("generator", {}).pop("hdr_lag", None)


def _load_and_audit(
    config: RunConfig, locust: LocustRun, url: str, admin_token: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    run = LocustRun(**{**locust.__dict__, "host": url})
    with TargetWatch(url) as watch:  # says when a target that died stopped answering
        code, tail = run_locust(run, quiet=config.quiet)
    loadtest_json = run.out_dir / "loadtest.json"
    log = run.out_dir / "locust.log"
    if code == EXIT_BAD_INPUT:  # Locust refused our options: the scenario's load-test settings
        raise RunFailure(EXIT_BAD_INPUT, f"Locust refused the load-test settings: {tail}")
    # Locust exits 1 when any request failed: that is for the thresholds to judge.
    if code not in (0, 1) or not loadtest_json.is_file():
        raise RunFailure(EXIT_HARNESS, with_outage(
            watch, None, f"Locust failed (exit code {code}): {tail} (full log: {log})"),
            "load test")
    loadtest = LoadTestOutput.read(loadtest_json).as_json()  # the contract, checked
    record_outage(watch, loadtest)
    try:
        with phase("audit", quiet=config.quiet):
            audit_figures = audit(run.out_dir / "ledger.ndjson", url, admin_token, config.audit)
    except AuditError as error:
        raise RunFailure(EXIT_HARNESS, with_outage(watch, loadtest, f"the audit failed: {error}"),
                         "audit") from None
    return loadtest, audit_figures
