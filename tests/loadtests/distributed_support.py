"""Workers started apart and the ledger they leave: shared by the distributed replay tests
(tests/loadtests/test_distributed.py) and ``pollday run``'s (tests/pollday/test_run.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loadtests.ledger import read_ledger

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def workers(port: int, count: int, cwd: Path, host: str = "127.0.0.1",
            prefix: tuple[str, ...] = ()) -> Iterator[list[subprocess.Popen[str]]]:
    """``pollday worker --once`` processes in a folder of their own, with no POLLDAY_*
    settings: all they replay comes from the master. ``prefix``: e.g. ``ip netns exec NS``."""
    cwd.mkdir(parents=True, exist_ok=True)
    bare = {k: v for k, v in os.environ.items() if not k.startswith("POLLDAY_")}
    procs = [subprocess.Popen(
        [*prefix, sys.executable, "-m", "pollday", "worker", "--master", f"{host}:{port}",
         "--once"],
        cwd=cwd, env={**bare, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
        stderr=(cwd / f"worker{k}.log").open("w"), text=True, start_new_session=True)
        for k in range(count)]
    try:
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(30)


def ledger_view(out: Path) -> dict[str, Any]:
    """What must not depend on where the workers ran (idempotency keys carry a per-process
    nonce, and a duplicate attempt picks among the voters accepted so far: not compared)."""
    ledger = list(read_ledger(out / "ledger.ndjson"))
    return {
        "kinds": Counter((e["kind"], e["status"]) for e in ledger),
        "accepted": sorted((e["station"], e["voter"], e["voter_id"]) for e in ledger
                           if e["kind"] in ("checkin", "sync_checkin") and e["status"] == 201),
        "protocols": sorted((e["station"], json.dumps(e["protocol"], sort_keys=True))
                            for e in ledger if e["kind"] == "protocol"),
        "duplicate_stations": Counter(e["station"] for e in ledger
                                      if e["kind"] in ("duplicate", "sync_duplicate")),
    }
