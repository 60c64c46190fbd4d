"""Hostile connections: many idle sockets and slow senders held open while normal requests
keep being served correctly; slow heads get 408, oversized heads 431; past the connection cap
the longest-idle connection is closed to make room. Real server, both backends."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.service.service_support import Register, Server, checkin_body, station_headers

IDLE_SOCKETS = 300
SLOW_SENDERS = 20
MAX_CONNECTIONS = 200
HEADER_TIMEOUT_S = 2.0


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def _slow_sender(url: str, stop: threading.Event, outcome: list[bytes]) -> None:
    """Send a request head one byte every 0.2 s, as a slowloris client does."""
    head = b"GET /v1/results HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 200 + b"\r\n\r\n"
    with _connect(url) as sock:
        try:
            for byte in head:
                if stop.is_set():
                    return
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass  # the server closed the connection under us
        sock.settimeout(10)
        try:
            outcome.append(sock.recv(200))
        except OSError as exc:
            outcome.append(repr(exc).encode())


@pytest.fixture
def guarded(request: pytest.FixtureRequest, database_url: str, register_file: Path,
            ) -> Server:
    srv = Server(database_url, "--max-connections", str(MAX_CONNECTIONS), "--header-timeout-s",
                 str(HEADER_TIMEOUT_S), "--keep-alive-s", "60", register=register_file)
    request.addfinalizer(srv.stop)
    return srv


def test_idle_and_slow_connections_do_not_lock_clients_out(
    guarded: Server, register: Register
) -> None:
    idle = [_connect(guarded.url) for _ in range(IDLE_SOCKETS)]
    stop = threading.Event()
    outcomes: list[bytes] = []
    slow = [threading.Thread(target=_slow_sender, args=(guarded.url, stop, outcomes))
            for _ in range(SLOW_SENDERS)]
    for thread in slow:
        thread.start()
    try:
        with guarded.client() as client:
            for i in range(register.voters_per_station):
                station = register.station_id(40)
                answer = client.post("/v1/checkins", json=checkin_body(
                    register, register.voter_id(40, i), station), headers=station_headers(station))
                assert answer.status_code == 201, answer.text
                assert client.get("/v1/results").status_code == 200
    finally:
        for thread in slow:
            thread.join(60)
        stop.set()
        for sock in idle:
            sock.close()
    # Every slow sender was cut off: a 408 or a closed connection, never an answer to a
    # request that took ~50 s to arrive.
    assert len(outcomes) == SLOW_SENDERS
    assert all(not o.startswith(b"HTTP/1.1 200") for o in outcomes), outcomes
    assert any(o.startswith(b"HTTP/1.1 408") for o in outcomes), outcomes


def test_the_connection_cap_closes_the_longest_idle(guarded: Server) -> None:
    first = _connect(guarded.url)
    others = [_connect(guarded.url) for _ in range(MAX_CONNECTIONS + 10)]
    try:
        first.settimeout(30)
        assert first.recv(10) == b""  # closed by the server to make room
        with guarded.client() as client:
            assert client.get("/v1/results").status_code == 200
    finally:
        first.close()
        for sock in others:
            sock.close()


def test_oversized_head_is_431(guarded: Server) -> None:
    with _connect(guarded.url) as sock:
        sock.sendall(b"GET /v1/results HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000
                     + b"\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 431")
