"""Synthetic voter register: the national register against one Faker call per voter.

Run: ``python -m benchmarks.bench_register``

1. Baseline, in this process: the obvious register writer (a Faker call for each voter's
   first name, last name and birth date, one ``json.dumps`` per line) on a sample of
   voters, as voters per second.
2. ``pollday register scenarios/azerbaijan-2024.toml --out FILE`` as a user runs it (a
   subprocess, 2 worker processes): wall time and peak memory of the process tree, voters
   per second, and the ratio to the baseline. Target: the full register in at most 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from faker import Faker

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.proc_tree import run_measured

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
TARGET_S = 60.0


def faker_per_voter(voters: int, out: Path, seed: int = 1) -> float:
    """One Faker call per field per voter; returns voters per second."""
    fake = Faker("az_AZ")
    fake.seed_instance(seed)
    start = time.perf_counter()
    with out.open("w") as f:
        for k in range(voters):
            line = {"kind": "voter", "voter_id": f"{k:012d}", "first_name": fake.first_name(),
                    "last_name": fake.last_name(),
                    "birth_date": fake.date_of_birth(minimum_age=18).isoformat()}
            f.write(json.dumps(line) + "\n")
    return voters / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-voters", type=int, default=50_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        baseline_per_s = faker_per_voter(args.baseline_voters, Path(tmp, "baseline.ndjson"))
        out = Path(tmp, "register.ndjson")
        cmd = [sys.executable, "-m", "pollday", "register", str(AZERBAIJAN), "--out", str(out)]
        wall_s, peak, code = run_measured(cmd)
        if code:
            raise SystemExit(f"pollday register failed ({code})")
        with out.open() as f:
            voters = sum(1 for line in f if line.startswith('{"kind":"voter"'))
        size_mb = out.stat().st_size / 1e6
    per_s = voters / wall_s
    print(json.dumps({
        "baseline_faker_per_voter_voters_per_s": round(baseline_per_s),
        "baseline_extrapolated_national_s": round(voters / baseline_per_s),
        "register_voters": voters,
        "register_wall_s": round(wall_s, 1),
        "register_peak_rss_mib": round(peak / 2**20),
        "register_mb": round(size_mb),
        "register_voters_per_s": round(per_s),
        "ratio_register_to_baseline": round(per_s / baseline_per_s, 1),
        "target_s": TARGET_S,
        "ratio_target_to_wall": round(TARGET_S / wall_s, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
