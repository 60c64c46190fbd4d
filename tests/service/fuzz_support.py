"""A seeded HTTP fuzzer for the service: random shapes, wrong types, huge numbers, deep nesting,
non-UTF-8 bytes in headers and bodies, on every endpoint, over raw sockets (so any byte can be
sent). Every draw comes from one ``numpy.random.Generator``: a failure replays with its seed."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from service.auth import station_token
from service.limits import body_limit_for

ENDPOINTS = [
    ("POST", "/v1/checkins"),
    ("POST", "/v1/checkins/batch"),
    ("POST", "/v1/protocols"),
    ("GET", "/v1/results"),
    ("GET", "/v1/results/constituencies/1"),
    ("GET", "/v1/turnout"),
    ("GET", "/v1/streams"),
    ("GET", "/v1/streams/PS00000/snapshot"),
    ("POST", "/admin/import"),
    ("GET", "/admin/counters"),
    ("GET", "/admin/checkins/abc"),
    ("GET", "/healthz"),
]
ODD_PATHS = ["/v1/results/constituencies/-1", "/v1/results/constituencies/99999999999999999999",
             "/v1/results/constituencies/%ff", "/v1/streams/%00/snapshot", "/admin/checkins/%c3%28",
             "/v1/checkins?x=%ff", "/v1/results?" + "a=1&" * 200, "/" + "a" * 5000, "/v1/%2e%2e/x"]
FIELDS = ["voter_id", "station_id", "template", "scanned_at", "items", "idempotency_key",
          "ballots_issued", "ballots_valid", "ballots_invalid", "votes", "kind"]


@dataclass
class Fuzzer:
    rng: np.random.Generator
    secret: str
    admin_token: str
    stations: list[str]
    voters: list[str]

    def pick(self, options: list[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def text(self) -> str:
        kind = int(self.rng.integers(6))
        if kind == 0:
            return self.pick(self.voters + self.stations)
        if kind == 1:
            codes = self.rng.integers(0, 0x2FFF, int(self.rng.integers(0, 40)))
            return "".join(chr(int(c)) for c in codes)
        if kind == 2:
            return "\ud800" + "x"  # a lone surrogate (escaped by json.dumps)
        if kind == 3:
            return "a" * int(self.rng.choice([0, 64, 65, 4097, 100_000]))
        if kind == 4:
            return self.pick(["2026-11-28T09:30:00Z", "0001-01-01T00:00:00",
                              "9999-12-31T23:59:59+14:00", "2026-13-45", "1e308", "", "null"])
        return "".join(self.pick(list("\x00\x1f\"\\/<>'%&;")) for _ in range(8))

    def value(self, depth: int = 0) -> Any:
        kind = int(self.rng.integers(9 if depth < 3 else 6))
        if kind == 0:
            return int(self.rng.integers(-5, 5))
        if kind == 1:
            return self.pick([10**19, -(10**19), 10**400, 2**63, 2**64 + 1, 1_000_000_001])
        if kind == 2:
            return self.pick([2.0, -0.0, 1e308, 5e-324, float("nan"), float("inf"), 1.5])
        if kind == 3:
            return self.pick([True, False, None])
        if kind in (4, 5):
            return self.text()
        if kind == 6:
            return [self.value(depth + 1) for _ in range(int(self.rng.integers(0, 4)))]
        return {self.pick([*FIELDS, self.text()]): self.value(depth + 1)
                for _ in range(int(self.rng.integers(0, 5)))}

    def valid_body(self, path: str, station: str) -> dict[str, Any]:
        checkin = {"voter_id": self.pick(self.voters), "station_id": station,
                   "template": "A" * 64, "scanned_at": "2026-11-28T09:30:00Z"}
        if path == "/v1/checkins":
            return checkin
        if path == "/v1/checkins/batch":
            item = {k: v for k, v in checkin.items() if k != "station_id"}
            return {"station_id": station, "items": [{**item, "idempotency_key": "k1"}]}
        return {"station_id": station, "ballots_issued": 3, "ballots_valid": 2,
                "ballots_invalid": 1, "votes": {"Aliyev": 2}}

    def body(self, path: str, station: str) -> bytes:
        kind = int(self.rng.integers(8))
        if kind <= 3:  # a valid shape with a few fields broken, removed or added
            body: Any = self.valid_body(path, station)
            for _ in range(int(self.rng.integers(1, 4))):
                items = body.get("items")
                nested = isinstance(items, list) and items and isinstance(items[0], dict)
                target = items[0] if nested and self.rng.random() < 0.5 else body
                name = self.pick(list(target) + FIELDS)
                if self.rng.random() < 0.2:
                    target.pop(name, None)
                else:
                    target[name] = self.value()
            return json.dumps(body).encode()
        if kind == 4:
            return json.dumps(self.value()).encode()
        if kind == 5:  # deep nesting
            depth = int(self.pick([100, 1000, 10_000, 100_000]))
            return (self.pick([b"[", b'{"a":']) * depth)[: 600_000] + b"1"
        if kind == 6:  # bytes that are not UTF-8, or truncated JSON
            raw = self.rng.integers(0, 256, int(self.rng.integers(1, 300)), dtype=np.uint8)
            truncated = json.dumps(self.valid_body(path, station)).encode()[:-3]
            return self.pick([raw.tobytes(), truncated])
        return self.pick([b"", b"null", b"{}", b"[]", b'{"station_id": "\\ud800"}',
                          b'{"ballots_issued": 1e999}'])

    def header_value(self, good: str) -> bytes:
        kind = int(self.rng.integers(6))
        if kind <= 2:
            return good.encode()
        if kind == 3:
            size = int(self.rng.integers(1, 30))
            return bytes(self.rng.integers(0x80, 0x100, size, dtype=np.uint8))
        if kind == 4:
            raw_text = self.text().encode("utf-8", "surrogatepass")[:3000]
            return raw_text.replace(b"\r", b"").replace(b"\n", b"")
        return b""

    def request(self, host: str) -> bytes:
        odd = self.rng.random() >= 0.9
        method, path = ("GET", self.pick(ODD_PATHS)) if odd else self.pick(ENDPOINTS)
        if self.rng.random() < 0.03:
            method = self.pick(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
        station = self.pick(self.stations)
        admin = path.startswith("/admin")
        token = self.admin_token if admin else station_token(self.secret, station)
        body = self.body(path, station) if method == "POST" else b""
        headers = [
            (b"Host", host.encode()),
            (b"Authorization", b"Bearer " + self.header_value(token)),
            (b"Idempotency-Key", self.header_value(f"k{int(self.rng.integers(1000))}")),
            (b"Content-Type", self.header_value("application/json")),
            (b"If-None-Match", self.header_value('"abc"')),
            (b"Cache-Control", self.header_value("no-cache")),
            (b"Content-Length", str(len(body)).encode()),
        ]
        always = (b"Host", b"Content-Length")
        keep = [h for h in headers if h[0] in always or self.rng.random() < 0.8]
        head = f"{method} {path} HTTP/1.1\r\n".encode() + b"".join(
            name + b": " + value + b"\r\n" for name, value in keep)
        return head + b"\r\n" + body


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[tuple[int, bytes, bytes]] = field(default_factory=list)
    slowest: list[tuple[float, bytes]] = field(default_factory=list)


async def _send_one(url: str, request: bytes, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        await _exchange(url, request, tally)
    finally:
        tally.slowest.append((time.perf_counter() - started, request[:120]))


async def _exchange(url: str, request: bytes, tally: Tally) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        no_body = request.startswith(b"HEAD ") or status in (204, 304)
        body = b"" if no_body or not length else await asyncio.wait_for(
            reader.readexactly(length), 60)
        tally.statuses[status] += 1
        if status >= 500:
            tally.server_errors.append((status, request[:300], body[:300]))
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        path = request.split(b" ", 2)[1].decode("latin-1").split("?")[0]
        limit = body_limit_for(path)
        if (isinstance(exc, ConnectionResetError) and limit is not None
                and len(request) > limit):
            # The 413 is sent at once and the connection closed while we still send: the
            # kernel's reset may reach us before the 413 does. Refused, as it should be.
            tally.statuses[413] += 1
            return
        tally.statuses[-1] += 1  # no answer at all: counted as a failure
        tally.server_errors.append((-1, request[:300], repr(exc).encode()))
    finally:
        writer.close()


async def fuzz(url: str, fuzzer: Fuzzer, requests: int, concurrency: int = 8) -> Tally:
    tally = Tally()
    host = urlsplit(url).netloc
    batch = [fuzzer.request(host) for _ in range(requests)]

    async def worker(k: int) -> None:
        for request in batch[k::concurrency]:
            await _send_one(url, request, tally)

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return tally
