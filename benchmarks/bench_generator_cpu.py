"""The load generator's CPU per check-in, and how many generator processes a peak needs.

Run: ``python -m benchmarks.bench_generator_cpu [--scale 10] [--compress 1000] [--peaks]``

1. **Generator CPU.** Simulates ``scenarios/smoke.toml`` with every station group ``--scale``
   times larger (the same day, more stations), starts the reference service on a fresh SQLite
   database, and replays the day with one Locust process (``pollday.harness.LocustRun``, as
   ``pollday run`` starts it) at ``--compress``. A sampler reads the CPU time (user + system)
   of the Locust process and of the service's process tree every 0.2 s. The replay phase runs
   from the first request Locust reports (its stats history, one row a second) to
   ``loadtest.json`` written (final reports and ledger included): its CPU over the events
   fired is the generator's CPU per check-in event; the service's CPU over the same phase is
   the baseline measured in the same run (the ratio reads the same on a busier machine).
   The whole process's CPU (start-up: imports, schedule, plan) is printed too. A figure, not a
   timed assertion.
2. **Peaks** (``--peaks``): the national check-in peak (busiest hour, per second;
   ``pollday.run.peaks``) of ``scenarios/azerbaijan-2024.toml`` (simulated whole) and of
   ``scenarios/scale-1m.toml`` (its two station groups divided by ``--scale-1m-divisor``,
   simulated, the peak multiplied back: stations are independent and alike within a group,
   so the national per-minute count is a sum of that many alike stations), and the generator
   processes (``pollday.harness.generators.workers_needed``) for 10x Azerbaijan's peak and for
   scale-1m's, at the CPU per check-in measured in part 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

import simulation
from benchmarks.support import running_service
from loadtests.register.files import write_register
from pollday.harness.generators import USABLE_CORE_SHARE, workers_needed
from pollday.harness.locust_process import LocustRun, live_stats
from pollday.run.peaks import national_peak, station_weights
from simulation.outputs.schedule import save as save_schedule

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "scenarios" / "smoke.toml"
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
SCALE_1M = ROOT / "scenarios" / "scale-1m.toml"
SECRET = "bench-secret"
SAMPLE_S = 0.2


def scaled_scenario(source: Path, out: Path, *, multiply: int = 1, divide: int = 1) -> Path:
    """``source`` with every ``count = N`` of its station groups times ``multiply`` and
    divided by ``divide`` (exactly: a count that does not divide is refused)."""
    def scale(match: re.Match[str]) -> str:
        count = int(match.group(2)) * multiply
        if count % divide:
            raise SystemExit(f"{source.name}: count {match.group(2)} is not divisible by {divide}")
        return f"{match.group(1)}{count // divide}"

    text = re.sub(r"(?m)^(count\s*=\s*)(\d+)", scale, source.read_text(encoding="utf-8"))
    out.write_text(text, encoding="utf-8")
    return out


def _cpu_s(proc: psutil.Process) -> float:
    """User + system CPU seconds of ``proc`` and its live descendants."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


class Sampler(threading.Thread):
    """CPU of the generator and the service, and Locust's request count, every 0.2 s."""

    def __init__(self, locust: psutil.Process, service: psutil.Process, history: Path) -> None:
        super().__init__(daemon=True)
        self.locust, self.service, self.history = locust, service, history
        self.samples: list[tuple[float, float, float, int]] = []  # t, gen cpu, svc cpu, reqs
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                gen = _cpu_s(self.locust)
            except psutil.Error:
                break
            requests, _, _ = live_stats(self.history)
            self.samples.append((time.monotonic(), gen, _cpu_s(self.service), requests))
            time.sleep(SAMPLE_S)


