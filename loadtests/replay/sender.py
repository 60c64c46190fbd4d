"""The gevent side of one load generator (imported by the locustfile only: it imports locust).

:class:`Driver` runs one process's share of the replay: a gevent clock, an HTTP transport that
reports every attempt to Locust's statistics under the adapter's names (e.g.
``POST /v1/checkins``), and a greenlet per request started by the dispatcher.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import gevent
from gevent.pool import Group
from geventhttpclient import HTTPClient
from geventhttpclient.response import HTTPConnectionClosed
from locust.env import Environment

from loadtests.adapter import Adapter, AdapterContext, AdapterError, HttpRequest
from loadtests.adapter_spec import load_adapter
from loadtests.dispatcher import Dispatcher
from loadtests.latency import record_s
from loadtests.options import ReplayOptions
from loadtests.plan import STATION_KINDS
from loadtests.replay.jobs import JobRunner, Loaded, Response, Transport, worker_plan
from simulation.errors import ExitCode

log = logging.getLogger("pollday.replay")


class GeventClock:
    """Seconds since the replay's time zero (a ``time.monotonic`` value)."""

    def __init__(self, zero_monotonic: float) -> None:
        self.zero = zero_monotonic

    def now(self) -> float:
        return time.monotonic() - self.zero

    def sleep_until(self, t: float) -> None:
        gevent.sleep(max(0.0, t - self.now()))


# Young-generation threshold while replaying: requests free their objects by reference
# counting, so collections are rare, and the 10-15 ms full collections of a default
# collector (seen at 4,500 requests/s) no longer land in the generator's lag p99.
REPLAY_GC_THRESHOLD = (100_000, 50, 100)


