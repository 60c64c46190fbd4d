"""Attacks on `pollday station --web`, the planner's calculator page (issue 27, part 2).

Findings kept here: ``registered=1000000000`` (then inside the accepted range) never
answered and two such requests reached 12.8 GB in 90 s; the page answered requests with any
``Host`` or ``Origin`` (DNS rebinding, cross-site); ``replications=²`` and
``registered=1&turnout=1`` dropped the connection with a traceback.

The fuzz sends hostile requests to a real server process (``python -m pollday station
--web``) over raw sockets, so nothing in the client cleans a request up: each one is built
to be refused (a 400, 403, 404 or 405), so the fuzz is thousands of fast refusals and only a
handful of real calculations. Bounded: every request has a socket timeout, the fuzz a fixed
count; no wall-clock assertion.
"""

from __future__ import annotations

import random
import re
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pollday.station.catalog import INPUT_NAMES

FUZZ_REQUESTS = 2_000
TIMEOUT_S = 120  # per request: far above any refusal; a hang fails, it does not block CI
RSS_BOUND = int(1.5 * 2**30)
ALLOWED = {200, 400, 403, 404, 405, 503}

# Values no input takes (each one is refused whatever the field): unicode digits, numbers
# past float's range, nan/inf, negatives, Python-only number syntax, markup, overlong.
HOSTILE_VALUES = [
    "²", "１２", "٣", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "-1", "-7.5", "1_000",
    "0x10", "<script>alert(1)</script>", "'; DROP TABLE x; --", "9" * 5000, "9" * 300,
    "1" + "0" * 40, "08:00:00:00", "\x00", "\u202e1", "1e", ".", "--1", "99999999999999999999",
]
NOISE_VALUES = ["1", "0", "0.5", "2", "08:00", "serve", "manual", "", "1,2", "3000"]
KEYS = [*INPUT_NAMES, "replications", "pool.terminal", "pool.urna", "bogus", "a" * 300]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    stderr: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    stderr = tmp_path_factory.mktemp("station-web") / "stderr.txt"
    with stderr.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pollday", "station", "--web", "--port", "0",
             "--replications", "1"],
            stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the server prints its address
        m = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
        assert m, f"no address in {line!r}; stderr: {stderr.read_text()}"
        yield Server(m[1], int(m[2]), proc.pid, stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _exchange(server: Server, raw: bytes) -> bytes:
    """One request on its own connection, and everything the server answered."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT_S) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):  # the server closes after answering
            data += chunk
    return data


def _send(server: Server, raw: bytes) -> int:
    """One request's status, or an assertion on a dropped or truncated answer (a hang is
    the socket's timeout)."""
    data = _exchange(server, raw)
    assert data.startswith(b"HTTP/1."), f"dropped connection: {raw[:120]!r} -> {data[:80]!r}"
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"Content-Length: (\d+)", head)
    assert length and len(body) == int(length[1]), f"truncated answer to {raw[:120]!r}"
    return int(head.split()[1])


def _request(server: Server, target: str, *, method: str = "GET", host: str | None = None,
             extra: dict[str, str] | None = None) -> bytes:
    headers = {"Host": host if host is not None else f"127.0.0.1:{server.port}",
               "Connection": "close", **(extra or {})}
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()
                                              if v != "")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _hostile_query(rng: random.Random) -> str:
    """1 to 4 inputs, at least one of them refused whatever the field; sometimes a key
    given twice or percent-encoding that is not UTF-8."""
    pairs = [(rng.choice(KEYS), _quote(rng.choice(HOSTILE_VALUES)))]
    pairs += [(rng.choice(KEYS), _quote(rng.choice(NOISE_VALUES + HOSTILE_VALUES)))
              for _ in range(rng.randrange(4))]
    roll = rng.random()
    if roll < 0.1:
        pairs.append((pairs[0][0], "1"))  # a repeated key
    elif roll < 0.2:
        pairs.append(("registered", rng.choice(["%ff", "%C0%AF", "%ED%A0%80", "%fe%ff"])))
    rng.shuffle(pairs)
    return "&".join(f"{_quote(k)}={v}" for k, v in pairs)


