"""No acknowledged check-in lost: kill -9 the server mid-stream, restart, find every 201."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
)
from tests.support.rawclient import RawConnection

STREAMS = 8
KILL_AFTER_ACKS = 300


async def _stream_until_killed(server: Server, register: Register) -> list[dict[str, str]]:
    """Check voters in over STREAMS connections; kill -9 the server once enough were acked."""
    acked: list[dict[str, str]] = []
    voters = [(s, i) for i in range(register.voters_per_station) for s in range(register.stations)]
    killed = asyncio.Event()

    async def stream(k: int) -> None:
        conn = await RawConnection(server.url).connect()
        try:
            for s, i in voters[k::STREAMS]:
                station = register.station_id(s)
                body = checkin_body(register, register.voter_id(s, i), station)
                try:
                    response = await conn.post_json("/v1/checkins", body, station_headers(station))
                except (OSError, asyncio.IncompleteReadError):
                    return  # the server died under us: this one was never acknowledged
                if response.status == 201:
                    acked.append(response.json())
                if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                    killed.set()
                    server.kill9()  # with other requests still in flight on other streams
        finally:
            conn.close()

    await asyncio.gather(*(stream(k) for k in range(STREAMS)))
    assert killed.is_set(), f"only {len(acked)} check-ins acknowledged before the stream ended"
    return acked


@pytest.mark.slow
def test_kill9_loses_no_acknowledged_checkin(
    database_url: str, register_file: Path, register: Register
) -> None:
    first = Server(database_url, "--workers", "2", register=register_file)
    try:
        acked = asyncio.run(_stream_until_killed(first, register))
    finally:
        first.stop()
    assert first.proc.returncode is not None
    second = Server(database_url)  # same database, no re-import
    try:
        with second.client() as client:
            for ack in acked:
                found = client.get(f"/admin/checkins/{ack['checkin_id']}", headers=admin_headers())
                assert found.status_code == 200, (ack, found.text)
                assert found.json() == ack
            # And the voters are still known as checked in: a second attempt is refused.
            sample = acked[-1]
            again = client.post(
                "/v1/checkins",
                json=checkin_body(register, sample["voter_id"], register.station_id(0)),
                headers=station_headers(register.station_id(0)),
            )
            assert again.status_code == 409
            counters = client.get("/admin/counters", headers=admin_headers()).json()
            assert counters["checkins_accepted"] >= len(acked)
            assert counters["checkins_accepted"] == counters["distinct_voters_accepted"]
    finally:
        second.stop()
