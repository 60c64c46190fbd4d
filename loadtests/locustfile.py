"""Replay a simulated election day against a check-in service, with Locust.

    locust -f loadtests/locustfile.py --scenario scenarios/smoke.toml --host URL \\
        --secret S --compress 600 --headless --pollday-out out/

Works headless, with the web UI, with ``--processes N`` and as ``--master`` + ``--worker``s.
How it maps onto Locust (details in docs/loadtests.md):

* Each load-generator process (the local runner, or each worker) runs one open-model
  dispatcher over its own share of the stations; the master hands out the shares (and a
  common time zero) through the options it sends with the spawn message.
* The load comes from the schedule, not from the number of users: a load shape starts one
  ``ElectionDay`` user per process (an idle handle, so Locust shows who is running) and ends
  the test when every process has replayed its share and its last answers came back.
* Every attempt is a Locust request (``POST /v1/checkins``, ``POST /v1/checkins/batch`` ...);
  pollday's own figures (HdrHistograms from send and from intended time, generator lag,
  ledger) go to the master with custom messages and are written to ``--pollday-out``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import uuid
from typing import Any

import gevent
from locust import LoadTestShape, User, constant, events, task
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests import options as pollday_options
from loadtests.adapter import adapter_class
from loadtests.latency import Recorder
from loadtests.ledger import Entry
from loadtests.options import OptionsError, ReplayOptions
from loadtests.output import figure_aliases, write_outputs
from loadtests.public_load import NIGHT_DECAY_S
from loadtests.replay import Loaded, kept_rows, load
from loadtests.sender import Driver
from loadtests.web_ui import repeat_start_warning
from simulation import ScenarioError
from simulation.errors import ExitCode
from simulation.execution.orphans import forks_die_with_this_process

log = logging.getLogger("pollday.locust")
# --processes N forks the workers from the master after it imported this file: each dies with
# the master, which cannot stop them when killed outright (Locust's own check takes 60 s).
forks_die_with_this_process()
LEDGER_CHUNK = 10_000
FLUSH_WAIT_S = 15.0
DEADLINE_SLACK_S = 30.0


class _State:
    """This process's part: a driver (local/worker) or the merged reports (master/local)."""

    def __init__(self) -> None:
        self.opts: ReplayOptions | None = None
        self.loaded: Loaded | None = None
        self.run_id: str | None = None
        self.driver: Driver | None = None
        self.reported = False  # worker: final report sent for run_id
        # master / local
        self.expected: set[int] = set()
        self.done: set[int] = set()
        self.recorder = Recorder()
        self.ledger: list[Entry] = []
        self.deadline = 0.0
        self.written = False

    def reset(self, run_id: str) -> None:
        self.run_id = run_id
        self.driver = None
        self.reported = False
        self.expected, self.done = set(), set()
        self.recorder, self.ledger = Recorder(), []
        self.written = False


STATE = _State()


def _add_options(parser: Any) -> None:
    pollday_options.add_arguments(parser)


def _options(environment: Environment) -> ReplayOptions:
    ns = environment.parsed_options
    first = pollday_options.from_namespace(ns)
    loaded = load(first.scenario_path.resolve(),
                  first.schedule_file.resolve() if first.schedule_file else None)
    # Unset options take the scenario's [loadtest] values (when its schema has them).
    opts = pollday_options.from_namespace(ns, getattr(loaded.scenario, "loadtest", None))
    adapter_class(opts.adapter)  # a bad --adapter is bad input, before any traffic
    STATE.opts, STATE.loaded = opts, loaded
    return opts


def _init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message("pollday_flush", _on_flush)
        # A worker may get its options from the master only: load now if it can.
        with contextlib.suppress(OptionsError, ScenarioError, OSError, ValueError):
            _options(environment)
        return
    if isinstance(runner, MasterRunner):
        runner.register_message("pollday_ledger", _on_ledger)
        runner.register_message("pollday_report", _on_report)
    try:
        _options(environment)
        if not environment.host:
            raise OptionsError("--host URL is required: the service to load (e.g. "
                               "http://127.0.0.1:8000)")
    except (OptionsError, ScenarioError, ValueError, OSError) as exc:
        # Bad input: say what is wrong and stop before any traffic (exit code 2).
        log.error("pollday: %s", exc)
        sys.stderr.write(f"pollday: {exc}\n")
        sys.exit(ExitCode.BAD_INPUT)


