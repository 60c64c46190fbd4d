"""Request body size limits (413), enforced before the body reaches any handler; the values
of the connection limits that service/connguard.py enforces.

Ordinary endpoints take at most 64 KiB. The batch endpoint carries up to 500 check-ins of
~220 bytes each, which cannot fit in 64 KiB, so it gets its own limit; the admin register
import is a stream of millions of lines and is read incrementally, so it has none.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 64 * 1024
BATCH_MAX_BODY_BYTES = 512 * 1024
UNLIMITED_PREFIXES = ("/admin/import",)

# Connection limits, enforced by service/connguard.py (defaults of the `pollday serve` flags).
MAX_HEAD_BYTES = 16 * 1024
DEFAULT_KEEP_ALIVE_S = 30.0
DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_BODY_TIMEOUT_S = 30.0
DEFAULT_MAX_CONNECTIONS = 4096
# Write deadline: a connection whose answers wait unread this long is aborted (its socket and
# buffered answers freed at once). It runs while the transport holds more than its high-water
# mark (64 KiB) unsent, and while a close waits for unsent bytes: a client must take ~48 KiB
# per WRITE_TIMEOUT_S, which a station on a slow mobile link does; one that never reads does
# not, and without it kept its socket past every other timeout (issue 27). Not a flag: no
# operator has a reason to let unread answers pile up longer.
WRITE_TIMEOUT_S = 10.0


class ConnectionLimits:
    """The process's connection limits, set once by each worker from its settings."""

    keep_alive_s = DEFAULT_KEEP_ALIVE_S
    header_timeout_s = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s = DEFAULT_BODY_TIMEOUT_S
    max_connections = DEFAULT_MAX_CONNECTIONS


def configure(keep_alive_s: float, header_timeout_s: float, body_timeout_s: float,
              max_connections: int) -> None:
    ConnectionLimits.keep_alive_s = keep_alive_s
    ConnectionLimits.header_timeout_s = header_timeout_s
    ConnectionLimits.body_timeout_s = body_timeout_s
    ConnectionLimits.max_connections = max_connections


def body_limit_for(path: str) -> int | None:
    """The body limit of ``path`` in bytes, None for streamed uploads."""
    if path.startswith(UNLIMITED_PREFIXES):
        return None
    if path == "/v1/checkins/batch":
        return BATCH_MAX_BODY_BYTES
    return DEFAULT_MAX_BODY_BYTES


class BodySizeLimitMiddleware:
    """Answer 413 to bodies over the path's limit, by Content-Length or by counting."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _send_413(send, limit)
                    return
        # Read the (small) body up front: an error raised while the app itself reads it
        # would be turned into a 400 by the framework. Chunked bodies carry no length, so
        # counting is the only way to know.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _send_413(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay_receive, send)


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "error": "body_too_large",
            "detail": f"request bodies on this endpoint are limited to {limit} bytes; "
            "send smaller requests (batches of at most 500 check-ins)",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
