"""A minimal asyncio HTTP/1.1 keep-alive client for driving the service hard and cheaply.

General-purpose clients spend more CPU per request than this service does (httpx's async
pool also degrades with hundreds of connections), which on a 2-core machine would measure
the client rather than the server. This one only speaks what the service answers:
Content-Length bodies on persistent connections. Used by the tests' concurrency storms and
by benchmarks/bench_service.py; nothing in the service itself uses it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One persistent connection; one request at a time."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> RawConnection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> RawResponse:
        if self.writer is None or self.writer.is_closing():
            await self.connect()
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        response_headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers.get("content-length", "0"))
        payload = await self.reader.readexactly(length) if length else b""
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return RawResponse(int(status_line.split(" ", 2)[1]), response_headers, payload)

    async def post_json(self, path: str, payload: Any,
                        headers: dict[str, str] | None = None) -> RawResponse:
        return await self.request("POST", path, json.dumps(payload).encode(),
                                  {"Content-Type": "application/json", **(headers or {})})

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
