"""A target whose capacity is known: at most ``k`` requests served at once, each for exactly
``d`` seconds (the rest wait their turn, FIFO), so it saturates at ``k / d`` requests per
second. It speaks just enough of the reference contract for the replay and the audit
(check-ins with duplicates refused, batches, protocols, results, admin counters).

It runs an asyncio HTTP/1.1 server (keep-alive) in a thread of the test process; the load
generator is another process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _State:
    def __init__(self) -> None:
        self.by_voter: dict[str, tuple[str, str]] = {}  # voter -> (checkin id, key)
        self.by_id: dict[str, str] = {}
        self.protocols: dict[str, dict[str, int]] = {}

    def checkin(self, body: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        voter = str(body.get("voter_id"))
        found = self.by_voter.get(voter)
        if found is not None:
            if found[1] == key:
                return 201, {"checkin_id": found[0]}
            return 409, {"detail": "already checked in"}
        checkin_id = uuid.uuid4().hex
        self.by_voter[voter] = (checkin_id, key)
        self.by_id[checkin_id] = voter
        return 201, {"checkin_id": checkin_id}

    def results(self) -> dict[str, Any]:
        votes: Counter[str] = Counter()
        for v in self.protocols.values():
            votes.update(v)
        return {"candidates": [{"name": n, "votes": c} for n, c in sorted(votes.items())],
                "stations_reported": len(self.protocols)}


def _answer(status: int, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


def _route(state: _State, method: str, path: str, headers: dict[str, str],
           body: bytes) -> tuple[int, dict[str, Any]]:
    data = json.loads(body) if body else {}
    if method == "POST" and path == "/v1/checkins":
        return state.checkin(data, headers.get("idempotency-key", ""))
    if method == "POST" and path == "/v1/checkins/batch":
        results = []
        for item in data["items"]:
            status, answer = state.checkin(item, item["idempotency_key"])
            results.append({"idempotency_key": item["idempotency_key"], "status": status,
                            "body": answer})
        return 200, {"results": results}
    if method == "POST" and path == "/v1/protocols":
        state.protocols.setdefault(data["station_id"], data["votes"])
        return 201, {}
    if path == "/v1/results":
        return 200, state.results()
    if path == "/admin/counters":
        n = len(state.by_id)
        return 200, {"checkins_accepted": n, "distinct_voters_accepted": n}
    if path.startswith("/admin/checkins/"):
        voter = state.by_id.get(path.rsplit("/", 1)[1])
        return (200, {"voter_id": voter}) if voter else (404, {})
    if path == "/healthz":
        return 200, {"ok": True}
    if path == "/v1/streams":
        return 200, {"streams": []}
    return 404, {}


class KnownCapacityServer:
    """``k`` at once, ``d`` seconds each; ``url`` once started (use :func:`known_capacity`)."""

    def __init__(self, k: int, d_s: float) -> None:
        self.k, self.d_s = k, d_s
        self.state = _State()
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._slots = asyncio.Semaphore(self.k)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024))
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self._server = server
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                timed = path.startswith("/v1/")  # the admin contract is not the load
                if timed:
                    async with self._slots:
                        await asyncio.sleep(self.d_s)
                status, answer = _route(self.state, method, path.split("?")[0], headers, body)
                writer.write(_answer(status, answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextmanager
def known_capacity(k: int, d_s: float) -> Iterator[KnownCapacityServer]:
    server = KnownCapacityServer(k, d_s)
    server.start()
    try:
        yield server
    finally:
        server.stop()