# -- test start: hand out the shares and the time zero ----------------------------------------
_STARTS = [0]  # tests started in this process (the web UI can start several)


def _test_start(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    ns: Any = environment.parsed_options
    # Read again: the web UI's form may have changed them, and a worker gets the master's.
    _options(environment)
    opts = STATE.opts
    if not isinstance(runner, WorkerRunner):
        _STARTS[0] += 1
        warning = repeat_start_warning(_STARTS[0], str(environment.host),
                                       getattr(ns, "pollday_out", None))
        if warning:
            log.warning(warning)
            sys.stderr.write(warning + "\n")
    if isinstance(runner, MasterRunner):
        assert opts is not None and STATE.loaded is not None
        clients = sorted(c.id for c in runner.clients.ready + runner.clients.running
                         + runner.clients.spawning)
        zero_epoch = time.time() + opts.start_delay_s
        run_id = uuid.uuid4().hex[:12]
        ns.pollday_partition = {cid: [i, len(clients)] for i, cid in enumerate(clients)}
        ns.pollday_zero_epoch = zero_epoch
        ns.pollday_run_id = run_id
        STATE.reset(run_id)
        STATE.expected = set(range(len(clients)))
        STATE.deadline = zero_epoch + _duration_s(opts, STATE.loaded)
        log.info("pollday: replaying on %d workers", len(clients))
        return
    if isinstance(runner, WorkerRunner):
        worker, workers = ns.pollday_partition[runner.client_id]
        zero_epoch, run_id = float(ns.pollday_zero_epoch), str(ns.pollday_run_id)
    else:
        assert opts is not None
        worker, workers, run_id = 0, 1, uuid.uuid4().hex[:12]
        zero_epoch = time.time() + opts.start_delay_s
    assert STATE.opts is not None and STATE.loaded is not None
    STATE.reset(run_id)
    STATE.expected = {worker}
    STATE.deadline = zero_epoch + _duration_s(STATE.opts, STATE.loaded)
    zero_monotonic = time.monotonic() + (zero_epoch - time.time())
    driver = Driver(environment, STATE.opts, STATE.loaded, worker, workers, zero_monotonic,
                    on_finished=lambda d: _finished(environment, d))
    STATE.driver = driver
    log.info("pollday: worker %d/%d replays %d events (%d jobs)", worker + 1, workers,
             driver.plan.scheduled_events, len(driver.plan))
    driver.start()


def _duration_s(opts: ReplayOptions, loaded: Loaded) -> float:
    """An upper bound on the replay: the last job, the night's reads, the last retries."""
    _, rows = kept_rows(loaded, opts.station_share)
    last = float(rows["time_s"].max(initial=0.0))
    central = loaded.scenario.central
    drain = central.timeout_s * (central.retries + 1) + 5
    last -= opts.window_start_s
    return (last + 2 * NIGHT_DECAY_S) / opts.compress + drain + DEADLINE_SLACK_S


# -- end of a process's replay ----------------------------------------------------------------
def _report(driver: Driver) -> tuple[dict[str, Any], list[Entry]]:
    rec = driver.runner.recorder
    rec.counters.update(driver.counters())
    return rec.to_wire(), driver.runner.ledger.entries


def _finished(environment: Environment, driver: Driver) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        if STATE.reported:
            return
        STATE.reported = True
        wire, entries = _report(driver)
        for k in range(0, len(entries), LEDGER_CHUNK):
            runner.send_message("pollday_ledger", {"run": STATE.run_id,
                                                   "entries": entries[k:k + LEDGER_CHUNK]})
        runner.send_message("pollday_report", {"run": STATE.run_id, "worker": driver.worker,
                                               "recorder": wire})
    else:
        wire, entries = _report(driver)
        STATE.recorder.merge(Recorder.from_wire(wire))
        STATE.ledger.extend(entries)
        STATE.done.add(driver.worker)


def _on_flush(environment: Environment, msg: Any, **_: Any) -> None:
    if STATE.driver is not None:
        STATE.driver.stop()


def _on_ledger(environment: Environment, msg: Any, **_: Any) -> None:
    if msg.data.get("run") == STATE.run_id:
        STATE.ledger.extend(tuple(e) for e in msg.data["entries"])


def _on_report(environment: Environment, msg: Any, **_: Any) -> None:
    if msg.data.get("run") != STATE.run_id:
        return
    STATE.recorder.merge(Recorder.from_wire(msg.data["recorder"]))
    STATE.done.add(int(msg.data["worker"]))
    log.info("pollday: worker %d finished (%d/%d)", msg.data["worker"], len(STATE.done),
             len(STATE.expected))


def _test_stop(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        if STATE.driver is not None:
            STATE.driver.stop()
        return
    if STATE.run_id is None or STATE.written:
        return
    if isinstance(runner, MasterRunner):
        if STATE.done != STATE.expected:
            for client in list(runner.clients.all):
                runner.send_message("pollday_flush", {"run": STATE.run_id}, client_id=client.id)
            waited = 0.0
            while STATE.done != STATE.expected and waited < FLUSH_WAIT_S:
                gevent.sleep(0.1)
                waited += 0.1
            if STATE.done != STATE.expected:
                log.error("pollday: no final report from workers %s",
                          sorted(STATE.expected - STATE.done))
    elif STATE.driver is not None:
        STATE.driver.stop()
    _write(environment)


def _write(environment: Environment) -> None:
    STATE.written = True
    opts = STATE.opts
    if opts is None or opts.out is None:
        STATE.run_id = None
        return
    rec = STATE.recorder
    if STATE.loaded is not None:  # the master knows the whole schedule, even if a worker died
        _, rows = kept_rows(STATE.loaded, opts.station_share)
        rec.counters["scheduled_events"] = len(rows)
    rec.counters["missing_workers"] = len(STATE.expected - STATE.done)
    STATE.ledger.sort(key=lambda e: (e[1], e[0], e[3]))
    summary = write_outputs(opts.out, rec, STATE.ledger, workers=len(STATE.expected), options={
        "scenario": str(opts.scenario_path), "schedule": str(opts.schedule or ""),
        "compress": opts.compress, "station_share": opts.station_share,
        "adapter": opts.adapter or "loadtests.adapter:Adapter", "host": environment.host,
        "results_rps": opts.results_rps, "webcam_rps": opts.webcam_rps},
        figures=figure_aliases(adapter_class(opts.adapter).figures))
    gen = summary.generator
    STATE.run_id = None  # a new test (web UI) starts afresh
    if gen is not None:  # summarize always writes it
        log.info("pollday: fired %d of %d scheduled events, lag p99 %s ms; wrote %s",
                 gen.fired_events, gen.scheduled_events, gen.lag_p99_ms, opts.out)


# -- Locust's view: one idle user per process, a shape that ends with the replay ---------------
class ElectionDay(User):
    """A handle for the replay running in this process (the load comes from the schedule)."""

    wait_time = constant(1.0)

    @task
    def watch(self) -> None:
        pass


class ReplayShape(LoadTestShape):
    """One user per load-generator process; stop when every share was replayed."""

    def tick(self) -> tuple[int, float] | None:
        runner = self.runner
        if STATE.run_id is not None and STATE.expected and (
                STATE.done >= STATE.expected or time.time() > STATE.deadline):
            return None
        n = max(1, runner.worker_count) if isinstance(runner, MasterRunner) else 1
        return n, float(n)


_events: Any = events  # locust's EventHook is untyped
_events.init_command_line_parser.add_listener(_add_options)
_events.init.add_listener(_init)
_events.test_start.add_listener(_test_start)
_events.test_stop.add_listener(_test_stop)
