"""Write a voters CSV for a scenario: ids in the plain service's own format.

    python examples/plain_service/make_voters.py scenarios/smoke.toml voters.csv [--spare 0.1]

A real service already holds its voters; this stands in for its export. Each station gets
the voters the scenario registers there (and a share more, ``--spare``), with ids that look
nothing like pollday's (``AZ-`` and 9 digits, drawn from a seeded generator).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from simulation import build_stations, load_scenario, station_code

ID_STREAM = 0x5EED


def write_voters(scenario_path: Path, out: Path, spare: float = 0.0) -> int:
    """Write the CSV; returns the number of voters written."""
    scenario = load_scenario(scenario_path)
    registered = build_stations(scenario).registered
    total = int(sum(int(n * (1 + spare)) for n in registered.tolist()))
    rng = np.random.default_rng([ID_STREAM, scenario.election.seed])
    numbers = rng.choice(10**9, size=total, replace=False)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["station_id", "voter_id"])
        k = 0
        for s, n in enumerate(registered.tolist()):
            for _ in range(int(n * (1 + spare))):
                writer.writerow([station_code(s), f"AZ-{int(numbers[k]):09d}"])
                k += 1
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--spare", type=float, default=0.0,
                        help="extra ids per station, as a share of its register (default 0)")
    args = parser.parse_args(argv)
    if not 0 <= args.spare <= 10:
        parser.error("--spare must be in [0, 10]")
    n = write_voters(args.scenario, args.out, args.spare)
    sys.stderr.write(f"wrote {n} voters to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
