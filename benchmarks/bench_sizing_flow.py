"""Sizing a flow scenario of Azerbaijan's size against sizing the default flow, same process.

Run: ``python -m benchmarks.bench_sizing_flow [--replications 5] [--workers 2]``

The baseline is Azerbaijan as shipped (the default flow: terminal -> desk -> booth). The
case is the same election written as a ``[[flow]]``: the same three stages over pools named
``terminal``, ``desk`` and ``booth``, with each group's counts in ``pools`` — the same model
through the code path every flow takes (pools by name, the first guess from a drawn day's
hold times). Both run the band search of ``pollday size`` (``size_stations``) with the same
request on the same worker pool, alternately, and the ratio of the medians is printed. The
aim (issue 22): the flow at most 2x the default flow.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"


def as_flow(scenario: object) -> object:
    """The default flow written out as a ``[[flow]]`` with per-group pools."""
    from simulation.scenario.model import Scenario, Stage

    assert isinstance(scenario, Scenario)
    voting = scenario.voting
    flow = [
        Stage(name="identify", pool="terminal", kind="identification", reneging=True),
        Stage(name="desk", pool="desk", time_s=voting.ballot_time_s),
        Stage(name="booth", pool="booth", time_s=voting.booth_time_s),
    ]
    groups = [g.model_copy(update={"pools": {"terminal": g.terminals, "desk": g.desks,
                                             "booth": g.booths}})
              for g in scenario.station_groups]
    data = scenario.model_dump(mode="python")
    data.update(flow=[s.model_dump(mode="python") for s in flow],
                station_groups=[g.model_dump(mode="python") for g in groups])
    return Scenario.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=2, help="alternating timed pairs")
    args = parser.parse_args()

    from simulation import load_scenario
    from simulation.execution.task_pool import task_pool
    from simulation.sizing.search import SizingRequest, size_stations

    base = load_scenario(AZERBAIJAN)
    flow = as_flow(base)
    request = SizingRequest(replications=args.replications)
    times: dict[str, list[float]] = {"default flow": [], "[[flow]]": []}
    days: dict[str, int] = {}
    with task_pool(args.workers, None) as pool:
        for _ in range(args.pairs):
            for name, scenario in (("default flow", base), ("[[flow]]", flow)):
                started = time.perf_counter()
                answers = size_stations(scenario, request, pool=pool)  # type: ignore[arg-type]
                times[name].append(time.perf_counter() - started)
                days[name] = sum(a.station_days for a in answers)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:>13}: median {medians[name]:.1f} s over {len(t)} runs "
              f"({', '.join(f'{x:.1f}' for x in t)}), {days[name]:,} station-days")
    ratio = medians["[[flow]]"] / medians["default flow"]
    print(f"ratio [[flow]] / default flow: {ratio:.2f}x (aim: at most 2x)")


if __name__ == "__main__":
    main()
