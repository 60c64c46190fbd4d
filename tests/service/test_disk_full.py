"""The SQLite disk fills up and frees again (a real 8 MiB tmpfs): 503 with Retry-After and a
body naming the full disk, /healthz 503 meanwhile, then recovery with nothing lost."""

from __future__ import annotations

import contextlib
import errno
import time
from pathlib import Path

from tests.service.fs_support import tmpfs
from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
)

DISK_BYTES = 8 << 20


def _fill(path: Path) -> None:
    """Write zeros until the disk is full (ENOSPC)."""
    with path.open("wb") as out:
        block = b"\0" * 65536
        try:
            while True:
                out.write(block)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        with contextlib.suppress(OSError):
            out.close()


def test_disk_full_then_freed(tmp_path: Path, register_file: Path, register: Register) -> None:
    with tmpfs(tmp_path / "disk", DISK_BYTES) as disk:
        srv = Server(f"sqlite:///{disk / 'db.sqlite'}", register=register_file)
        try:
            _fill_refuse_free_recover(srv, disk, register)
        finally:
            srv.stop()


def _fill_refuse_free_recover(srv: Server, disk: Path, register: Register) -> None:
    voters = [(s, i) for i in range(register.voters_per_station) for s in range(register.stations)]
    acked: list[dict[str, str]] = []
    refused: list[tuple[int, int, str]] = []
    with srv.client() as client:
        for s, i in voters[:20]:
            station = register.station_id(s)
            ok = client.post("/v1/checkins", json=checkin_body(register, register.voter_id(s, i),
                             station), headers=station_headers(station))
            assert ok.status_code == 201, ok.text
            acked.append(ok.json())
        _fill(disk / "filler")
        health = client.get("/healthz")
        assert health.status_code == 503, health.text
        assert "free" in health.json()["detail"] and health.headers["retry-after"] == "1"
        # Writes may still land in WAL space SQLite reuses; keep going until one is refused.
        for s, i in voters[20:]:
            station, key = register.station_id(s), f"disk-{s}-{i}"
            answer = client.post("/v1/checkins", json=checkin_body(
                register, register.voter_id(s, i), station), headers=station_headers(station, key))
            assert answer.status_code in (201, 503), answer.text
            if answer.status_code == 201:
                acked.append(answer.json())
                continue
            assert answer.headers["retry-after"] == "1"
            detail = answer.json()["detail"]
            assert "is full" in detail and "no transaction is active" not in detail, detail
            refused.append((s, i, key))
            if len(refused) >= 5:
                break
        assert len(refused) == 5, "the full disk never refused a check-in"
        (disk / "filler").unlink()
        _wait_healthy(client)
        for s, i, key in refused:  # the station retries with the same key: accepted once
            station = register.station_id(s)
            again = client.post("/v1/checkins", json=checkin_body(
                register, register.voter_id(s, i), station), headers=station_headers(station, key))
            assert again.status_code == 201, again.text
            acked.append(again.json())
        for ack in acked:
            found = client.get(f"/admin/checkins/{ack['checkin_id']}", headers=admin_headers())
            assert found.status_code == 200 and found.json() == ack
        counters = client.get("/admin/counters", headers=admin_headers()).json()
        assert counters["checkins_accepted"] == counters["distinct_voters_accepted"] == len(acked)


def _wait_healthy(client: object) -> None:
    import httpx

    assert isinstance(client, httpx.Client)
    for _ in range(200):  # bounded by count, not by a latency claim
        if client.get("/healthz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"still unhealthy after the disk was freed: {client.get('/healthz').text}")
