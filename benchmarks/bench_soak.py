"""Soak: the Azerbaijan peak hour's check-in rate, at a steady multiple, for a long time.

    python benchmarks/bench_soak.py [--minutes 30] [--multiple 2] [--backends sqlite,postgresql]
                                    [--peak-per-s R] [--json FILE]

The national check-in rate of the busiest hour of ``scenarios/azerbaijan-2024.toml``'s
simulated day (or ``--peak-per-s``, which skips the ~75 s simulation) times ``--multiple`` is
offered as an open-model load (each check-in leaves at its intended time, latency measured
from that time) against ``python -m service --workers 2`` on each backend, every check-in a
new voter, for ``--minutes``. Every ``SAMPLE_S`` the resident memory of the service's
processes is read from /proc. Printed per backend, with what the soak must show:

- error rate (anything but 201): must be 0;
- memory growth from the end of the warm-up (the first ``WARMUP_SHARE`` of the minutes, at
  least one) to the end: must stay under 10 %;
- p99 per minute and its trend (least-squares slope over the minutes after warm-up, times
  their span): "flat" when the trend is under 25 % of the median per-minute p99, or 5 ms.

The machine's load average is printed too: on a shared 2-core machine the figures move.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import support  # noqa: E402
from benchmarks.bench_service import Pool, percentile_ms  # noqa: E402
from service.auth import station_token  # noqa: E402

SECRET = "soak-secret"
SAMPLE_S = 10.0
WARMUP_SHARE = 0.2
MAX_GROWTH = 0.10
FLAT_SHARE = 0.25
FLAT_FLOOR_MS = 5.0


def peak_checkins_per_s(scenario: Path) -> float:
    """Check-ins per second, nationally, in the busiest hour of the simulated day."""
    import numpy as np

    from simulation import EventKind, load_scenario, simulate

    rows = simulate(load_scenario(scenario), workers=os.cpu_count() or 1).schedule
    checkins = rows[rows["kind"] == EventKind.CHECKIN]
    per_hour = np.bincount((checkins["time_s"] // 3600).astype(int))
    return float(per_hour.max()) / 3600.0


# ---------------------------------------------------------------- driver (second process)

async def steady(url: str, rate_per_s: float, minutes: float) -> list[dict[str, Any]]:
    """Fire check-ins at ``rate_per_s`` for ``minutes``; figures per minute of intended time."""
    pool = Pool(url)
    n = int(rate_per_s * minutes * 60)
    per_minute: list[dict[str, Any]] = [
        {"latencies": [], "statuses": {}} for _ in range(math.ceil(minutes))]

    async def one(k: int, intended: float, minute: dict[str, Any]) -> None:
        vid, sid, template = support.voter(k)
        body = {"voter_id": vid, "station_id": sid, "template": template,
                "scanned_at": "2026-11-28T08:00:00+00:00"}
        headers = {"Authorization": f"Bearer {station_token(SECRET, sid)}",
                   "Idempotency-Key": f"soak-{k}"}
        conn = await pool.acquire()
        status = 0
        try:
            try:
                status = (await conn.post_json("/v1/checkins", body, headers)).status
            except (OSError, asyncio.IncompleteReadError):
                conn.close()  # a closed keep-alive connection: once more (same key: safe)
                status = (await conn.post_json("/v1/checkins", body, headers)).status
        except (OSError, asyncio.IncompleteReadError):
            conn.close()
        minute["latencies"].append(time.perf_counter() - intended)
        minute["statuses"][str(status)] = minute["statuses"].get(str(status), 0) + 1
        await pool.release(conn)

    # What exists now lives for the whole soak: out of the generator's full collections.
    gc.collect()
    gc.freeze()
    start = time.perf_counter() + 0.1
    tasks: set[asyncio.Task[None]] = set()
    for k in range(n):
        intended = start + k / rate_per_s
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(k, intended, per_minute[int(k / rate_per_s // 60)]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return [{"minute": m, "sent": len(x["latencies"]), "statuses": x["statuses"],
             "p50_ms": percentile_ms(x["latencies"], 0.5),
             "p99_ms": percentile_ms(x["latencies"], 0.99)} for m, x in enumerate(per_minute)]


# ---------------------------------------------------------------- orchestration

def service_memory_kib(pid: int) -> dict[str, int]:
    """Resident memory of ``pid`` and its children (the workers), KiB, summed by kind.

    ``VmRSS`` is the judged figure; its split says where growth is: ``RssAnon`` is the
    processes' own heap, ``RssFile`` and ``RssShmem`` are mapped files (SQLite's ``-shm``
    wal-index is one).
    """
    pids = [pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    total = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "RssShmem": 0}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                key = line.split(":", 1)[0]
                if key in total:
                    total[key] += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def file_kib(path: Path) -> int:
    try:
        return path.stat().st_size // 1024
    except FileNotFoundError:
        return 0


def run_backend(name: str, database_url: str, register: Path, rate: float,
                args: argparse.Namespace, sqlite_path: Path | None = None) -> dict[str, Any]:
    detail: list[dict[str, float]] = []
    stop = threading.Event()
    with support.running_service(database_url, register, SECRET, "--workers", "2") as (proc, url):

        def sample() -> None:
            started = time.monotonic()
            while not stop.wait(SAMPLE_S):
                row: dict[str, float] = {"t_s": time.monotonic() - started,
                                         **service_memory_kib(proc.pid)}
                if sqlite_path is not None:
                    for suffix in ("wal", "shm"):
                        row[f"{suffix}_kib"] = file_kib(
                            sqlite_path.with_name(f"{sqlite_path.name}-{suffix}"))
                detail.append(row)

        sampler = threading.Thread(target=sample, daemon=True)
        try:
            time.sleep(2.0)  # workers open their database connections
            sampler.start()
            driver = subprocess.run(
                [sys.executable, __file__, "--drive", url, "--rate", str(rate),
                 "--minutes", str(args.minutes)],
                capture_output=True, text=True, check=True, cwd=REPO)
        finally:
            stop.set()
    return {"backend": name, "rate_per_s": rate, "minutes": json.loads(driver.stdout),
            "rss_kib": [(row["t_s"], row["VmRSS"]) for row in detail],
            "memory_detail": detail}


def judge(result: dict[str, Any], minutes: float) -> dict[str, Any]:
    rows = result["minutes"]
    sent = sum(r["sent"] for r in rows)
    errors = sum(n for r in rows for s, n in r["statuses"].items() if s != "201")
    warm_min = max(1, int(minutes * WARMUP_SHARE))
    after = [r for r in rows if r["minute"] >= warm_min and r["sent"]] or rows
    p99 = [r["p99_ms"] for r in after]
    xs = [float(r["minute"]) for r in after]
    mean_x, mean_y = sum(xs) / len(xs), sum(p99) / len(p99)
    var = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, p99, strict=True)) / var \
        if var else 0.0
    trend_ms = slope * (xs[-1] - xs[0]) if len(xs) > 1 else 0.0
    median_p99 = sorted(p99)[len(p99) // 2]
    rss = result["rss_kib"]
    warm = [kib for t, kib in rss if t >= warm_min * 60] or [kib for _, kib in rss]
    growth = (warm[-1] - warm[0]) / warm[0] if warm and warm[0] else float("nan")
    return {"sent": sent, "errors": errors, "error_rate": errors / sent if sent else 1.0,
            "median_p99_ms": median_p99, "p99_trend_ms": trend_ms,
            "flat": abs(trend_ms) <= max(FLAT_FLOOR_MS, FLAT_SHARE * median_p99),
            "rss_after_warmup_mib": warm[0] / 1024 if warm else float("nan"),
            "rss_end_mib": warm[-1] / 1024 if warm else float("nan"), "rss_growth": growth}


def print_memory_split(result: dict[str, Any], minutes: float) -> None:
    """Where the memory went: heap vs mapped files, and SQLite's WAL and -shm sizes."""
    detail = result.get("memory_detail") or []
    warm_s = max(1, int(minutes * WARMUP_SHARE)) * 60
    after = [row for row in detail if row["t_s"] >= warm_s] or detail
    if not after:
        return
    for label, row in (("after warm-up", after[0]), ("end", after[-1])):
        files = "".join(f", {k[:-4]} {row[k] / 1024:.1f} MiB"
                        for k in ("wal_kib", "shm_kib") if k in row)
        print(f"    {label}: anon {row['RssAnon'] / 1024:.1f}, file "
              f"{row['RssFile'] / 1024:.1f}, shmem {row['RssShmem'] / 1024:.1f} MiB{files}")


