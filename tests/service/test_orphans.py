"""kill -9 of the `pollday serve --workers 2` parent: no worker survives (checked by PID) and
nothing answers on the old port any more."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.service.service_support import Server


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in out.split()]
    return children + [d for c in children for d in _descendants(c)]


def test_kill9_of_the_parent_leaves_no_worker(tmp_path: Path) -> None:
    srv = Server(f"sqlite:///{tmp_path / 'db.sqlite'}", "--workers", "2",
                 command=("-m", "pollday", "serve"))
    workers = _descendants(srv.proc.pid)
    try:
        assert len(workers) >= 2, workers
        os.kill(srv.proc.pid, signal.SIGKILL)  # the parent only, not its process group
        srv.proc.wait(10)
        for _ in range(300):  # bounded by count; the grace period is 10 s at most
            survivors = [pid for pid in workers if _alive(pid)]
            if not survivors:
                break
            time.sleep(0.1)
        assert survivors == [], f"workers still running after the parent died: {survivors}"
        try:
            answer = httpx.get(f"{srv.url}/healthz", timeout=5)
        except httpx.HTTPError:
            pass  # nothing listens: as it must be
        else:
            raise AssertionError(f"something still answers on the old port: {answer}")
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        srv.stop()