def _fuzz_case(server: Server, rng: random.Random) -> tuple[bytes, set[int]]:
    """A hostile request and the statuses that may answer it."""
    mine = f"127.0.0.1:{server.port}"
    kind = rng.random()
    if kind < 0.70:
        return _request(server, "/api/station?" + _hostile_query(rng)), {400}
    if kind < 0.78:  # another site, or a rebound DNS name, asking for a real calculation
        port = server.port
        host, extra = rng.choice([
            ("evil.example", {}), (f"evil.example:{port}", {}),
            (f"127.0.0.1.evil.example:{port}", {}), ("127.0.0.1", {}),
            (f"127.0.0.1:{port + 1}", {}), ("", {}),  # "": no Host at all
            (None, {"Origin": "http://evil.example"}), (None, {"Origin": "null"}),
            (None, {"Origin": f"https://{mine}"}), (None, {"Origin": f"http://{mine}.evil.example"}),
            (None, {"Sec-Fetch-Site": "cross-site"}),
        ])
        target = rng.choice(["/api/station?registered=1500", "/api/station", "/"])
        if target == "/" and "Sec-Fetch-Site" in extra:
            target = "/api/station"  # the page itself may be opened from a link elsewhere
        return _request(server, target, host=host, extra=extra), {403}
    if kind < 0.84:
        method = rng.choice(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
        return _request(server, "/api/station?registered=1500", method=method), {405}
    if kind < 0.90:
        path = rng.choice(["/../../etc/passwd", "/api/station/", "/api", "/%00", "/%ff",
                           "/" + "a" * 3000, "/api/station%3F"])
        return _request(server, path), {404}
    if kind < 0.95:  # past the page's own bounds: the request is too long to read
        return _request(server, "/api/station?registered=" + "9" * rng.choice(
            [5000, 70_000])), {400}
    return rng.choice([
        (b"\r\n\r\n", {400}), (b"GET\r\n\r\n", {400}), (b"GET / HTTP/9.9\r\n\r\n", {400}),
        (b"\x16\x03\x01\x02\x00\r\n\r\n", {400}),  # a TLS hello
        (b"GET / HTTP/1.1\r\nX: " + b"y" * 70_000 + b"\r\n\r\n", {400}),
        (b"GET / HTTP/1.1\r\nHost\r\n\r\n", {403}),  # no Host at all: not this page's
    ])


class _PeakRss:
    """The largest resident memory of the server and its workers together, sampled while
    the fuzz runs (VmHWM alone misses the short-lived workers)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self, pid: int) -> list[int]:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [pid, *(p for c in children for p in self._tree(int(c)))]

    @staticmethod
    def _rss(pid: int, key: str = "VmRSS") -> int:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0
        m = re.search(rf"{key}:\s+(\d+) kB", status)
        return int(m[1]) * 1024 if m else 0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree(self.pid)))

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.peak = max(self.peak, self._rss(self.pid, "VmHWM"))


def test_the_findings(server: Server) -> None:
    """Each finding of the round, one request each: a 400 naming the bound or the field."""
    cases = {
        "registered=1000000000": "at most 20,000",
        "replications=%C2%B2": "Simulated days must be a whole number",
        "registered=%EF%BC%91%EF%BC%92": "must be a whole number",
        "scan_time_s=1e12": "at most 600",
        "registered=2000&replications=200": "simulate at most",
    }
    for query, words in cases.items():
        data = _exchange(server, _request(server, f"/api/station?{query}"))
        assert data.startswith(b"HTTP/1.0 400"), (query, data[:200])
        assert words in data.decode("utf-8", "replace"), (query, data[-400:])
    # The one-voter station of the finding is real: answered, not dropped nor refused.
    data = _exchange(server, _request(server, "/api/station?registered=1&turnout=1"))
    assert data.startswith(b"HTTP/1.0 200"), data[:300]


def test_hostile_fuzz(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(27)
    statuses: Counter[int] = Counter()
    with _PeakRss(server.pid) as rss:
        for _ in range(FUZZ_REQUESTS):
            raw, expected = _fuzz_case(server, rng)
            status = _send(server, raw)
            statuses[status] += 1
            assert status in ALLOWED and status in expected, (raw[:200], status, expected)
        # The page still answers its own planner, from every loopback name of its address.
        for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}",
                     f"[::1]:{server.port}"):
            same = {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
            raw = _request(server, "/api/station?registered=1500", host=host, extra=same)
            statuses[_send(server, raw)] += 1
            assert _send(server, _request(server, "/", host=host)) == 200
    assert statuses[200] == 3, statuses
    stderr = server.stderr.read_text()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert rss.peak < RSS_BOUND, f"peak RSS {rss.peak / 2**20:.0f} MiB"
    with capsys.disabled():  # the figures the report quotes
        print(f"\nstation page fuzz: {sum(statuses.values())} requests, statuses "
              f"{dict(sorted(statuses.items()))}, peak RSS (server + workers) "
              f"{rss.peak / 2**20:.0f} MiB")
