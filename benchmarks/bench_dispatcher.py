"""How fast can the open-model dispatcher replay a schedule, next to plain Locust?

    .venv/bin/python benchmarks/bench_dispatcher.py [--duration-s 5] [--max-rate 6000]

Both sides hit the same trivial endpoint (a raw asyncio HTTP/1.1 server in its own process,
loopback only) through the same client (Locust's FastHttpSession):

* **baseline**: plain Locust ``FastHttpUser`` s paced with ``constant_throughput`` (10
  requests/s each, as many users as the target rate needs). A rate is *sustained* when the
  achieved request rate is at least 95 % of the target (no timing rule: the generous reading).
  For information, the highest rate at which its pacing lag p99 (how late each task starts
  against its ``constant_throughput`` pace) also stays within 10 ms is printed as well.
* **dispatcher**: pollday's replay path (``Dispatcher`` + ``JobRunner`` with HdrHistogram
  recording) over a Poisson schedule of ``GET`` jobs at the target rate. A rate is *sustained*
  when the generator's lag p99 is at most 10 ms and at least 95 % of the jobs were answered
  within the trial.

Both sides climb the same ladder of rates (x1.3 per step), alternating trials so that they
share the machine's load; a side stops at its first rate that fails three trials in a row,
then one bisection step refines its figure. The figure is the highest sustained rate, and
the ratio dispatcher / baseline is printed (target: at least 0.8). Every trial is a fresh
subprocess (gevent patches the process), runs for ``--duration-s`` seconds and is bounded in
requests by ``--max-rate``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LAG_P99_LIMIT_MS = 10.0
ACHIEVED_SHARE = 0.95
PER_USER_RPS = 10.0
ATTEMPTS = 3  # a rate fails only if it fails this many trials in a row (shared cores)


# -- the trivial endpoint -------------------------------------------------------------------
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"Connection: keep-alive\r\n\r\n{}")


class _Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # GETs only: no bodies
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(RESPONSE)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Http, "127.0.0.1", 0, backlog=2048)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


# -- trials (each in its own process) -------------------------------------------------------
def trial_baseline(host: str, rate: float, duration_s: float) -> dict[str, Any]:
    import gevent
    import numpy as np
    from locust import FastHttpUser, constant_throughput, task
    from locust.env import Environment

    period_s = 1.0 / PER_USER_RPS
    lateness_s: list[float] = []

    class Plain(FastHttpUser):
        wait_time = constant_throughput(PER_USER_RPS)
        concurrency = 1

        def on_start(self) -> None:
            self.intended = time.monotonic()

        @task
        def get(self) -> None:
            # How late this task starts against its pacing (for a like-for-like lag figure).
            now = time.monotonic()
            late = now - self.intended
            lateness_s.append(max(0.0, late))
            self.intended = self.intended + period_s if late < period_s else now + period_s
            self.client.get("/v1/results")

    users = max(1, round(rate / PER_USER_RPS))
    env = Environment(user_classes=[Plain], host=host)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(1.5)  # spawned, pacing settled
    before, t0, cpu0 = env.stats.total.num_requests, time.monotonic(), time.process_time()
    first = len(lateness_s)
    gevent.sleep(duration_s)
    done, elapsed = env.stats.total.num_requests - before, time.monotonic() - t0
    cpu_us = (time.process_time() - cpu0) / max(1, done) * 1e6
    failures = env.stats.total.num_failures
    runner.quit()
    achieved = done / elapsed
    lag = np.array(lateness_s[first:] or [0.0]) * 1000
    return {"rate": rate, "achieved_rps": round(achieved, 1), "failures": failures,
            "cpu_us_per_request": round(cpu_us),
            "pacing_lag_p99_ms": round(float(np.percentile(lag, 99)), 3),
            "sustained": achieved >= ACHIEVED_SHARE * rate and failures == 0}


def trial_dispatcher(host: str, rate: float, duration_s: float) -> dict[str, Any]:
    import gevent
    import numpy as np
    from locust.env import Environment

    from loadtests.adapter import Adapter, AdapterContext
    from loadtests.dispatcher import Dispatcher
    from loadtests.latency import quantile_ms, record_s
    from loadtests.options import from_namespace
    from loadtests.plan import JobKind, build_jobs, with_public
    from loadtests.replay import JobRunner, load
    from loadtests.replay.sender import GeventClock, GeventSender, calm_collector, http_transport
    from simulation import SCHEDULE_DTYPE

    smoke = REPO / "scenarios" / "smoke.toml"
    opts = from_namespace(argparse.Namespace(scenario=str(smoke), secret="bench",
                                             results_rps=0, webcam_rps=0))
    loaded = load(smoke, None)
    rng = np.random.default_rng(7)
    times = np.sort(rng.uniform(0, duration_s, rng.poisson(rate * duration_s)))
    plan = with_public(build_jobs(np.empty(0, SCHEDULE_DTYPE), 1.0), times, JobKind.RESULTS)
    env = Environment(host=host)
    env.create_local_runner()
    clock = GeventClock(time.monotonic() + 0.5)
    transport = http_transport(env, host, timeout_s=10, connections=400)
    runner = JobRunner(loaded, plan, opts, Adapter(AdapterContext(loaded.scenario, "bench")),
                       transport, clock.now, gevent.sleep)
    dispatcher = Dispatcher(plan, np.ones(1, dtype=np.int64), clock, GeventSender(runner),
                            on_lag=lambda s: record_s(runner.recorder.lag, s))
    calm_collector()  # as the locustfile's Driver does before its replay
    gevent.sleep(max(0.0, -clock.now()))
    cpu0 = time.process_time()
    dispatcher.run()
    end = clock.now()
    while dispatcher.busy and clock.now() < end + 5:
        gevent.sleep(0.01)
    answered = runner.recorder.endpoints["GET /v1/results"].requests
    cpu_us = (time.process_time() - cpu0) / max(1, answered) * 1e6
    lag_p99 = quantile_ms(runner.recorder.lag, 99) or 0.0
    return {"rate": rate, "jobs": len(plan), "answered": answered,
            "lag_p99_ms": lag_p99, "lag_p50_ms": quantile_ms(runner.recorder.lag, 50),
            "cpu_us_per_request": round(cpu_us),
            "sustained": lag_p99 <= LAG_P99_LIMIT_MS
            and answered >= ACHIEVED_SHARE * len(plan)}


def run_trial(mode: str, host: str, rate: float, duration_s: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--trial", mode, "--host", host, "--rate", str(rate),
         "--duration-s", str(duration_s)],
        capture_output=True, text=True, timeout=duration_s + 60,
        env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} trial at {rate}/s failed:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {mode:10s} {rate:7.0f}/s -> {json.dumps(result)}", flush=True)
    return result


def sustained(mode: str, host: str, rate: float, duration_s: float) -> list[dict[str, Any]]:
    """Trials at ``rate`` until one is sustained (at most ATTEMPTS): other jobs share these
    cores, and a burst of theirs can fail one trial."""
    trials: list[dict[str, Any]] = []
    for _ in range(ATTEMPTS):
        trials.append(run_trial(mode, host, rate, duration_s))
        if trials[-1]["sustained"]:
            break
    return trials


def ladder(host: str, start: float, max_rate: float, step: float,
           duration_s: float) -> dict[str, float]:
    """Both modes climb the same rates, trial after trial, so they share the machine's mood;
    a mode drops out at its first rate that fails ATTEMPTS trials in a row, then one
    bisection step between its last sustained and its failed rate refines its figure."""
    best = {"baseline": 0.0, "dispatcher": 0.0, "baseline_lag_limited": 0.0}
    failed: dict[str, float] = {}
    climbing = ["baseline", "dispatcher"]
    rate = start
    while climbing and rate <= max_rate:
        for mode in list(climbing):
            trials = sustained(mode, host, rate, duration_s)
            if trials[-1]["sustained"]:
                best[mode] = rate
                if mode == "baseline" and min(
                        t["pacing_lag_p99_ms"] for t in trials) <= LAG_P99_LIMIT_MS:
                    best["baseline_lag_limited"] = rate
            else:
                climbing.remove(mode)
                failed[mode] = rate
        rate = round(rate * step)
    for mode, bad in failed.items():
        if best[mode] > 0:
            mid = round((best[mode] + bad) / 2)
            if sustained(mode, host, mid, duration_s)[-1]["sustained"]:
                best[mode] = mid
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration-s", type=float, default=5.0)
    parser.add_argument("--start-rate", type=float, default=300.0)
    parser.add_argument("--max-rate", type=float, default=6000.0)
    parser.add_argument("--step", type=float, default=1.3, help="rate ladder factor")
    parser.add_argument("--trial", choices=["baseline", "dispatcher"], help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return 0
    if args.trial:
        trial = trial_baseline if args.trial == "baseline" else trial_dispatcher
        print(json.dumps(trial(args.host, args.rate, args.duration_s)))
        return 0
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        host = server.stdout.readline().strip()
        print(f"trivial endpoint at {host}; {os.cpu_count()} cores", flush=True)
        best = ladder(host, args.start_rate, args.max_rate, args.step, args.duration_s)
        base, disp = best["baseline"], best["dispatcher"]
    finally:
        server.terminate()
        server.wait(10)
    ratio = disp / base if base else float("nan")
    lag_base = best["baseline_lag_limited"]
    print(json.dumps({"baseline_rps": base, "dispatcher_rps": disp, "ratio": round(ratio, 3),
                      "target_ratio": 0.8, "lag_p99_limit_ms": LAG_P99_LIMIT_MS,
                      "baseline_pacing_lag_limited_rps": lag_base,
                      "ratio_same_lag_rule": round(disp / lag_base, 3) if lag_base else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