def report(results: list[dict[str, Any]], args: argparse.Namespace, peak: float,
           load_before: tuple[float, ...]) -> None:
    print(f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after "
          f"{os.getloadavg()[0]:.2f} (1 min)")
    print(f"Azerbaijan peak hour: {peak:.1f} check-ins/s nationally; offered {args.multiple} x "
          f"= {peak * args.multiple:.1f}/s for {args.minutes} min per backend")
    for r in results:
        v = r["verdict"]
        print(f"\n{r['backend']}: minute, sent, non-201, p50 ms, p99 ms (from intended time)")
        for m in r["minutes"]:
            bad = sum(n for s, n in m["statuses"].items() if s != "201")
            print(f"  {m['minute']:4d} {m['sent']:7d} {bad:5d} {m['p50_ms']:8.1f} "
                  f"{m['p99_ms']:8.1f}")
        print(f"  error rate {v['error_rate']:.6f} ({v['errors']} of {v['sent']}): "
              f"{'ok' if v['errors'] == 0 else 'FAILED'}")
        print(f"  memory {v['rss_after_warmup_mib']:.1f} MiB after warm-up -> "
              f"{v['rss_end_mib']:.1f} MiB: growth {100 * v['rss_growth']:.1f} % "
              f"({'ok' if v['rss_growth'] < MAX_GROWTH else 'FAILED'}, limit 10 %)")
        print_memory_split(r, args.minutes)
        print(f"  p99 median {v['median_p99_ms']:.1f} ms, trend {v['p99_trend_ms']:+.1f} ms "
              f"over the minutes after warm-up: {'flat' if v['flat'] else 'NOT FLAT'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--multiple", type=float, default=2.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--peak-per-s", type=float,
                        help="skip the simulation: the peak-hour national check-in rate")
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios/azerbaijan-2024.toml")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(asyncio.run(steady(args.drive, args.rate, args.minutes))))
        return 0
    load_before = os.getloadavg()
    peak = args.peak_per_s or peak_checkins_per_s(args.scenario)
    rate = peak * args.multiple
    voters = int(rate * args.minutes * 60) + 1
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        register = Path(tmp) / "register.ndjson"
        support.write_register(register, voters, "Soak")
        for backend in args.backends.split(","):
            if backend == "sqlite":
                results.append(run_backend(backend, f"sqlite:///{tmp}/soak.sqlite", register,
                                           rate, args, Path(tmp) / "soak.sqlite"))
            elif backend == "postgresql":
                with support.postgres_cluster() as cluster:
                    if cluster is None:
                        print(support.SKIPPED_POSTGRES)
                        continue
                    results.append(run_backend(backend, cluster.create_database("soak"),
                                               register, rate, args))
            else:
                raise SystemExit(f"unknown backend {backend!r}: use sqlite, postgresql")
    for r in results:
        r["verdict"] = judge(r, args.minutes)
    report(results, args, peak, load_before)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
