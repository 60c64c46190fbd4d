"""Country scale: wall time, memory and output size of ``pollday simulate`` as the stations
multiply (issue 14), and the speed-up of a second worker.

Run: ``python benchmarks/bench_scale.py [FACTOR ...] [--scenario S] [--workers W]
[--json PATH] [--dask-speedup] [--workers-speedup] [--repeat N] [-- EXTRA SIMULATE ARGS]``

For each factor (default 1 10 50) the scenario (default scenarios/azerbaijan-2024.toml) is
copied with every ``count`` of its ``[[station_groups]]`` multiplied by the factor (the file
otherwise byte for byte the same, then validated), and ``pollday simulate SCALED --out TMP
--workers W --quiet EXTRA`` runs as a subprocess. Whatever follows ``--`` is passed through
unchanged (for example ``--no-schedule --no-queue-curves --chunk-stations 2000`` or
``--cluster tcp://host:8786``). Measured: wall time; peak RSS of the ``pollday`` process, the
largest peak of any single process below it (a pool or Dask worker) and the peak of the
sum over the whole process tree, sampled with psutil every 0.2 s; the output folder's size
and each file's size; the machine's load average at start and end. With ``--cluster
tcp://...`` the cluster's workers run elsewhere and are NOT in the measured tree.

``--dask-speedup``: factor 1 (or ``--speedup-factor``) with ``--cluster local:1`` and then
``--cluster local:2``, and the ratio of the wall times. ``--workers-speedup``: the same
with ``--workers 1`` and then ``--workers 2``. Both run instead of the factor sweep.
``--repeat N`` runs N such pairs, alternating which side goes first, and quotes the median
of the pairs' ratios (this machine's speed drifts by 10-20 % between runs minutes apart),
for the whole command and for the simulation alone (``summary.json``'s ``wall_s``, without
start-up and the report). Quote
a figure only from a run on a quiet machine (under the benchmark lock, at high priority),
with its load.
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

if __package__ in (None, ""):  # run as a file (python benchmarks/x.py): the repo on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
AZERBAIJAN = ROOT / "scenarios" / "azerbaijan-2024.toml"
SAMPLE_S = 0.2
_TABLE = re.compile(r"^\s*\[\[?\s*([\w.-]+)\s*\]\]?")  # [x] or [[x]] at the start of a line
_COUNT = re.compile(r"^(\s*count\s*=\s*)(\d[\d_]*)(.*)$")


def scale_scenario_text(text: str, factor: int) -> str:
    """``text`` with every ``count = N`` of a ``[[station_groups]]`` table multiplied by
    ``factor``; every other byte unchanged. Raises ValueError if a group's count is not
    on a ``count = N`` line of its own (the parsed result is checked against the intent)."""
    if factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor}")
    out, table = [], ""
    for line in text.splitlines(keepends=True):
        header = _TABLE.match(line)
        if header:
            table = header.group(1)
        body = line.rstrip("\r\n")
        found = _COUNT.match(body) if table == "station_groups" and factor != 1 else None
        if found:
            count = int(found.group(2).replace("_", ""))
            line = f"{found.group(1)}{count * factor}{found.group(3)}{line[len(body):]}"
        out.append(line)
    scaled = "".join(out)
    _check_scaled(tomllib.loads(text), tomllib.loads(scaled), factor)
    return scaled


def _check_scaled(before: dict[str, Any], after: dict[str, Any], factor: int) -> None:
    expected = json.loads(json.dumps(before, default=str))
    groups = expected.get("station_groups")
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and isinstance(group.get("count"), int):
            group["count"] *= factor
    if json.loads(json.dumps(after, default=str)) != expected:
        raise ValueError("could not scale every station group's count line by line "
                         "(is a count written inline or on a continued line?)")


@dataclass
class Measured:
    label: str
    exit_code: int = 0
    wall_s: float = 0.0
    parent_peak_rss_mib: float = 0.0
    worker_peak_rss_mib: float = 0.0  # the largest peak of any one process below the parent
    tree_peak_rss_mib: float = 0.0  # the peak of the sum over the whole tree
    processes_seen: int = 0
    output_bytes: int = 0
    files_bytes: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""


class _TreeSampler:
    """Peak RSS of a process, of any one of its descendants, and of their sum."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.parent_peak = self.tree_peak = 0
        self.child_peaks: dict[int, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        try:
            parent = self.root.memory_info().rss
            children = self.root.children(recursive=True)
        except psutil.Error:
            return  # the process ended between two samples
        total = parent
        for child in children:
            try:
                rss = child.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            self.child_peaks[child.pid] = max(self.child_peaks.get(child.pid, 0), rss)
        self.parent_peak = max(self.parent_peak, parent)
        self.tree_peak = max(self.tree_peak, total)

    def _loop(self) -> None:
        while not self._done.is_set():
            self._sample()
            time.sleep(SAMPLE_S)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _mib(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def _run(label: str, cmd: list[str], out: Path, log: Path) -> Measured:
    with log.open("w") as err:
        started = time.perf_counter()
        proc = psutil.Popen(cmd, stdout=err, stderr=err)
        sampler = _TreeSampler(proc.pid)
        code = proc.wait()
        wall_s = time.perf_counter() - started
        sampler.stop()
    files = sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []
    summary_file = out / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    return Measured(
        label=label, exit_code=code, wall_s=round(wall_s, 2),
        parent_peak_rss_mib=_mib(sampler.parent_peak),
        worker_peak_rss_mib=_mib(max(sampler.child_peaks.values(), default=0)),
        tree_peak_rss_mib=_mib(sampler.tree_peak), processes_seen=1 + len(sampler.child_peaks),
        output_bytes=sum(p.stat().st_size for p in files),
        files_bytes={str(p.relative_to(out)): p.stat().st_size for p in files},
        summary={k: summary[k] for k in ("stations", "registered", "arrived", "voted",
                                         "wall_s") if k in summary},
        stderr_tail="" if code == 0 else log.read_text()[-2000:],
    )


def measure(scenario: Path, factor: int, workers: int, extra: list[str], tmp: Path,
            label: str) -> Measured:
    """Scale ``scenario`` by ``factor``, validate it, simulate it in a subprocess."""
    scaled = tmp / f"{scenario.stem}-x{factor}.toml"
    scaled.write_text(scale_scenario_text(scenario.read_text(), factor))
    from simulation import load_scenario  # the same checks as `pollday validate`

    load_scenario(scaled)
    out = tmp / f"out-{label}"
    cmd = [sys.executable, "-m", "pollday", "simulate", str(scaled), "--out", str(out),
           "--workers", str(workers), "--quiet", *extra]
    return _run(label, cmd, out, tmp / f"{label}.log")


def _print_table(rows: list[Measured]) -> None:
    print(f"{'run':<22}{'exit':>5}{'wall s':>9}{'parent MiB':>12}{'worker MiB':>12}"
          f"{'tree MiB':>10}{'procs':>6}{'out MiB':>9}{'stations':>10}  voters")
    for r in rows:
        print(f"{r.label:<22}{r.exit_code:>5}{r.wall_s:>9.1f}{r.parent_peak_rss_mib:>12.1f}"
              f"{r.worker_peak_rss_mib:>12.1f}{r.tree_peak_rss_mib:>10.1f}"
              f"{r.processes_seen:>6}{_mib(r.output_bytes):>9.1f}"
              f"{r.summary.get('stations', '?'):>10}  {r.summary.get('voted', '?')}")
    for r in rows:
        print(f"{r.label} files (bytes): {r.files_bytes}")
        if r.exit_code:
            print(f"{r.label} FAILED (exit {r.exit_code}):\n{r.stderr_tail}")


def _split_extra(argv: list[str]) -> tuple[list[str], list[str]]:
    """(this script's arguments, the simulate arguments after ``--``)."""
    if "--" in argv:
        k = argv.index("--")
        return argv[:k], argv[k + 1:]
    return argv, []


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                usage="%(prog)s [options] [FACTOR ...] [-- SIMULATE ARGS]")
    p.add_argument("factors", nargs="*", type=int, default=[1, 10, 50])
    p.add_argument("--scenario", type=Path, default=AZERBAIJAN)
    p.add_argument("--workers", type=int, default=2, help="--workers of simulate")
    p.add_argument("--json", type=Path, help="write the figures here")
    mode = p.add_mutually_exclusive_group()
    p.add_argument("--speedup-factor", type=int, default=1,
                   help="the factor the speed-up modes run at (default 1)")
    mode.add_argument("--dask-speedup", action="store_true",
                      help="factor 1: --cluster local:1 against local:2")
    mode.add_argument("--workers-speedup", action="store_true",
                      help="factor 1: --workers 1 against --workers 2")
    p.add_argument("--repeat", type=int, default=1,
                   help="speed-up modes: this many pairs, alternating which runs first "
                   "(1 then 2, 2 then 1, ...); the median of the pairs' ratios is the figure")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


def _plan(args: argparse.Namespace, extra: list[str]) -> list[tuple[str, int, int, list[str]]]:
    """(label, factor, workers, simulate arguments) of each run, in order."""
    f = args.speedup_factor
    if not (args.dask_speedup or args.workers_speedup):
        return [(f"x{f}", f, args.workers, extra) for f in args.factors]
    plan = []
    for pair in range(args.repeat):
        # Alternating the order spreads a drift of the machine's speed over both sides.
        for n in ((1, 2) if pair % 2 == 0 else (2, 1)):
            suffix = f"-run{pair + 1}" if args.repeat > 1 else ""
            if args.dask_speedup:
                plan.append((f"dask-local-{n}{suffix}", f, args.workers,
                             [*extra, "--cluster", f"local:{n}"]))
            else:
                plan.append((f"workers-{n}{suffix}", f, n, extra))
    return plan


def _workers_of(label: str) -> int:
    """1 or 2: the side of a speed-up pair a run label (``dask-local-2-run3``) is."""
    found = re.search(r"-([12])(?:-run\d+)?$", label)
    if found is None:
        raise ValueError(f"not a speed-up run label: {label!r}")
    return int(found.group(1))


def speedups(rows: list[Measured]) -> dict[str, Any]:
    """Each pair's ratio of wall times (1 against 2), of the whole command and of its
    simulation alone (summary.json's wall_s), and the medians."""
    whole, simulation = [], []
    for k in range(0, len(rows) - 1, 2):
        pair = {_workers_of(r.label): r for r in rows[k:k + 2]}
        one, two = pair[1], pair[2]
        whole.append(round(one.wall_s / two.wall_s, 3))
        simulation.append(round(one.summary["wall_s"] / two.summary["wall_s"], 3))
    return {"pairs": whole, "median": statistics.median(whole),
            "simulation_pairs": simulation, "simulation_median": statistics.median(simulation)}


def main(argv: list[str] | None = None) -> int:
    own, extra = _split_extra(sys.argv[1:] if argv is None else argv)
    args = _parse(own)
    load_start = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores; load average {load_start[0]:.2f}; "
          f"scenario {args.scenario}; simulate args after --: {extra}")
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for label, factor, workers, more in _plan(args, extra):
            rows.append(measure(args.scenario, factor, workers, more, Path(tmp), label))
            print(f"{label}: {rows[-1].wall_s:.1f} s, exit {rows[-1].exit_code}", flush=True)
    load_end = os.getloadavg()
    _print_table(rows)
    result: dict[str, Any] = {
        "scenario": str(args.scenario), "simulate_extra_args": extra,
        "cpu_count": os.cpu_count(), "load_average_start": load_start,
        "load_average_end": load_end, "runs": [asdict(r) for r in rows],
    }
    if (args.dask_speedup or args.workers_speedup) and all(r.exit_code == 0 for r in rows):
        ratios = speedups(rows)
        result["speedup_1_to_2"] = round(ratios["median"], 2)
        result["speedups"] = ratios
        print(f"speed-up, 2 against 1: {result['speedup_1_to_2']}x (median of the pairs "
              f"{ratios['pairs']}); the simulation alone (summary wall_s): "
              f"{ratios['simulation_median']:.2f}x {ratios['simulation_pairs']}")
    print(f"load average at end {load_end[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return max((r.exit_code for r in rows), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
