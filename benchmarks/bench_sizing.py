"""Sizing the whole Azerbaijan scenario: wall time and station-days simulated.

Run: ``python -m benchmarks.bench_sizing [--sensitivity] [--verify]``

With ``--verify``, every station's recommendation is re-simulated for one day with a fresh
seed, and the share of stations meeting the target is reported (it should be at least the
confidence, 0.95, give or take binomial noise).

Runs ``pollday size scenarios/azerbaijan-2024.toml --resources terminals,booths --workers 2``
as a user would (a subprocess), and reports the wall time, the peak memory of the process
tree and the station-days the search simulated. As a baseline measured in the same run, it
also times a plain national simulation (``pollday simulate``, one day per station), so the
sizing cost reads as "so many national days".
"""

from __future__ import annotations

import argparse
import csv
import json
import math
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


def verify(sizing_csv: Path, seed: int = 20_260_000) -> dict[str, float]:
    """One fresh day per station with its recommended hardware; share meeting the target."""
    from simulation import load_scenario
    from simulation.sizing.search import SizingRequest, recheck_stations
    from simulation.sizing.targets import parse_target
    from simulation.station.units import Hardware

    with sizing_csv.open() as f:
        rows = [
            (int(r["index"]), Hardware(int(r["terminals"]), int(r["desks"]), int(r["booths"])))
            for r in csv.DictReader(f)
        ]
    request = SizingRequest(
        targets=(parse_target("p95_wait_min <= 30"),),
        replications=1,
        resources=("terminals", "booths"),
    )
    met = recheck_stations(load_scenario(AZERBAIJAN), rows, request, seed=seed, workers=2)
    share = sum(met) / len(met)
    return {
        "stations_verified": len(met),
        "share_meeting_target_on_fresh_days": round(share, 4),
        "binomial_3_sigma": round(3 * math.sqrt(0.95 * 0.05 / len(met)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sensitivity", action="store_true", help="include the four what-if re-sizings"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="re-simulate every station's recommendation with a fresh seed",
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        base_wall, _ = simulate_measured(f"{tmp}/sim", "--workers", "2")
        cmd = [
            sys.executable,
            "-m",
            "pollday",
            "size",
            str(AZERBAIJAN),
            "--out",
            f"{tmp}/size",
            "--resources",
            "terminals,booths",
            "--workers",
            "2",
            "--quiet",
        ]
        if not args.sensitivity:
            cmd.append("--no-sensitivity")
        wall_s, peak, code = run_measured(cmd)
        if code:
            raise SystemExit(f"pollday size failed ({code})")
        sizing = json.loads(Path(tmp, "size", "sizing.json").read_text())
        checked = verify(Path(tmp, "size", "sizing.csv")) if args.verify else {}
    print(
        json.dumps(
            {
                **checked,
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
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