def generator_cpu(scale: int, compress: float, work: Path) -> dict[str, Any]:
    scenario_file = scaled_scenario(SMOKE, work / "scenario.toml", multiply=scale)
    scenario = simulation.load_scenario(scenario_file)
    sim = work / "sim"
    sim.mkdir()
    save_schedule(sim / "schedule.npy", simulation.simulate(scenario, workers=2).schedule)
    (sim / "scenario.toml").write_text(scenario_file.read_text())
    write_register(scenario, work / "register.ndjson", workers=2)
    out = work / "loadtest"
    out.mkdir()
    with running_service(f"sqlite:///{work / 'service.db'}", work / "register.ndjson",
                         SECRET) as (service, url):
        run = LocustRun(host=url, replay_dir=sim, out_dir=out, secret=SECRET,
                        compress=compress, station_share=1.0, results_rps=0.0, webcam_rps=0.0,
                        adapter="", workers=0, expected_s=0.0, timeout_s=3600.0)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "POLLDAY_SECRET": SECRET}
        started = time.monotonic()
        locust = subprocess.Popen(run.command(), env=env, stdout=subprocess.DEVNULL,
                                  stderr=(work / "locust.log").open("w"))
        sampler = Sampler(psutil.Process(locust.pid), psutil.Process(service.pid),
                          out / "locust_stats_history.csv")
        sampler.start()
        done_at = None
        while locust.poll() is None:
            if done_at is None and (out / "loadtest.json").is_file():
                done_at = time.monotonic()
            time.sleep(0.05)
        sampler.stop.set()
        sampler.join()
    if locust.returncode not in (0, 1):
        raise SystemExit(f"Locust failed ({locust.returncode}): see {work / 'locust.log'}")
    report = json.loads((out / "loadtest.json").read_text())
    gen = report["generator"]
    samples = sampler.samples
    first = next(s for s in samples if s[3] > 0)
    end_t = done_at if done_at is not None else samples[-1][0]
    last = [s for s in samples if s[0] <= end_t][-1]
    events = int(gen["fired_events"])
    replay_s = last[0] - first[0]
    return {
        "scenario": f"smoke x{scale}: {len(simulation.build_stations(scenario))} stations",
        "compress": compress,
        "events_fired": events,
        "replay_s": round(replay_s, 1),
        "mean_events_per_s": round(events / replay_s, 1),
        "generator_lag_p99_ms": gen["lag_p99_ms"],
        "generator_cpu_s": round(last[1] - first[1], 2),
        "generator_cpu_per_checkin_ms": round(1e3 * (last[1] - first[1]) / events, 4),
        "generator_cpu_whole_process_s": round(samples[-1][1], 2),
        "generator_wall_s": round(time.monotonic() - started, 1),
        "service_cpu_per_checkin_ms": round(1e3 * (last[2] - first[2]) / events, 4),
        "generator_over_service": round((last[1] - first[1]) / max(1e-9, last[2] - first[2]),
                                        3),
        "generator_checkins_per_core_s": round(events / (last[1] - first[1]), 0),
    }


def peak_per_s(scenario_file: Path, multiply_back: int) -> tuple[float, float]:
    """(national check-in peak per second, wall seconds to simulate)."""
    started = time.monotonic()
    result = simulation.simulate(simulation.load_scenario(scenario_file), workers=2)
    per_min, _ = national_peak(result.schedule, len(result.stations), station_weights(result))
    return per_min * multiply_back / 60.0, time.monotonic() - started


def peaks(cpu_per_checkin_s: float, divisor: int, work: Path) -> dict[str, Any]:
    azerbaijan, az_wall = peak_per_s(AZERBAIJAN, 1)
    reduced = scaled_scenario(SCALE_1M, work / "scale-1m-reduced.toml", divide=divisor)
    scale_1m, s1_wall = peak_per_s(reduced, divisor)
    out = {}
    for name, rate, wall in (("azerbaijan_x10", 10 * azerbaijan, az_wall),
                             ("scale_1m", scale_1m, s1_wall)):
        out[name] = {"peak_checkins_per_s": round(rate, 1), "simulated_in_s": round(wall, 1),
                     "generator_processes": workers_needed(rate, cpu_per_checkin_s)}
    out["azerbaijan_x10"]["azerbaijan_peak_checkins_per_s"] = round(azerbaijan, 2)
    out["scale_1m"]["simulated_stations_divided_by"] = divisor
    out["usable_core_share"] = USABLE_CORE_SHARE
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="smoke's stations times this")
    parser.add_argument("--compress", type=float, default=1000.0)
    parser.add_argument("--peaks", action="store_true", help="also the national peaks")
    parser.add_argument("--scale-1m-divisor", type=int, default=200)
    args = parser.parse_args()
    if not 1 <= args.scale <= 200 or not 1 <= args.compress <= 100_000:
        raise SystemExit("--scale must be 1 to 200 and --compress 1 to 100000")
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        figures: dict[str, Any] = {"generator": generator_cpu(args.scale, args.compress,
                                                              Path(tmp))}
        print(json.dumps(figures, indent=1), flush=True)
        if args.peaks:
            cpu_s = figures["generator"]["generator_cpu_per_checkin_ms"] / 1e3
            figures["peaks"] = peaks(cpu_s, args.scale_1m_divisor, Path(tmp))
            print(json.dumps(figures["peaks"], indent=1))


if __name__ == "__main__":
    main()