def calm_collector() -> tuple[int, int, int]:
    """Move everything loaded so far (plan, register pools, modules) out of the collector's
    sight and make collections rare, so the replay loop is not paused to scan them.
    Returns the thresholds to give back to :func:`restore_collector`."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*REPLAY_GC_THRESHOLD)
    return before


def restore_collector(thresholds: tuple[int, int, int]) -> None:
    """After the replay: frozen objects collectable again (a web-UI session runs many tests
    in one process, and each test's plan must not stay frozen)."""
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class UnexpectedStatus(Exception):
    """An answer that the adapter does not count as a success (a failure in Locust's stats)."""


def http_transport(environment: Environment, host: str, timeout_s: float,
                   connections: int) -> Transport:
    """A keep-alive connection pool (geventhttpclient) that reports every attempt to Locust.

    Lighter than FastHttpSession (no cookies, redirects or URL re-parsing per request): about
    half the CPU per request, which is what lets one process keep the schedule's pace. A
    request that meets a keep-alive connection the server closed meanwhile is sent once more
    on a fresh one before anything is reported (every request of the replay is idempotent).
    """
    url = urlparse(host)
    prefix = url.path.rstrip("/")
    client = HTTPClient.from_url(host, concurrency=connections, network_timeout=timeout_s,
                                 connection_timeout=timeout_s)
    events: Any = environment.events  # locust's EventHook is untyped
    fire = events.request.fire

    def transport(req: HttpRequest) -> Response:
        start_time = time.time()
        start = time.perf_counter()
        status, body = 0, b""
        error: BaseException | None = None
        for fresh_try in (False, True):
            try:
                resp = client.request(req.method, prefix + req.path, body=req.body,
                                      headers=req.headers)
                try:
                    body = resp.read()
                finally:
                    resp.release()
                status = int(resp.status_code)
                break
            except (HTTPConnectionClosed, ConnectionResetError, BrokenPipeError) as exc:
                error = exc
                if fresh_try:
                    break
            except (TimeoutError, OSError, gevent.Timeout) as exc:
                error = exc
                break
        exception: BaseException | None = None
        if status == 0:
            exception = error or ConnectionError("no answer")
        elif status not in req.expected:
            exception = UnexpectedStatus(f"HTTP {status} (expected {sorted(req.expected)})")
        fire(request_type=req.method, name=req.name,
             response_time=(time.perf_counter() - start) * 1000.0, response_length=len(body),
             response=None, context={}, exception=exception, start_time=start_time,
             url=req.path)
        if status:
            return Response(status, body)
        timed_out = isinstance(error, TimeoutError | gevent.Timeout)
        return Response(0, error="timeout" if timed_out else "connection")

    return transport


class GeventSender:
    def __init__(self, runner: JobRunner) -> None:
        self.runner = runner
        self.group = Group()

    def send(self, job: int, done: Callable[[int], None]) -> None:
        self.group.spawn(self._run, job, done)

    def _run(self, job: int, done: Callable[[int], None]) -> None:
        try:
            self.runner.run_job(job)
        except Exception:
            log.exception("job %d failed in the harness", job)
            self.runner.recorder.counters["harness_errors"] += 1
        finally:
            done(job)


def _adapter_or_quit(environment: Environment, opts: ReplayOptions, loaded: Loaded
                     ) -> Adapter:
    """The adapter; one the scenario rules out (a mapping's voters CSV without ids for its
    stations) is bad input: said, and the process stops with exit code 2, no traffic sent."""
    try:
        return load_adapter(opts.adapter, AdapterContext(loaded.scenario, opts.secret))
    except AdapterError as exc:
        log.error("pollday: %s", exc)
        sys.stderr.write(f"pollday: {exc}\n")
        environment.process_exit_code = ExitCode.BAD_INPUT
        if environment.runner is not None:
            gevent.spawn(environment.runner.quit)
        raise


class Driver:
    """One process's replay: ``worker`` of ``workers``, time zero at ``zero_monotonic``."""

    def __init__(self, environment: Environment, opts: ReplayOptions, loaded: Loaded,
                 worker: int, workers: int, zero_monotonic: float,
                 on_finished: Callable[[Driver], None]) -> None:
        self.opts = opts
        self.worker, self.workers = worker, workers
        self.plan = worker_plan(loaded, opts, worker, workers)
        self.clock = GeventClock(zero_monotonic)
        central = loaded.scenario.central
        host = environment.host or ""
        transport = http_transport(environment, host.rstrip("/"), central.timeout_s,
                                   opts.connections)
        adapter = _adapter_or_quit(environment, opts, loaded)
        self.runner = JobRunner(loaded, self.plan, opts, adapter, transport, self.clock.now,
                                gevent.sleep, worker)
        self.sender = GeventSender(self.runner)
        caps = loaded.stations.terminals.astype("int64")
        self.dispatcher = Dispatcher(self.plan, caps, self.clock, self.sender,
                                     on_lag=lambda s: record_s(self.runner.recorder.lag, s))
        self.on_finished = on_finished
        self.finished = False
        self.greenlet: gevent.Greenlet[Any, Any] | None = None
        self.gc_thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        self.greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        try:
            if self.opts.webcam_rps > 0:
                self.runner.fetch_streams()
            self.gc_thresholds = calm_collector()
            self.dispatcher.run()
            while self.dispatcher.busy and not self.dispatcher.stopped:
                gevent.sleep(0.05)
        except gevent.GreenletExit:
            raise
        except Exception:
            log.exception("the replay failed")
            self.runner.recorder.counters["harness_errors"] += 1
        self._finish()

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            if self.gc_thresholds is not None:
                restore_collector(self.gc_thresholds)
                self.gc_thresholds = None
            self.on_finished(self)

    def stop(self) -> None:
        """Stop now: jobs not yet sent are dropped, requests in flight abandoned."""
        self.dispatcher.stop()
        if self.greenlet is not None and not self.greenlet.dead:
            self.greenlet.kill(block=False)
        abandoned = len(self.sender.group)
        self.sender.group.kill(block=False)
        self.runner.recorder.counters["abandoned_in_flight"] += abandoned
        self._finish()

    def counters(self) -> dict[str, int]:
        d, plan = self.dispatcher, self.plan
        station_jobs = sum(int((plan.kind == k).sum()) for k in STATION_KINDS)
        return {"scheduled_events": plan.scheduled_events, "fired_events": d.sent_events,
                "scheduled_jobs": len(plan), "fired_jobs": d.sent_jobs,
                "finished_jobs": d.finished_jobs,
                "public_scheduled": len(plan) - station_jobs}
