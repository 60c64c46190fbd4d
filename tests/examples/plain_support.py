"""The plain service (examples/plain_service/app.py) in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
PLAIN = REPO / "examples" / "plain_service"
API_KEY = "plain-test-key"
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class PlainServer:
    url: str
    db: Path
    process: subprocess.Popen[bytes]


@contextmanager
def plain_server(db: Path, voters: Path, max_in_flight: int = 256) -> Iterator[PlainServer]:
    """Start the service, wait for ``/api/health``, and stop it (by its own pid) after."""
    port = free_port()
    log = (db.parent / f"plain-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(PLAIN / "app.py"), "--port", str(port), "--db", str(db),
         "--voters", str(voters), "--max-in-flight", str(max_in_flight)],
        env={**os.environ, "PLAIN_API_KEY": API_KEY}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the plain service did not start: "
                                   f"{(db.parent / f'plain-{port}.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield PlainServer(url, db, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
