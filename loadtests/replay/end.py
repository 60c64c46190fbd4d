"""The end of a replay (imported by the locustfile only: it imports locust): each process's
report (figures and ledger) to the master, the flush asked of workers still replaying at the
stop, and the outputs written once every report is in (or the wait ran out).
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests.adapter_spec import adapter_class
from loadtests.distributed import TRACK, generator_workers, lost_workers
from loadtests.latency import Recorder
from loadtests.ledger import Entry
from loadtests.output import figure_aliases, worker_notes, write_outputs
from loadtests.replay.jobs import kept_rows
from loadtests.replay.sender import Driver
from loadtests.replay.state import STATE

__all__ = ["finished", "on_flush", "on_ledger", "on_report", "on_test_stop"]

log = logging.getLogger("pollday.locust")
LEDGER_CHUNK = 10_000
FLUSH_WAIT_S = 15.0


def _report(driver: Driver) -> tuple[dict[str, Any], list[Entry]]:
    rec = driver.runner.recorder
    rec.counters.update(driver.counters())
    return rec.to_wire(), driver.runner.ledger.entries


def finished(environment: Environment, driver: Driver) -> None:
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


def on_flush(environment: Environment, msg: Any, **_: Any) -> None:
    if STATE.driver is not None:
        STATE.driver.stop()


def on_ledger(environment: Environment, msg: Any, **_: Any) -> None:
    if msg.data.get("run") == STATE.run_id:
        STATE.ledger.extend(tuple(e) for e in msg.data["entries"])


def on_report(environment: Environment, msg: Any, **_: Any) -> None:
    if msg.data.get("run") != STATE.run_id:
        return
    STATE.recorder.merge(Recorder.from_wire(msg.data["recorder"]))
    STATE.done.add(int(msg.data["worker"]))
    log.info("pollday: worker %d finished (%d/%d)", msg.data["worker"], len(STATE.done),
             len(STATE.expected))


def on_test_stop(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        if STATE.driver is not None:
            STATE.driver.stop()
        return
    if STATE.run_id is None or STATE.written:
        return
    if isinstance(runner, MasterRunner):
        # Lost workers (distributed.lost_workers) will never report: not waited for.
        waiting = STATE.expected - STATE.done - lost_workers(runner, STATE.done)
        if waiting:
            for client in list(runner.clients.all):
                runner.send_message("pollday_flush", {"run": STATE.run_id}, client_id=client.id)
            waited = 0.0
            while waiting - STATE.done and waited < FLUSH_WAIT_S:
                gevent.sleep(0.1)
                waited += 0.1
            if STATE.done != STATE.expected:
                log.error("pollday: no final report from workers %s",
                          sorted(i + 1 for i in STATE.expected - STATE.done))
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
    master = isinstance(environment.runner, MasterRunner)
    lost = {i: found for i, found in TRACK.lost.items() if i not in STATE.done}
    notes = worker_notes(lost if master else {}, STATE.expected - STATE.done,
                         TRACK.stations if master else {}, len(STATE.expected))
    STATE.ledger.sort(key=lambda e: (e[1], e[0], e[3]))
    summary = write_outputs(opts.out, rec, STATE.ledger, workers=len(STATE.expected), options={
        "scenario": str(opts.scenario_path), "schedule": str(opts.schedule or ""),
        "compress": opts.compress, "station_share": opts.station_share,
        "adapter": opts.adapter or "loadtests.adapter:Adapter", "host": environment.host,
        "results_rps": opts.results_rps, "webcam_rps": opts.webcam_rps,
        "generator_workers": generator_workers(STATE.done) if master else []},
        figures=figure_aliases(adapter_class(opts.adapter).figures), notes=notes)
    gen = summary.generator
    STATE.run_id = None  # a new test (web UI) starts afresh
    if gen is not None:  # summarize always writes it
        log.info("pollday: fired %d of %d scheduled events, lag p99 %s ms; wrote %s",
                 gen.fired_events, gen.scheduled_events, gen.lag_p99_ms, opts.out)
