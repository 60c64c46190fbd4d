"""No voter accepted twice: 200 simultaneous check-ins of one voter from 50 stations."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
)
from tests.support.rawclient import RawConnection, RawResponse

ATTEMPTS = 200
STATIONS = 50
ROUNDS = 5


@pytest.fixture(scope="module")
def server_options() -> tuple[str, ...]:
    # Two worker processes: the race is between processes, not only between coroutines.
    return ("--workers", "2")


async def _storm(url: str, register: Register, voter_station: int) -> list[RawResponse]:
    voter = register.voter_id(voter_station, 0)
    # One connection per attempt, all open before any attempt is sent, so the attempts
    # reach the server together instead of queueing behind TCP handshakes.
    connections = await asyncio.gather(*(RawConnection(url).connect() for _ in range(ATTEMPTS)))
    requests = []
    for n, conn in enumerate(connections):
        station = register.station_id(n % STATIONS)
        body = checkin_body(register, voter, station)
        requests.append(
            conn.post_json("/v1/checkins", body, station_headers(station, f"storm-{voter}-{n}"))
        )
    try:
        return list(await asyncio.gather(*requests))
    finally:
        for conn in connections:
            conn.close()


@pytest.mark.slow
def test_one_voter_from_many_stations_is_accepted_exactly_once(
    server: Server, register: Register
) -> None:
    with server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
    for round_no in range(ROUNDS):
        responses = asyncio.run(_storm(server.url, register, 40 + round_no))
        statuses = Counter(r.status for r in responses)
        assert statuses == {201: 1, 409: ATTEMPTS - 1}, (statuses, responses[0].body)
        winner = next(r for r in responses if r.status == 201).json()
        # Every refusal names the one accepted check-in.
        assert {r.json()["first_station_id"] for r in responses if r.status == 409} == {
            winner["station_id"]
        }
    with server.client() as client:
        after = client.get("/admin/counters", headers=admin_headers()).json()
    assert after["checkins_accepted"] - before["checkins_accepted"] == ROUNDS
    assert after["distinct_voters_accepted"] - before["distinct_voters_accepted"] == ROUNDS
    assert after["refused_duplicates"] - before["refused_duplicates"] == ROUNDS * (ATTEMPTS - 1)
