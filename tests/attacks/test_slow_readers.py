"""Slow readers (issue 27): clients that pipeline requests and never read their answers.

Finding: against ``serve --max-connections 20`` with a 5 s keep-alive, such clients left the
service holding 50 sockets (73 fds, 140 MB unsent) past every timeout, no longer counted
against the cap: the app waited forever to write, and a close waited for the client to read.
Kept here: every connection has a write deadline (``service.limits.WRITE_TIMEOUT_S``) past
which it is aborted and its buffers dropped, and closing sockets count against the cap until
their descriptor is gone. Real server on loopback, both backends; the service's sockets are
counted through /proc (Linux), which also shows what the kernel still holds unsent for them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
import pytest

from service.limits import WRITE_TIMEOUT_S
from tests.service.conftest import (
    BACKENDS,
    pg_cluster,  # noqa: F401  (fresh_database asks for it)
)
from tests.service.service_support import Register, Server, fresh_database

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")

MAX_CONNECTIONS = 20  # the cap of the finding (the smallest allowed is 16)
KEEP_ALIVE_S = 2.0
ROUNDS = 5  # the finding's rounds: each round's stalled sockets must make room for the next
CLIENTS_PER_ROUND = 40
# GET /openapi.json (~22 KB answers) per client: 200 back up past the kernel's buffers into the
# service's (the write deadline from the stall); 50 may fit in the kernel's, so the service
# finishes and closes on keep-alive with answers unread (the write deadline from the close).
PIPELINED = (200, 50)
CLIENT_RCVBUF = 4096
# Past the write deadline and the keep-alive, plus room for a loaded 2-core machine.
RELEASE_TIMEOUT_S = WRITE_TIMEOUT_S + KEEP_ALIVE_S + 30.0
T = TypeVar("T")
REQUEST = b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def capped(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Server:
    register = Register(stations=2, voters_per_station=2)
    srv = Server(fresh_database(request, backend, tmp_path), "--max-connections",
                 str(MAX_CONNECTIONS), "--keep-alive-s", str(KEEP_ALIVE_S),
                 register=register.write(tmp_path / "register.ndjson"))
    request.addfinalizer(srv.stop)
    return srv


@dataclass(frozen=True)
class Figures:
    """What the service process holds for the attacking clients, read from /proc."""

    fds: int
    rss_mib: float
    held: int  # the service's sockets connected to an attacking client
    unsent_bytes: int  # kernel send queues of the service's side of those connections
    queued: int  # connections still waiting in the listen queue to be accepted

    def __str__(self) -> str:
        return (f"fds {self.fds}, RSS {self.rss_mib:.0f} MiB, sockets held {self.held}, "
                f"kernel unsent {self.unsent_bytes / 2**20:.1f} MiB")


def _figures(pid: int, server_port: int, client_ports: set[int]) -> Figures:
    inodes: set[int] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    fds = 0
    for fd in fd_dir.iterdir():
        fds += 1
        try:
            target = os.readlink(fd)
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    held = unsent = queued = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port != server_port or remote_port not in client_ports:
            continue
        # Orphans (closed by the service, inode 0) count too: their bytes are still memory.
        unsent += int(fields[4].split(":")[0], 16)
        inode = int(fields[9])
        held += inode in inodes
        queued += inode == 0 and fields[3] == "01"  # established, owned by no process yet
    rss_kib = next(int(line.split()[1]) for line in
                   Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
    return Figures(fds, rss_kib / 1024, held, unsent, queued)


def _non_reader(host: str, port: int, pipelined: int) -> socket.socket:
    """A client that sends ``pipelined`` requests at once and never reads an answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window: the service's answers back up on its side, not in ours.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, CLIENT_RCVBUF)
    sock.settimeout(10)
    sock.connect((host, port))
    with contextlib.suppress(OSError):  # refused past the cap: the service defends itself
        sock.sendall(REQUEST * pipelined)  # <= 10 KB: the socket buffers take it at once
    return sock


def _served(srv: Server) -> bool:
    try:
        with srv.client(timeout=10) as client:
            return client.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(what: str, timeout_s: float, measure: Callable[[], T],
              reached: Callable[[T], bool]) -> T:
    """Measure until ``reached`` (the measure then), failing with the last one past the time."""
    deadline = time.monotonic() + timeout_s
    while not reached(figures := measure()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout_s:.0f} s; last measured: {figures!r}")
        time.sleep(0.2)
    return figures


def test_non_reading_clients_are_aborted_and_count_against_the_cap(capped: Server) -> None:
    parts = urlsplit(capped.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 0
    pid = capped.proc.pid
    with capped.client() as client:  # warm: the schema is rendered, the database opened
        assert client.get("/openapi.json").status_code == 200
    clients: list[socket.socket] = []
    ports: set[int] = set()
    try:
        before = _figures(pid, port, ports)
        peak = before
        for round_ in range(ROUNDS):
            round_ports: set[int] = set()
            for _ in range(CLIENTS_PER_ROUND):
                sock = _non_reader(host, port, PIPELINED[round_ % len(PIPELINED)])
                clients.append(sock)
                round_ports.add(sock.getsockname()[1])
            ports |= round_ports
            # Every client accepted (kept or refused), the kept ones answered as far as the
            # buffers take: the next round finds them stalled.
            _wait_for("a round of non-readers accepted and answered", 30,
                      functools.partial(_figures, pid, port, round_ports),
                      lambda f: f.queued == 0 and (f.held == 0 or f.unsent_bytes > 0))
            # A fresh client gets in (refused only while every slot is busy answering), and
            # once it is answered the closes decided before it are done (a descriptor goes a
            # loop turn after its close): closing and stalled sockets count, the cap holds.
            _wait_for("a fresh client served amid the attack", 30,
                      functools.partial(_served, capped), bool)
            now = _figures(pid, port, ports)
            assert now.held <= MAX_CONNECTIONS, now
            peak = max(peak, now, key=lambda f: (f.held, f.unsent_bytes))
        after = _wait_for("every non-reader aborted, its unsent answers dropped",
                          RELEASE_TIMEOUT_S, lambda: _figures(pid, port, ports),
                          lambda figures: figures.held == 0 and figures.unsent_bytes == 0)
        # The attackers are all still connected on their side, and a fresh client is served.
        with capped.client() as client:
            assert client.get("/openapi.json").status_code == 200
            assert client.get("/healthz").status_code == 200
        print(f"\n{len(clients)} non-readers, cap {MAX_CONNECTIONS}:\n  before: {before}\n"
              f"  peak:   {peak}\n  after:  {after}", file=sys.stderr)
        assert peak.held > 0 and peak.unsent_bytes > 0, f"the attack never stalled: {peak}"
        assert after.fds <= before.fds + 5, (before, after)
    finally:
        for sock in clients:
            sock.close()
