"""Sizing the whole Azerbaijan scenario: wall time and station-days simulated.

Run: ``python -m benchmarks.bench_sizing [--sensitivity]``

Runs ``pollday size scenarios/azerbaijan-2024.toml --resources terminals,booths --workers 2``
as a user would (a subprocess), and reports the wall time, the peak memory of the process
tree and the station-days the search simulated. As a baseline measured in the same run, it
also times a plain national simulation (``pollday simulate``, one day per station), so the
sizing cost reads as "so many national days".
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sensitivity", action="store_true",
                        help="include the four what-if re-sizings")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        base_wall, _, code = run_measured([
            sys.executable, "-m", "pollday", "simulate", str(AZERBAIJAN), "--out",
            f"{tmp}/sim", "--workers", "2", "--quiet"])
        if code:
            raise SystemExit(f"pollday simulate failed ({code})")
        cmd = [sys.executable, "-m", "pollday", "size", str(AZERBAIJAN), "--out", f"{tmp}/size",
               "--resources", "terminals,booths", "--workers", "2", "--quiet"]
        if not args.sensitivity:
            cmd.append("--no-sensitivity")
        wall_s, peak, code = run_measured(cmd)
        if code:
            raise SystemExit(f"pollday size failed ({code})")
        sizing = json.loads(Path(tmp, "size", "sizing.json").read_text())
    print(json.dumps({
        "sizing_wall_s": round(wall_s, 1),
        "sizing_peak_rss_mib": round(peak / 2**20),
        "station_days_simulated": sizing["station_days_simulated"],
        "bands": sizing["bands"],
        "replications": sizing["replications"],
        "sensitivity": args.sensitivity,
        "national_simulation_wall_s": round(base_wall, 1),
        "ratio_sizing_to_national_day": round(wall_s / base_wall, 1),
        "terminals": sizing["totals"]["terminals"],
        "booths": sizing["totals"]["booths"],
    }, indent=2))


if __name__ == "__main__":
    main()
