"""Chaos with real processes: PostgreSQL restarted during a stream of check-ins, and the
service killed (-9) and restarted during one, on both databases. Stations retry with the same
Idempotency-Key until answered, as the load test does: every voter ends accepted exactly once,
and every acknowledged check-in is found afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    own_pg_cluster,
    station_headers,
)
from tests.support.pgcluster import ThrowawayCluster
from tests.support.rawclient import RawConnection

STREAMS = 8
VOTERS = 480
CHAOS_AFTER_ACKS = 120
MAX_ATTEMPTS = 600  # per check-in; a retry waits RETRY_S: bounds a stuck test, not latency
RETRY_S = 0.05
ANSWER_WITHIN_S = 60.0  # only to turn a hang into a failure naming the request


class Stream:
    """Check ``VOTERS`` voters in over ``STREAMS`` connections, retrying each with its key."""

    def __init__(self, register: Register, url: str) -> None:
        self.register = register
        self.url = url  # the chaos may move the service to another port
        voters = [(s, i) for i in range(register.voters_per_station)
                  for s in range(register.stations)]
        self.todo = voters[:VOTERS]
        self.acks: dict[str, dict[str, str]] = {}
        self.retried = 0

    async def run(self, chaos: Callable[[], None]) -> None:
        reached = asyncio.Event()

        async def watch() -> None:
            await reached.wait()
            await asyncio.to_thread(chaos)  # the streams keep retrying meanwhile

        async def stream(k: int) -> None:
            for s, i in self.todo[k::STREAMS]:
                await self._check_in(s, i)
                if len(self.acks) >= CHAOS_AFTER_ACKS:
                    reached.set()

        await asyncio.gather(watch(), *(stream(k) for k in range(STREAMS)))

    async def _check_in(self, s: int, i: int) -> None:
        station, voter = self.register.station_id(s), self.register.voter_id(s, i)
        body = checkin_body(self.register, voter, station)
        headers = station_headers(station, uuid.uuid4().hex)
        for _ in range(MAX_ATTEMPTS):
            conn = RawConnection(self.url)
            try:
                await asyncio.wait_for(conn.connect(), ANSWER_WITHIN_S)
                answer = await asyncio.wait_for(
                    conn.post_json("/v1/checkins", body, headers), ANSWER_WITHIN_S)
            except (OSError, asyncio.IncompleteReadError):
                answer = None
            except TimeoutError:
                raise AssertionError(f"no answer within {ANSWER_WITHIN_S} s for voter {voter} "
                                     "(a request the service never answered)") from None
            finally:
                conn.close()
            if answer is not None and answer.status == 201:
                self.acks[voter] = answer.json()
                return
            # 503 (database away) or no answer (service away): retry with the same key.
            assert answer is None or answer.status == 503, (answer.status, answer.body)
            self.retried += 1
            await asyncio.sleep(RETRY_S)
        raise AssertionError(f"voter {voter} never accepted after {MAX_ATTEMPTS} attempts")


def _audit(server: Server, stream: Stream) -> None:
    assert len(stream.acks) == VOTERS
    assert stream.retried > 0, "the chaos did not disturb the stream"
    with server.client() as client:
        for ack in stream.acks.values():
            found = client.get(f"/admin/checkins/{ack['checkin_id']}", headers=admin_headers())
            assert found.status_code == 200 and found.json() == ack, (ack, found.text)
        counters = client.get("/admin/counters", headers=admin_headers()).json()
    assert counters["checkins_accepted"] == counters["distinct_voters_accepted"] == VOTERS


@pytest.fixture
def own_cluster() -> Iterator[ThrowawayCluster]:
    """A cluster of this test's own: restarting it cannot disturb other tests."""
    with own_pg_cluster() as cluster:
        yield cluster


@pytest.mark.postgres
def test_postgres_restarted_during_checkins(
    own_cluster: ThrowawayCluster, register_file: Path, register: Register
) -> None:
    url = own_cluster.create_database("chaos")
    server = Server(url, "--workers", "2", register=register_file)
    try:
        stream = Stream(register, server.url)
        asyncio.run(stream.run(own_cluster.restart))
        _audit(server, stream)
    finally:
        server.stop()


def test_service_killed_and_restarted_during_checkins(
    database_url: str, register_file: Path, register: Register
) -> None:
    first = Server(database_url, "--workers", "2", register=register_file)
    servers = [first]

    def kill_and_restart() -> None:
        first.kill9()
        second = Server(database_url, "--workers", "2")  # same database, no re-import
        servers.append(second)
        stream.url = second.url

    try:
        stream = Stream(register, first.url)
        asyncio.run(stream.run(kill_and_restart))
        assert len(servers) == 2
        _audit(servers[-1], stream)
    finally:
        for server in servers:
            server.stop()
