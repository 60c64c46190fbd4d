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

This file starts a test (options, shares, time zero) and declares Locust's user and shape;
what the process knows of the replay is :mod:`loadtests.replay.state`, and the end of a
replay (reports, flush, outputs) :mod:`loadtests.replay.end`.
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

from loadtests import distributed
from loadtests import options as pollday_options
from loadtests.adapter_spec import adapter_class
from loadtests.options import OptionsError, ReplayOptions
from loadtests.plan import event_weights, partition_stations
from loadtests.public_load import NIGHT_DECAY_S
from loadtests.replay import Loaded, kept_rows, load
from loadtests.replay.end import finished, on_flush, on_ledger, on_report, on_test_stop
from loadtests.replay.sender import Driver
from loadtests.replay.state import STATE
from loadtests.web_ui import hide_user_count_fields, repeat_start_warning
from simulation import ScenarioError
from simulation.errors import ExitCode
from simulation.execution.orphans import forks_die_with_this_process

log = logging.getLogger("pollday.locust")
# --processes N forks the workers from the master after it imported this file: each dies with
# the master, which cannot stop them when killed outright (Locust's own check takes 60 s).
forks_die_with_this_process()
DEADLINE_SLACK_S = 30.0


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


def _init(environment: Environment, web_ui: Any = None, **_: Any) -> None:
    runner = environment.runner
    if web_ui is not None:
        hide_user_count_fields(web_ui.app)
    if isinstance(runner, WorkerRunner):
        runner.register_message("pollday_flush", on_flush)
        runner.register_message(distributed.FILES, distributed.on_files)
        # A worker may get its options from the master only: load now if it can, and tell
        # the master which replay files it holds (a worker elsewhere gets them sent).
        with contextlib.suppress(OptionsError, ScenarioError, OSError, ValueError):
            _options(environment)
        opts = STATE.opts
        distributed.worker_hello(runner, opts.scenario_path.resolve() if opts else None,
                                 opts.schedule_file.resolve() if opts and opts.schedule_file
                                 else None)
        return
    if isinstance(runner, MasterRunner):
        runner.register_message("pollday_ledger", on_ledger)
        runner.register_message("pollday_report", on_report)
        runner.register_message(distributed.HELLO, distributed.on_hello)
        _bound_the_wait_for_workers(environment, runner)
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


def _bound_the_wait_for_workers(environment: Environment, runner: MasterRunner) -> None:
    ns: Any = environment.parsed_options
    expected, wait_s = int(getattr(ns, "expect_workers", 0) or 0), float(ns.workers_wait or 0)
    if expected > 0 and wait_s > 0:
        bind = f"{ns.master_bind_host}:{ns.master_bind_port}"
        gevent.spawn(distributed.watch_workers_join, runner, expected, wait_s, bind,
                     lambda: _STARTS[0] > 0)


# -- test start: hand out the shares and the time zero ----------------------------------------
_STARTS = [0]  # tests started in this process (the web UI can start several)


def _test_start(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    ns: Any = environment.parsed_options
    # Read again: the web UI's form may have changed them, and a worker gets the master's
    # (with the files it holds: the master's paths may not exist on its machine).
    if isinstance(runner, WorkerRunner):
        if runner.client_id not in (getattr(ns, "pollday_partition", None) or {}):
            # Joined after the master split the stations: nothing is this worker's to replay.
            log.warning("pollday: this worker joined after the test started; it replays "
                        "nothing until the next test")
            return
        distributed.received_paths(ns)
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
        # Workers elsewhere get the scenario and schedule before their spawn message.
        distributed.send_files(runner, clients, opts.scenario_path.resolve(),
                               opts.schedule_file.resolve() if opts.schedule_file else None)
        zero_epoch = time.time() + opts.start_delay_s
        run_id = uuid.uuid4().hex[:12]
        ns.pollday_partition = {cid: [i, len(clients)] for i, cid in enumerate(clients)}
        distributed.new_test(clients, _stations_per_worker(opts, STATE.loaded, len(clients)),
                             zero_epoch)
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
                    on_finished=lambda d: finished(environment, d))
    STATE.driver = driver
    log.info("pollday: worker %d/%d replays %d events (%d jobs)", worker + 1, workers,
             driver.plan.scheduled_events, len(driver.plan))
    driver.start()


def _stations_per_worker(opts: ReplayOptions, loaded: Loaded, workers: int) -> dict[int, int]:
    kept, _ = kept_rows(loaded, opts.station_share)
    parts = partition_stations(kept, event_weights(loaded.schedule, kept), workers)
    return {i: len(part) for i, part in enumerate(parts)}


def _duration_s(opts: ReplayOptions, loaded: Loaded) -> float:
    """An upper bound on the replay: the last job, the night's reads, the last retries."""
    _, rows = kept_rows(loaded, opts.station_share)
    last = float(rows["time_s"].max(initial=0.0))
    central = loaded.scenario.central
    drain = central.timeout_s * (central.retries + 1) + 5
    last -= opts.window_start_s
    return (last + 2 * NIGHT_DECAY_S) / opts.compress + drain + DEADLINE_SLACK_S


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
        # A lost worker (no heartbeat, or quit) is reported, and not waited for.
        lost = distributed.lost_workers(runner, STATE.done) if isinstance(
            runner, MasterRunner) and STATE.run_id is not None else set()
        if STATE.run_id is not None and STATE.expected and (
                STATE.done | lost >= STATE.expected or time.time() > STATE.deadline):
            return None
        n = max(1, runner.worker_count) if isinstance(runner, MasterRunner) else 1
        return n, float(n)


_events: Any = events  # locust's EventHook is untyped
_events.init_command_line_parser.add_listener(_add_options)
_events.init.add_listener(_init)
_events.test_start.add_listener(_test_start)
_events.test_stop.add_listener(on_test_stop)
