"""``pollday capacity``: simulate the day, pick the window, search the breaking point.

Whatever happens after the arguments were accepted (an unreachable target, a service that
does not start, a Locust crash, an audit refused), ``capacity.json`` and ``junit.xml`` are
written, saying why, and the exit code is the one ``pollday run`` would give (3).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import numpy as np

from loadtests.plan import station_order
from loadtests.thresholds import Threshold
from pollday.capacity.config import CapacityConfig
from pollday.capacity.cpus import CpuSplit, available_cpus, cpu_split
from pollday.capacity.database import check_database_url
from pollday.capacity.level import LevelSetup, level_thresholds, run_level
from pollday.capacity.output import SearchContext, target_label, write_outputs
from pollday.capacity.search import SearchResult, search
from pollday.capacity.window import (
    WindowError,
    auto_window,
    parse_window,
    station_load,
    window_rows,
)
from pollday.console import err_console, progress_bar
from pollday.exits import EXIT_BAD_INPUT
from pollday.harness.failure import RunFailure
from pollday.harness.load_target import check_adapter, check_target, preflight
from pollday.models.capacity import CapacityLevel, NationalPeak, Window
from pollday.options.counts import MAX_LEVEL_S
from pollday.run.peaks import PEAK_SPAN_MIN, checkins_per_minute, national_peak, station_weights
from pollday.scenario.file import load_scenario
from pollday.verdicts.threshold_option import describe, merge_thresholds
from simulation import Scenario, simulate


def _stage(config: CapacityConfig) -> tuple[Scenario, list[Threshold], CpuSplit, str]:
    """Everything checked before anything is simulated or sent (exit 2 on bad input)."""
    check_target(config)
    cpus = cpu_split(config.target_cpus, config.generator_cpus, config.host)
    check_database_url(config.database_url, config.host)
    problems = config.settings.problems()
    for flag, seconds in (("--level-s", config.level_s), ("--max-level-s", config.max_level_s)):
        if not 0 < seconds <= MAX_LEVEL_S:  # nan fails too
            problems.append(f"{flag} {seconds:g} is out of range: use more than 0 and at most "
                            f"{MAX_LEVEL_S:,.0f} s (a day)")
    if not config.max_level_s >= config.level_s:
        problems.append(f"--max-level-s {config.max_level_s:g} must be at least --level-s "
                        f"{config.level_s:g}")
    if problems:
        raise RunFailure(EXIT_BAD_INPUT, "; ".join(problems))
    scenario = load_scenario(config.scenario_path)
    adapter = check_adapter(config, scenario.loadtest.adapter, str(config.scenario_path),
                            scenario)
    if config.window != "auto":
        try:
            parse_window(config.window, scenario)
        except WindowError as error:
            raise RunFailure(EXIT_BAD_INPUT, str(error)) from None
    merged = merge_thresholds(scenario.thresholds, config.thresholds)
    if not config.quiet:
        for line in describe(merged):
            err_console.print(line)
    return scenario, merged.thresholds, cpus, adapter


def _setup(config: CapacityConfig, scenario: Scenario, thresholds: list[Threshold],
           cpus: CpuSplit, adapter: str) -> tuple[LevelSetup, SearchContext]:
    total = sum(g.count for g in scenario.station_groups) * scenario.election.replications
    with progress_bar("simulating stations", total, quiet=config.quiet) as advance:
        result = simulate(scenario, workers=config.sim_workers, cluster=config.cluster,
                          progress=advance)
    rows, n = result.schedule, len(result.stations)
    weights = station_weights(result)
    peak_per_min, first_min = national_peak(rows, n, weights)
    window = (auto_window(scenario, rows, n, weights) if config.window == "auto"
              else parse_window(config.window, scenario))
    in_window = window_rows(rows, window)
    load = station_load(in_window, n, weights)
    if not load.any():
        raise RunFailure(EXIT_BAD_INPUT, f"--window {window.label}: the simulated day has no "
                         "events in it; pick a window with check-ins or protocols")
    # The nested station order of --station-share: a level replays a prefix of it.
    order = station_order(n, scenario.election.seed)
    window_rate = float(checkins_per_minute(in_window, n, weights).sum()) / (window.span_s / 60)
    setup = LevelSetup(
        scenario=scenario, scenario_path=config.scenario_path, out=config.out, window=window,
        rows=in_window, load=load, order=order.astype(np.int64),
        thresholds=level_thresholds(thresholds), level_s=config.level_s,
        secret=config.secret or secrets.token_hex(16),
        admin_token=config.admin_token or secrets.token_hex(16), host=config.host,
        workers=config.load_workers, remote_workers=config.remote_workers,
        master_bind=config.master_bind, workers_wait_s=config.workers_wait_s,
        service_args=tuple(config.service_args), quiet=config.quiet,
        registered=result.stations.registered.astype(np.int64), cpus=cpus,
        terminals=result.stations.terminals.astype(np.int64),
        database_url=config.database_url, max_level_s=config.max_level_s,
        checkins_per_s=window_rate / 60, audit=config.audit, adapter=adapter)
    context = SearchContext(
        national_peak=NationalPeak(checkins_per_min=round(peak_per_min, 2),
                                   span_min=PEAK_SPAN_MIN, starts_s=first_min * 60.0),
        window=Window(label=window.label, auto=config.window == "auto",
                      start_s=window.start_s, end_s=window.end_s,
                      checkins_per_min=round(window_rate, 2)),
        stations=n,
        target=target_label(config.host, config.database_url, cpus, len(available_cpus())),
        rule=setup.rule.as_model(),
        generator_processes=config.generator_processes(),
    )
    return setup, context


def run_capacity(config: CapacityConfig) -> tuple[int, dict[str, Any]]:
    """Return (exit code, the capacity document); both files written whatever happened
    after the arguments were accepted."""
    started = time.perf_counter()
    scenario, thresholds, cpus, adapter = _stage(config)  # bad input: raise before writing anything
    config.out.mkdir(parents=True, exist_ok=True)
    context = SearchContext()
    found = SearchResult()
    failure: RunFailure | None = None
    try:
        if config.host:
            preflight(config.host, config.admin_token, config.audit)
        setup, context = _setup(config, scenario, thresholds, cpus, adapter)

        run_count = [0]

        def level(multiple: float) -> CapacityLevel:
            run_count[0] += 1
            record = run_level(setup, run_count[0], multiple)
            if not config.quiet:
                _print_level(record)
            return record

        search(level, config.settings, found)
    except RunFailure as error:
        failure = error
    return write_outputs(config, scenario, thresholds, context, found, failure,
                         time.perf_counter() - started, cpus)


def _print_level(record: CapacityLevel) -> None:
    why = f" ({', '.join(record.failing)})" if record.failing else ""
    if record.not_measured:
        why = f": {record.not_measured}"
    head = (f"level {record.index}: {record.multiple:g}x national real time "
            f"({record.checkins_per_s or 0.0:,.4g} check-ins/s)")
    if not record.ran:
        err_console.print(f"{head}, not run: {record.verdict}{why}")
        return
    passes = f", {record.passes} passes" if (record.passes or 1) > 1 else ""
    if record.unmeasured:
        why += f" (not measured: {', '.join(record.unmeasured)})"
    err_console.print(
        f"{head}, {record.replay_s or 0.0:,.3g} s{passes}, {record.offered_rps or 0.0:,.0f} "
        f"req/s offered, {record.achieved_rps or 0.0:,.0f} achieved: {record.verdict}{why}")
