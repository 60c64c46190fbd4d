"""The README's main command: ``pollday run scenarios/azerbaijan-2024.toml``, timed.

Run: ``python -m benchmarks.bench_run``

Runs, as a user would (subprocesses, each in a fresh temporary run folder):

1. baseline: ``pollday simulate scenarios/azerbaijan-2024.toml`` (the national day alone);
2. ``pollday run scenarios/azerbaijan-2024.toml`` (simulate, register, reference service,
   Locust replay at the scenario's compression and station share, audit, closed loop).

Prints both wall times, peak memory of each process tree, the run's exit code and verdict,
and the ratio run / simulate. Target: the whole run within 10 minutes on this 2-core machine.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.proc_tree import run_measured
from benchmarks.support import simulate_measured

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
TARGET_S = 600.0


def main() -> None:
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        pollday = [sys.executable, "-m", "pollday"]
        sim_s, sim_peak = simulate_measured(f"{tmp}/sim")
        run_s, run_peak, run_code = run_measured(
            [*pollday, "run", str(AZERBAIJAN), "--out", f"{tmp}/run", "--quiet"])
        summary = json.loads(Path(tmp, "run", "summary.json").read_text())
    print(json.dumps({
        "simulate_wall_s": round(sim_s, 1),
        "simulate_peak_rss_mib": round(sim_peak / 2**20),
        "run_wall_s": round(run_s, 1),
        "run_peak_rss_mib": round(run_peak / 2**20),
        "run_exit_code": run_code,
        "verdict": summary["verdict"],
        "acknowledged_checkins": summary["audit"]["acknowledged_checkins"],
        "lost_checkins": summary["audit"]["lost_checkins"],
        "ratio_run_to_simulate": round(run_s / sim_s, 1),
        "target_s": TARGET_S,
        "ratio_target_to_run": round(TARGET_S / run_s, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
