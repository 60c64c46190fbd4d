"""No voter accepted twice: 200 simultaneous check-ins of one voter from 50 stations."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    fresh_database,
    station_headers,
)
from tests.support.rawclient import RawConnection, RawResponse

ATTEMPTS = 200
STATIONS = 50
ROUNDS = 5


@pytest.fixture(scope="module")
def two_worker_server(
    request: pytest.FixtureRequest,
    backend: str,
    register_file: object,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    # Two worker processes: the race is between processes, not only between coroutines.
    url = fresh_database(request, backend, tmp_path_factory.mktemp("db"))
    srv = Server(url, "--workers", "2", register=register_file)  # type: ignore[arg-type]
    yield srv
    srv.stop()


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
    two_worker_server: Server, register: Register
) -> None:
    with two_worker_server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
    for round_no in range(ROUNDS):
        responses = asyncio.run(_storm(two_worker_server.url, register, 40 + round_no))
        statuses = Counter(r.status for r in responses)
        assert statuses == {201: 1, 409: ATTEMPTS - 1}, (statuses, responses[0].body)
        winner = next(r for r in responses if r.status == 201).json()
        # Every refusal names the one accepted check-in.
        assert {r.json()["first_station_id"] for r in responses if r.status == 409} == {
            winner["station_id"]
        }
    with two_worker_server.client() as client:
        after = client.get("/admin/counters", headers=admin_headers()).json()
    assert after["checkins_accepted"] - before["checkins_accepted"] == ROUNDS
    assert after["distinct_voters_accepted"] - before["distinct_voters_accepted"] == ROUNDS
    assert after["refused_duplicates"] - before["refused_duplicates"] == ROUNDS * (ATTEMPTS - 1)
