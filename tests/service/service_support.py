"""Helpers for service tests: a tiny register, a real server subprocess, request builders."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from service.auth import station_token
from service.biometrics import TEMPLATE_BYTES
from tests.support.pgcluster import ClusterError, ThrowawayCluster, find_pg_bin

REPO = Path(__file__).resolve().parents[2]
SECRET = "test-secret"
ADMIN_TOKEN = "test-admin-token"
CANDIDATES = ["Aliyev", "Mammadov", "Huseynova"]
STARTUP_TIMEOUT_S = 30.0
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass
class Register:
    """A small register: ``stations`` stations in ``constituencies`` constituencies."""

    stations: int = 60
    voters_per_station: int = 20
    constituencies: int = 3
    seed: int = 7
    templates: dict[str, bytes] = field(default_factory=dict)

    def station_id(self, s: int) -> str:
        return f"PS{s:05d}"

    def voter_id(self, s: int, i: int) -> str:
        return f"V{s:05d}{i:04d}"

    def constituency_of(self, s: int) -> int:
        return 1 + s % self.constituencies

    def lines(self) -> list[dict[str, Any]]:
        rng = np.random.default_rng(self.seed)
        out: list[dict[str, Any]] = [
            {
                "kind": "election",
                "name": "Test election",
                "candidates": [{"name": c} for c in CANDIDATES],
            },
        ]
        out += [
            {"kind": "constituency", "constituency_id": c, "name": f"District {c}"}
            for c in range(1, self.constituencies + 1)
        ]
        for s in range(self.stations):
            out.append(
                {
                    "kind": "station",
                    "station_id": self.station_id(s),
                    "constituency_id": self.constituency_of(s),
                    "registered": self.voters_per_station,
                    "utc_offset_min": 240,
                    "online": True,
                    "webcam": s % 2 == 0,
                }
            )
            block = rng.integers(0, 256, (self.voters_per_station, TEMPLATE_BYTES), np.uint8)
            for i in range(self.voters_per_station):
                vid = self.voter_id(s, i)
                self.templates[vid] = block[i].tobytes()
                out.append(
                    {
                        "kind": "voter",
                        "voter_id": vid,
                        "station_id": self.station_id(s),
                        "first_name": "Leyla",
                        "last_name": "Aliyeva",
                        "birth_date": "1980-01-01",
                        "template": base64.b64encode(block[i].tobytes()).decode(),
                    }
                )
        return out

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(line) + "\n" for line in self.lines()))
        return path

    def rescan(self, voter_id: str, noise: int = 6, seed: int = 0) -> str:
        """A re-scan of the voter's thumb: the enrolled bytes plus small noise, base64."""
        rng = np.random.default_rng(seed)
        enrolled = np.frombuffer(self.templates[voter_id], np.uint8).astype(np.int16)
        noisy = np.clip(enrolled + rng.integers(-noise, noise + 1, enrolled.size), 0, 255)
        return base64.b64encode(noisy.astype(np.uint8).tobytes()).decode()


def station_headers(station_id: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {station_token(SECRET, station_id)}"}
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return headers


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def checkin_body(register: Register, voter_id: str, station_id: str, **kw: Any) -> dict[str, Any]:
    body = {
        "voter_id": voter_id,
        "station_id": station_id,
        "template": register.rescan(voter_id),
        "scanned_at": datetime(2026, 11, 28, 9, 30, tzinfo=UTC).isoformat(),
    }
    body.update(kw)
    return body


class Server:
    """``python -m service`` on port 0 as a subprocess in its own process group.

    ``database_url=None`` passes no ``--database-url`` (the default database); ``command``
    replaces ``-m service``, e.g. ``("-m", "pollday", "serve")``.
    """

    def __init__(
        self,
        database_url: str | None,
        *extra: str,
        register: Path | None = None,
        cwd: Path | None = None,
        command: tuple[str, ...] = ("-m", "service"),
    ) -> None:
        self.database_url = database_url
        database = [] if database_url is None else ["--database-url", database_url]
        argv = [sys.executable, *command, "--port", "0", *database, *extra]
        if register is not None:
            argv += ["--register", str(register)]
        env = {**os.environ, "POLLDAY_ADMIN_TOKEN": ADMIN_TOKEN, "POLLDAY_SECRET": SECRET,
               "PYTHONPATH": str(REPO)}
        self.launched_at = time.monotonic()
        # A file, not a pipe nobody reads: 64 KiB of service logs would block the service.
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop())
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=env,
            cwd=cwd or REPO,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if not first.startswith("http://"):
            self.proc.wait(10)
            self.stderr.seek(0)
            raise RuntimeError(f"server did not start: stdout {first!r}, stderr "
                               f"{self.stderr.read()}")
        self.url = first
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.url} not healthy after {STARTUP_TIMEOUT_S} s")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kw.pop("timeout", 30), **kw)

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr.close()


@contextmanager
def own_pg_cluster() -> Iterator[ThrowawayCluster]:
    """A throwaway PostgreSQL cluster for a fixture, removed on leaving.

    Without the server binaries the tests that need it are skipped, but fail in CI (CI=true):
    there the PostgreSQL tests must run, and a skip would pass unnoticed. A cluster that
    will not start fails the test with the server's own words.
    """
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin or on PATH; install them: "
            "apt-get install -y postgresql"
        )
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run in CI)")
        pytest.skip(message)
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(ThrowawayCluster(bin_dir))
        except ClusterError as exc:
            pytest.fail(f"could not start a throwaway PostgreSQL cluster: {exc}")
        yield cluster


def fresh_database(request: Any, backend: str, folder: Path) -> str:
    """A new empty database URL on ``backend`` (PostgreSQL: in the session's cluster)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'pollday-{uuid.uuid4().hex[:8]}.sqlite'}"
    cluster = request.getfixturevalue("pg_cluster")
    url: str = cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    return url


def wait_out_public_cache() -> None:
    """Public reads are rendered at most once per MAX_AGE_S per worker, whatever the client
    asks (a client's no-cache no longer forces a rendering): wait one age out to see writes
    made since the last rendering."""
    from service.cache import MAX_AGE_S

    time.sleep(MAX_AGE_S + 0.05)
