"""``pollday capacity`` of the reference service against the Azerbaijan day, three times.

Run: ``python -m benchmarks.bench_capacity [--runs 3] [--level-s 15] [--workers 0]
[--database sqlite|postgres]``

Runs, as a user would (subprocesses, each in a fresh temporary folder):

1. baseline: ``pollday simulate scenarios/azerbaijan-2024.toml`` (the national day alone);
2. ``pollday capacity scenarios/azerbaijan-2024.toml --precision 0.05`` against the embedded
   reference service (SQLite), ``--runs`` times.

Prints each run's wall time, its answer (capacity as a multiple of the national check-in
peak, its bracket, or generator-bound), the agreement of the runs (highest / lowest
capacity) and the ratio of each run's wall time to the simulation's. Targets (issue 10):
at most 10 minutes per search, runs within 10 % of each other. PostgreSQL is not measured
here (the embedded target is SQLite; a PostgreSQL service needs ``--host``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.proc_tree import run_measured

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
TARGET_S = 600.0
AGREEMENT = 1.10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--level-s", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--start-multiple", type=float, default=1.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} "
          "(shared with other work: figures are as measured under that load)", flush=True)
    pollday = [sys.executable, "-m", "pollday"]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        sim_s, _, code = run_measured(
            [*pollday, "simulate", str(AZERBAIJAN), "--out", f"{tmp}/sim", "--quiet"])
        if code:
            raise SystemExit(f"pollday simulate failed ({code})")
        for k in range(args.runs):
            out = Path(tmp, f"capacity-{k}")
            wall_s, peak, code = run_measured([
                *pollday, "capacity", str(AZERBAIJAN), "--out", str(out), "--quiet",
                "--precision", "0.05", "--level-s", f"{args.level_s:g}",
                "--start-multiple", f"{args.start_multiple:g}",
                "--workers", str(args.workers)])
            doc = json.loads((out / "capacity.json").read_text())
            runs.append({
                "wall_s": round(wall_s, 1), "peak_rss_mib": round(peak / 2**20),
                "exit_code": code, "headline": doc["headline"],
                "outcome": doc["capacity"]["outcome"],
                "multiple": doc["capacity"]["multiple"],
                "bracket": doc["capacity"]["bracket"],
                "levels": len(doc["levels"]),
                "ratio_to_simulate": round(wall_s / sim_s, 1),
                "load_average": round(os.getloadavg()[0], 2),
            })
            print(json.dumps(runs[-1]), flush=True)
    found = [r["multiple"] for r in runs if r["outcome"] == "bracketed" and r["multiple"]]
    print(json.dumps({
        "simulate_wall_s": round(sim_s, 1),
        "national_peak_checkins_per_min": doc["national_peak"]["checkins_per_min"],
        "runs": len(runs),
        "bracketed_runs": len(found),
        "agreement_max_over_min": round(max(found) / min(found), 3) if found else None,
        "agreement_target": AGREEMENT,
        "slowest_run_s": max(r["wall_s"] for r in runs),
        "target_s": TARGET_S,
    }, indent=2))


if __name__ == "__main__":
    main()
