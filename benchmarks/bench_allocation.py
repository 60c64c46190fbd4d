"""Allocating Azerbaijan's terminals: wall time, peak memory, station-days simulated.

Run: ``python -m benchmarks.bench_allocation [--fresh-days N]``

Runs ``pollday allocate scenarios/azerbaijan-2024.toml --budget terminal=12882 --workers 2``
as a user would (a subprocess) and, as the baseline measured in the same run, a plain
national simulation (``pollday simulate``, one day per station, no schedule): the
allocation's cost reads as "so many national days", a ratio that a busy machine slows
down much less than the wall time. The issue's target is 3 minutes on a quiet 2-core
machine, where a national day takes about 30 s (docs/sizing.md): a ratio of about 6.
It also prints the answer's figures (voters over the limit or lost, today / proportional /
recommended, on the curves' days and on fresh days).
"""

from __future__ import annotations

import argparse
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
TERMINALS_TODAY = 12_882
TARGET_S = 180.0


def _figures(days: dict[str, dict[str, float]]) -> dict[str, object]:
    return {a: {k: days[a][k] for k in ("voters_over_per_day", "waited_over_per_day",
                                        "lost_per_day", "worst_p95_min",
                                        "equity_mad_wait_min", "stations_meeting_standard")}
            for a in ("today", "proportional", "recommended")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fresh-days", type=int, default=1,
                        help="pollday allocate --fresh-days (default 1, as the command)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        base_wall, _ = simulate_measured(f"{tmp}/sim", "--workers", "2", "--no-schedule",
                                         "--no-queue-curves")
        wall_s, peak, code = run_measured([
            sys.executable, "-m", "pollday", "allocate", str(AZERBAIJAN), "--budget",
            f"terminal={TERMINALS_TODAY}", "--out", f"{tmp}/alloc", "--workers", "2",
            "--fresh-days", str(args.fresh_days), "--quiet"])
        if code:
            raise SystemExit(f"pollday allocate failed ({code})")
        summary = json.loads(Path(tmp, "alloc", "allocation.json").read_text())
    pool = summary["pools"][0]
    print(json.dumps({
        "allocation_wall_s": round(wall_s, 1),
        "allocation_peak_rss_mib": round(peak / 2**20),
        "national_simulation_wall_s": round(base_wall, 1),
        "ratio_allocation_to_national_day": round(wall_s / base_wall, 2),
        "target": f"{TARGET_S:.0f} s on a quiet machine (about 6 national days there)",
        "station_days_simulated": summary["station_days_simulated"],
        "curves": pool["curves"],
        "replications": summary["replications"],
        "fresh_days": args.fresh_days,
        "curve_days": _figures(pool),
        "fresh": _figures(pool["fresh"]) if pool.get("fresh") else None,
        "units_moved": pool["units_moved"],
        "smallest_budget_meeting_standard": pool["smallest_budget_meeting_standard"],
        "verdict": pool["verdict"],
    }, indent=2))


if __name__ == "__main__":
    main()
