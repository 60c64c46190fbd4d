"""``pollday capacity`` of the reference service against the Azerbaijan day, three times.

Run (the figures quoted in docs/capacity.md were taken this way, one benchmark at a time)::

    flock /work/wt/bench.lock nice -n -15 .venv/bin/python -m benchmarks.bench_capacity \\
        [--runs 3] [--database sqlite|postgresql] [--target-cpus 0 --generator-cpus 1] \\
        [--level-s 10] [--start-multiple 4] [--precision 0.05] [--workers 0]

Runs, as a user would (subprocesses, each in a fresh temporary folder):

1. baseline: ``pollday simulate scenarios/azerbaijan-2024.toml`` (the national day alone);
2. ``pollday capacity scenarios/azerbaijan-2024.toml --precision P --target-cpus T
   --generator-cpus G`` against the embedded reference service, ``--runs`` times in a row.
   ``--database postgresql`` starts a throwaway PostgreSQL cluster on the target's CPUs
   (``tests/support/pgcluster.py``) and passes it as ``--database-url``: each level gets a fresh
   database there.

Prints each run's wall time, its answer (capacity as a multiple of the national check-in
peak, its bracket, the first threshold to break, or generator-bound), the check-ins per
second the capacity stands for, the load average before and after the run and this
process's nice value (inherited by every process of the search), then the agreement of the
runs (highest / lowest capacity) and each run's wall time over the simulation's. Targets
(issue 10): at most 10 minutes per search, runs within 10 % of each other.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.proc_tree import run_measured
from benchmarks.support import postgres_cluster, simulate_measured
from pollday.capacity.cpus import available_cpus, parse_cpus, pinned
from pollday.harness.failure import RunFailure

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
TARGET_S = 600.0
AGREEMENT = 1.10


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--level-s", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--start-multiple", type=float, default=4.0)
    parser.add_argument("--precision", type=float, default=0.05)
    parser.add_argument("--target-cpus", default="0",
                        help="CPUs of the service (and its database server); '' for none")
    parser.add_argument("--generator-cpus", default="1", help="CPUs of Locust; '' for none")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def _run_once(args: argparse.Namespace, out: Path, database_url: str | None,
              sim_s: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "pollday", "capacity", str(AZERBAIJAN), "--out", str(out),
           "--quiet", "--precision", f"{args.precision:g}", "--level-s", f"{args.level_s:g}",
           "--start-multiple", f"{args.start_multiple:g}", "--load-workers", str(args.workers)]
    if args.target_cpus:
        cmd += ["--target-cpus", args.target_cpus]
    if args.generator_cpus:
        cmd += ["--generator-cpus", args.generator_cpus]
    if database_url:
        cmd += ["--database-url", database_url]
    load_before = os.getloadavg()[0]
    wall_s, peak, code = run_measured(cmd)
    doc = json.loads((out / "capacity.json").read_text())
    capacity = doc["capacity"]
    per_min = doc.get("national_peak", {}).get("checkins_per_min")
    held = capacity["multiple"]
    return {
        "wall_s": round(wall_s, 1), "peak_rss_mib": round(peak / 2**20),
        "exit_code": code, "headline": doc["headline"], "outcome": capacity["outcome"],
        "multiple": held, "bracket": capacity["bracket"],
        "first_to_break": capacity["first_to_break"],
        "generator_bound_at": capacity["generator_bound_at"],
        "checkins_per_s_at_capacity": round(held * per_min / 60) if held and per_min else None,
        "not_measured_at": capacity.get("not_measured_at"),
        # (multiple, verdict, lag p99, check-in p95, passes, why not measured); a level not
        # run (not measurable at its multiple) has no generator or endpoint figures.
        "levels": [(lvl["multiple"], lvl["verdict"], lvl["generator"].get("lag_p99_ms"),
                    lvl["endpoints"].get("checkin", {}).get("p95_ms"), lvl.get("passes"),
                    lvl.get("not_measured"))
                   for lvl in doc["levels"]],
        "national_peak_checkins_per_min": per_min,
        "ratio_to_simulate": round(wall_s / sim_s, 1),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "settings": doc["settings"],
    }


def _summary(runs: list[dict[str, Any]], sim_s: float, args: argparse.Namespace
             ) -> dict[str, Any]:
    found = [r["multiple"] for r in runs if r["outcome"] == "bracketed" and r["multiple"]]
    return {
        "database": args.database,
        "target_cpus": args.target_cpus, "generator_cpus": args.generator_cpus,
        "nice": os.nice(0),
        "simulate_wall_s": round(sim_s, 1),
        "national_peak_checkins_per_min": runs[-1]["national_peak_checkins_per_min"],
        "runs": len(runs),
        "bracketed_runs": len(found),
        "multiples": [r["multiple"] for r in runs],
        "agreement_max_over_min": round(max(found) / min(found), 3) if found else None,
        "agreement_target": AGREEMENT,
        "slowest_run_s": max(r["wall_s"] for r in runs),
        "target_s": TARGET_S,
    }


def main() -> None:
    args = _arguments()
    try:
        available = available_cpus()
        target = parse_cpus(args.target_cpus, "--target-cpus", available) \
            if args.target_cpus else None
    except RunFailure as error:
        raise SystemExit(str(error)) from None
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; nice "
          f"{os.nice(0)}; database {args.database}; target CPUs {args.target_cpus or '-'}, "
          f"generator CPUs {args.generator_cpus or '-'}", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        sim_s, _ = simulate_measured(f"{tmp}/sim")
        database_url = None
        if args.database == "postgresql":
            with pinned(target):  # the postmaster and its backends inherit the target's CPUs
                cluster = stack.enter_context(postgres_cluster())
            if cluster is None:  # a capacity on SQLite would answer another question
                raise SystemExit("postgresql: no initdb/pg_ctl (apt-get install postgresql)")
            database_url = cluster.url()
        for k in range(args.runs):
            runs.append(_run_once(args, Path(tmp, f"capacity-{k}"), database_url, sim_s))
            print(json.dumps(runs[-1]), flush=True)
    summary = _summary(runs, sim_s, args)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
