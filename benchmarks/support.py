"""What several benchmarks do alike, written once so that they measure the same thing.

- ``simulate_measured``: ``pollday simulate`` on a scenario as a user runs it (a subprocess),
  with its wall time and peak memory; the benchmarks that need a simulated day start there.
- ``voter`` and ``write_register``: the synthetic voters and register the service benchmarks
  load, so that a check-in a driver sends names a voter the register holds.
- ``running_service``: ``python -m service`` on a database, stopped on leaving.
- ``postgres_cluster``: a throwaway PostgreSQL cluster, or ``None`` where none is installed
  (a benchmark then reports that backend as skipped instead of failing the others).

Benchmarks are run as files (``python benchmarks/x.py``) with the repository put on the
path first, then import this as ``benchmarks.support``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.proc_tree import run_measured
from tests.support.pgcluster import ThrowawayCluster, find_pg_bin

REPO = Path(__file__).resolve().parents[1]
AZERBAIJAN = REPO / "scenarios" / "azerbaijan-2024.toml"
STATIONS = 500  # of the synthetic register; voter k votes at station k % STATIONS


def simulate_measured(out: str | Path, *options: str,
                      scenario: Path = AZERBAIJAN) -> tuple[float, int]:
    """``pollday simulate SCENARIO --out OUT --quiet OPTIONS``: (wall seconds, peak RSS bytes
    of the process tree). A failed simulation ends the benchmark: nothing after it means
    anything."""
    wall_s, peak, code = run_measured(
        [sys.executable, "-m", "pollday", "simulate", str(scenario), "--out", str(out),
         "--quiet", *options])
    if code:
        raise SystemExit(f"pollday simulate failed ({code})")
    return wall_s, peak


def voter(k: int) -> tuple[str, str, str]:
    """(voter id, station id, base64 template) of synthetic voter k."""
    station = f"S{k % STATIONS:04d}"
    template = hashlib.blake2b(b"bench:%d" % k, digest_size=48).digest()
    return f"B{k:08d}", station, base64.b64encode(template).decode()


def write_register(path: Path, voters: int, election: str) -> None:
    """A register of voters 0 .. voters-1 over ``STATIONS`` stations in 10 constituencies."""
    registered = -(-voters // STATIONS)  # the busiest station's voters: station 0's
    with path.open("w") as out:
        out.write(json.dumps({"kind": "election", "name": election,
                              "candidates": [{"name": "A"}, {"name": "B"}]}) + "\n")
        for s in range(STATIONS):
            out.write(json.dumps({"kind": "station", "station_id": f"S{s:04d}",
                                  "constituency_id": 1 + s % 10,
                                  "registered": registered}) + "\n")
        for k in range(voters):
            vid, sid, template = voter(k)
            out.write(json.dumps({"kind": "voter", "voter_id": vid, "station_id": sid,
                                  "first_name": "A", "last_name": "B",
                                  "birth_date": "1980-01-01", "template": template}) + "\n")


@contextmanager
def running_service(database_url: str, register: Path, secret: str,
                    *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m service`` on port 0 in its own process group: (process, base URL).

    Its own process group, so that leaving stops the workers too, not only the parent.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", "0", *options,
         "--database-url", database_url, "--register", str(register)],
        stdout=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "POLLDAY_SECRET": secret})
    assert proc.stdout is not None
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit(f"service did not start on {database_url}")
        yield proc, url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
        proc.wait(30)
        proc.stdout.close()


@contextmanager
def postgres_cluster(settings: dict[str, str] | None = None
                     ) -> Iterator[ThrowawayCluster | None]:
    """A started throwaway cluster, removed on leaving; ``None`` without the server binaries."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        yield None
        return
    with ThrowawayCluster(bin_dir, settings=settings) as cluster:
        yield cluster


SKIPPED_POSTGRES = "postgresql: skipped (no initdb/pg_ctl; apt-get install postgresql)"
