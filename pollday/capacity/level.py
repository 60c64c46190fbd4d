"""One capacity level: the window's events of some stations, compressed, against a target
where the replayed voters have not voted yet; judged by the thresholds and the audit.

The embedded reference service is started afresh for every level (its own folder, SQLite
database and register). With ``--host`` every level checks in its own block of each
station's voters (:mod:`pollday.capacity.voters`), so its voters are fresh on a target that
keeps its database (see docs/capacity.md).
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from loadtests.audit import AuditError, audit
from loadtests.audit.levels import DEFAULT_AUDIT, AuditLevel
from loadtests.results import LoadTestOutput
from loadtests.thresholds import Threshold
from pollday.capacity.cpus import CpuSplit, pinned
from pollday.capacity.database import level_database
from pollday.capacity.judge import LevelRule, level_rule
from pollday.capacity.plan import (
    LevelPlan,
    fresh_passes,
    main_per_station,
    plan_level,
    voters_per_station,
)
from pollday.capacity.record import level_record, not_run_record
from pollday.capacity.register import (
    embedded_fresh_passes,
    level_voters,
    write_level_register,
)
from pollday.capacity.voters import level_rows
from pollday.capacity.window import Window
from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS
from pollday.harness.failure import RunFailure
from pollday.harness.generators import DEFAULT_MASTER_BIND, DEFAULT_WORKERS_WAIT_S
from pollday.harness.locust_process import LocustRun, run_locust
from pollday.harness.target import ReferenceService, TargetUnavailable
from pollday.models.capacity import CapacityLevel
from pollday.run.register import write_run_register
from pollday.verdicts.run_verdict import harness_failures, harness_message
from simulation import Scenario
from simulation.outputs import schedule

MIN_CONNECTIONS = 200  # Locust's --connections default
LEVEL_GROUPS_SKIPPED = ("stations", "loop", "capacity")  # not figures of a load level


def level_thresholds(thresholds: list[Threshold]) -> list[Threshold]:
    """The thresholds that judge a load level (not the simulated day's, not the capacity's)."""
    return [t for t in thresholds if t.figure.split(".")[0] not in LEVEL_GROUPS_SKIPPED]


@dataclass
class LevelSetup:
    scenario: Scenario
    scenario_path: Path
    out: Path
    window: Window
    rows: NDArray[np.void]  # the window's schedule rows (every station)
    load: NDArray[np.float64]  # each station's share of the window's load
    order: NDArray[np.int64]  # the stations in the order levels take them
    thresholds: list[Threshold]
    level_s: float
    secret: str
    admin_token: str
    host: str | None = None
    workers: int = 0
    remote_workers: int = 0  # --expect-workers: Locust workers started elsewhere
    master_bind: str = DEFAULT_MASTER_BIND
    workers_wait_s: float = DEFAULT_WORKERS_WAIT_S
    service_args: tuple[str, ...] = ()
    quiet: bool = True
    registered: NDArray[np.int64] | None = None  # per station; --host: for fresh voters
    cpus: CpuSplit = field(default_factory=CpuSplit)  # --target-cpus, --generator-cpus
    terminals: NDArray[np.int64] | None = None  # per station: its most requests in flight
    database_url: str | None = None  # a PostgreSQL server: a fresh database per level
    max_level_s: float = 600.0  # the longest replay a level may plan
    checkins_per_s: float = 0.0  # the window's national check-ins per second at 1x
    blocks_used: int = 0  # --host: blocks of every station's voters used by earlier passes
    audit: AuditLevel = DEFAULT_AUDIT  # --audit: full, answers or none
    adapter: str = ""  # the adapter spec (--adapter, else the scenario's); "": the scenario's
    # Derived from the above: what the plan of every level needs.
    rule: LevelRule = field(init=False)
    main: NDArray[np.int64] = field(init=False)  # per station: check-ins in the window
    window_voters: NDArray[np.int64] = field(init=False)  # per station: its distinct voters

    def __post_init__(self) -> None:
        self.rule = level_rule(self.thresholds)
        self.main = main_per_station(self.rows, len(self.load))
        self.window_voters = voters_per_station(self.rows, len(self.load))


def _load_and_audit(setup: LevelSetup, run: LocustRun) -> tuple[dict[str, Any], dict[str, Any]]:
    with pinned(setup.cpus.generator):  # Locust and its workers inherit the CPUs
        code, tail = run_locust(run, quiet=setup.quiet)
    loadtest_json = run.out_dir / "loadtest.json"
    if code == EXIT_BAD_INPUT:
        raise RunFailure(EXIT_BAD_INPUT, f"Locust refused the load-test settings: {tail}")
    if code not in (0, 1) or not loadtest_json.is_file():
        log = run.out_dir / "locust.log"
        raise RunFailure(EXIT_HARNESS, f"Locust failed (exit code {code}): {tail} (log: {log})")
    loadtest = LoadTestOutput.read(loadtest_json).as_json()  # the file's contract, checked
    harness = harness_failures(loadtest)
    if harness:
        raise RunFailure(EXIT_HARNESS, harness_message(harness, run.out_dir / "locust.log"))
    try:
        audit_figures = audit(run.out_dir / "ledger.ndjson", run.host, setup.admin_token,
                              setup.audit)
    except AuditError as error:
        raise RunFailure(EXIT_HARNESS, str(error)) from None
    return loadtest, audit_figures


def level_connections(terminals: NDArray[np.int64] | None, stations: NDArray[np.int64]
                      ) -> int:
    """Keep-alive connections for a level's generator: one per terminal of its stations
    (at least Locust's default). A station never has more requests in flight than its
    terminals, so no request waits for a connection of the generator's pool: in the real
    day each terminal has its own, and a shared pool smaller than that would queue requests
    in the generator (latency from the intended time the target did not cause) and cost the
    generator CPU on every hand-over when the target slows down."""
    if terminals is None:
        return MIN_CONNECTIONS
    return max(MIN_CONNECTIONS, int(terminals[stations].sum()))


def level_plan(setup: LevelSetup, multiple: float) -> LevelPlan:
    """The level at ``multiple``: stations, compression, passes (or why it cannot count)."""
    if setup.host:
        assert setup.registered is not None
        allowed = fresh_passes(setup.registered, setup.window_voters, setup.blocks_used)
    else:
        allowed = embedded_fresh_passes(setup.window_voters)
    return plan_level(multiple, setup.order, setup.load, setup.main, setup.window.span_s,
                      setup.level_s, setup.rule, setup.max_level_s, allowed)


def run_level(setup: LevelSetup, index: int, multiple: float) -> CapacityLevel:
    plan = level_plan(setup, multiple)
    level = plan.load
    folder = setup.out / "levels" / f"{index:02d}-{multiple:g}x"
    if plan.not_measured is not None:
        return not_run_record(plan, index, folder, setup.rule, setup.checkins_per_s)
    replay_dir = folder / "replay"
    replay_dir.mkdir(parents=True, exist_ok=True)
    voters = None
    if setup.host:
        assert setup.registered is not None
        rows = level_rows(setup.rows, level.stations, plan.passes, setup.window.span_s,
                          setup.registered, setup.blocks_used, setup.host)
        setup.blocks_used += plan.passes
    elif plan.passes > 1:
        assert setup.registered is not None
        voters = level_voters(setup.registered, setup.window_voters, plan.passes)
        rows = level_rows(setup.rows, level.stations, plan.passes, setup.window.span_s,
                          voters, 0, "the embedded service")
    else:
        rows = level_rows(setup.rows, level.stations, 1, setup.window.span_s, None, 0, "")
    schedule.save(replay_dir / "schedule.npy", rows)
    shutil.copyfile(setup.scenario_path, replay_dir / "scenario.toml")
    replay_s = plan.replay_s
    run = LocustRun(
        host=setup.host or "", replay_dir=replay_dir, out_dir=folder / "loadtest",
        secret=setup.secret, compress=level.compress, station_share=1.0, results_rps=0.0,
        webcam_rps=0.0, adapter=setup.adapter or setup.scenario.loadtest.adapter,
        workers=setup.workers, remote_workers=setup.remote_workers,
        master_bind=setup.master_bind, workers_wait_s=setup.workers_wait_s,
        expected_s=replay_s, timeout_s=replay_s * 1.5 + 300,
        extra_args=("--window-start", f"{setup.window.start_s:.3f}", "--connections",
                    str(level_connections(setup.terminals, level.stations))),
    )
    if setup.host:
        loadtest, audit_figures = _load_and_audit(setup, run)
    else:
        register = folder / "register.ndjson"
        if voters is None:
            write_run_register(setup.scenario, register, 1.0, stations_kept=level.stations)
        else:
            write_level_register(setup.scenario, register, level.stations, voters)
        try:
            with ExitStack() as stack:
                service_args = list(setup.service_args)
                if setup.database_url:
                    url = stack.enter_context(level_database(setup.database_url, index))
                    service_args += ["--database-url", url]  # after (over) the SQLite file
                service = ReferenceService(folder, register, setup.secret, setup.admin_token,
                                           service_args)
                with pinned(setup.cpus.target):  # the service and its workers inherit them
                    stack.enter_context(service)
                run = LocustRun(**{**run.__dict__, "host": service.url})
                loadtest, audit_figures = _load_and_audit(setup, run)
        except TargetUnavailable as error:
            raise RunFailure(EXIT_HARNESS, str(error)) from None
    record = level_record(plan, index, folder, loadtest, audit_figures, setup.thresholds,
                          setup.rule, setup.checkins_per_s)
    record.connections = level_connections(setup.terminals, level.stations)
    return record
