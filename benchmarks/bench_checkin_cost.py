"""Where a check-in's time goes, per backend: CPU per check-in in the service and in PostgreSQL.

    python benchmarks/bench_checkin_cost.py [--checkins 3000] [--backends sqlite,postgresql]

One service worker, one client sending check-ins one after another (no queueing), so each
process's CPU time divided by the check-ins is its cost per check-in, whatever else the
machine runs (CPU time, unlike latency, is barely moved by other load). For PostgreSQL the
CPU of every server process of the throwaway cluster is counted too, and the statements per
check-in are counted from ``pg_stat_database`` (transactions) and the service's round trips.
Printed as ratios against SQLite measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import support  # noqa: E402
from service.auth import station_token  # noqa: E402
from tests.support.rawclient import RawConnection  # noqa: E402

SECRET = "cost-secret"
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS_PER_S


def tree(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in out.split()]
    return [pid] + [d for c in children for d in tree(c)]


def postgres_pids(data_dir: Path) -> list[int]:
    pid_file = data_dir / "postmaster.pid"
    return tree(int(pid_file.read_text().split()[0])) if pid_file.exists() else []


async def sequential(url: str, first: int, n: int) -> float:
    conn = await RawConnection(url).connect()
    started = time.perf_counter()
    for k in range(first, first + n):
        vid, sid, template = support.voter(k)
        answer = await conn.post_json(
            "/v1/checkins", {"voter_id": vid, "station_id": sid, "template": template,
                             "scanned_at": "2026-11-28T08:00:00+00:00"},
            {"Authorization": f"Bearer {station_token(SECRET, sid)}",
             "Idempotency-Key": f"cost-{k}"})
        assert answer.status == 201, answer.body
    conn.close()
    return time.perf_counter() - started


def measure(name: str, url: str, register: Path, n: int,
            server_pids: Any) -> dict[str, Any]:
    with support.running_service(url, register, SECRET) as (proc, service_url):
        time.sleep(1.0)
        asyncio.run(sequential(service_url, 0, 200))  # warm-up
        service0, server0 = cpu_s(tree(proc.pid)), cpu_s(server_pids())
        wall_s = asyncio.run(sequential(service_url, 200, n))
        service1, server1 = cpu_s(tree(proc.pid)), cpu_s(server_pids())
    return {"backend": name, "wall_ms": 1000 * wall_s / n,
            "service_cpu_ms": 1000 * (service1 - service0) / n,
            "database_cpu_ms": 1000 * (server1 - server0) / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkins", type=int, default=3000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        register = Path(tmp) / "register.ndjson"
        support.write_register(register, args.checkins + 200, "Cost")
        for backend in args.backends.split(","):
            if backend == "sqlite":
                rows.append(measure(backend, f"sqlite:///{tmp}/cost.sqlite", register,
                                    args.checkins, list))
            else:
                with support.postgres_cluster() as cluster:
                    if cluster is None:
                        print(support.SKIPPED_POSTGRES)
                        continue
                    rows.append(measure(backend, cluster.create_database("cost"), register,
                                        args.checkins, partial(postgres_pids, cluster.data)))
    print(f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after "
          f"{os.getloadavg()[0]:.2f} (1 min); {args.checkins} sequential check-ins, 1 worker")
    print("backend      wall ms/check-in  service CPU ms  database server CPU ms")
    for r in rows:
        print(f"{r['backend']:12s} {r['wall_ms']:16.3f} {r['service_cpu_ms']:15.3f} "
              f"{r['database_cpu_ms']:23.3f}")
    if len(rows) == 2:
        a, b = rows
        print(f"ratio {b['backend']}/{a['backend']}: wall {b['wall_ms'] / a['wall_ms']:.2f}, "
              f"service CPU {b['service_cpu_ms'] / a['service_cpu_ms']:.2f}, total CPU "
              f"{(b['service_cpu_ms'] + b['database_cpu_ms']) / a['service_cpu_ms']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
