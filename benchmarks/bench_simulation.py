"""Simulation speed: the full station model against an idiomatic SimPy M/M/c baseline.

Run: ``python -m benchmarks.bench_simulation [--national]``

1. Voters per second on one core, full model (Azerbaijan stations: arrivals, scans,
   online calls, desks, booths, failures, reneging, counting) against a one-stage M/M/c
   written the textbook SimPy way (a process per voter, ``simpy.Resource``), both run
   in this process, one after the other, reported as a ratio. The same for a configured
   flow (Brazil sections: board, then one urna held for identification and vote, voter
   groups, replacements).
2. With ``--national``: wall time and peak memory (whole process tree) of
   ``pollday simulate scenarios/azerbaijan-2024.toml --workers 2``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import simpy

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.support import simulate_measured
from simulation import build_stations, load_scenario
from simulation.national.runner import simulate_station
from simulation.station.plan import plan_station

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
BRAZIL = ROOT / "scenarios" / "brazil-2022.toml"


def idiomatic_mmc(voters: int, servers: int, *, rng: np.random.Generator) -> float:
    """Textbook SimPy M/M/c: one process per voter. Returns voters per second."""
    arrivals_per_s = 0.8 * servers / 25.0
    gaps = rng.exponential(1 / arrivals_per_s, voters)
    service = rng.exponential(25.0, voters)
    env = simpy.Environment()
    terminals = simpy.Resource(env, capacity=servers)
    waits: list[float] = []

    def voter(i: int) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        with terminals.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service[i])

    def source() -> Generator[simpy.Event, Any, None]:
        for i in range(voters):
            yield env.timeout(gaps[i])
            env.process(voter(i))

    env.process(source())
    started = time.perf_counter()
    env.run()
    return voters / (time.perf_counter() - started)


def full_model(stations: int, path: Path = AZERBAIJAN) -> tuple[float, int]:
    """Full model on the first ``stations`` stations of ``path``, one core. Voters/s."""
    scenario = load_scenario(path)
    table = build_stations(scenario)
    people = sum(plan_station(scenario, table, s).input.size for s in range(stations))
    started = time.perf_counter()
    for s in range(stations):
        simulate_station(scenario, table, s, replication=0, seed=scenario.election.seed)
    return people / (time.perf_counter() - started), people


def national(workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        wall_s, peak_bytes = simulate_measured(out, "--workers", str(workers))
        summary = json.loads((Path(out) / "summary.json").read_text())
    return {
        "workers": workers,
        "wall_s": round(wall_s, 1),
        "peak_rss_mib": round(peak_bytes / 2**20),
        "voters": summary["voted"],
        "arrivals": summary["arrived"],
        "voters_per_s": round(summary["arrived"] / wall_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--national", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(1)
    baseline = idiomatic_mmc(250_000, 2, rng=rng)
    full, people = full_model(args.stations)
    flow, flow_people = full_model(args.stations, BRAZIL)
    baseline_again = idiomatic_mmc(250_000, 2, rng=rng)  # bracket the full run: drift check
    base = (baseline + baseline_again) / 2
    result: dict[str, Any] = {
        "baseline_mmc_voters_per_s": round(base),
        "baseline_drift": round(abs(baseline - baseline_again) / base, 3),
        "full_model_voters_per_s": round(full),
        "full_model_people": people,
        "ratio_full_to_baseline": round(full / base, 2),
        "flow_model_voters_per_s": round(flow),
        "flow_model_people": flow_people,
        "ratio_flow_to_baseline": round(flow / base, 2),
    }
    if args.national:
        result["national"] = national(2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
