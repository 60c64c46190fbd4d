"""Connection limits uvicorn lacks: idle and slow clients cannot exhaust the service.

uvicorn (0.54, httptools) never closes a connection that sends nothing, cancels its keep-alive
timer on every received byte (so a client sending a byte every 0.2 s is held forever), and has
no limit on the size of a request head. With a file-descriptor limit of 20,000, that many idle
sockets made the service drop normal requests. This protocol, a subclass of uvicorn's
httptools protocol, adds per connection:

- an idle deadline: a connection must start a request within ``keep_alive_s`` of opening or
  of its previous response (a station's keep-alive connection between check-ins);
- a head deadline: once a request's first byte arrived, its whole head (request line and
  headers) must arrive within ``header_timeout_s``, else 408 and close — received bytes do
  not extend it, so slow senders are cut off;
- a head size limit of ``MAX_HEAD_BYTES``: 431 and close;
- a body deadline: ``body_timeout_s`` from the end of the head (streamed register imports:
  ``body_timeout_s`` without a byte instead, since they may legitimately take minutes);
- a connection cap per worker (``max_connections``): past it, the connection idle for the
  longest is closed to make room, so idle sockets cannot lock new clients out.

The limits come from the service settings (``pollday serve --max-connections`` ...).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
    MAX_HEAD_BYTES,
    UNLIMITED_PREFIXES,
)

IDLE, HEAD, BODY, APP = "idle", "head", "body", "app"


class _HeadTooLarge(Exception):
    pass


class Limits:
    """The process's limits, set once by the worker from its settings."""

    keep_alive_s = DEFAULT_KEEP_ALIVE_S
    header_timeout_s = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s = DEFAULT_BODY_TIMEOUT_S
    max_connections = DEFAULT_MAX_CONNECTIONS


def configure(keep_alive_s: float, header_timeout_s: float, body_timeout_s: float,
              max_connections: int) -> None:
    Limits.keep_alive_s = keep_alive_s
    Limits.header_timeout_s = header_timeout_s
    Limits.body_timeout_s = body_timeout_s
    Limits.max_connections = max_connections


# Connections of this process waiting for their next request, longest-idle first.
_idle: OrderedDict[GuardedHttpToolsProtocol, None] = OrderedDict()
_open: set[GuardedHttpToolsProtocol] = set()


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._streamed_body = False

    # -- connection lifetime -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _open.add(self)
        if len(_open) > Limits.max_connections:
            self._make_room()
        self._enter(IDLE, Limits.keep_alive_s)

    def connection_lost(self, exc: Exception | None) -> None:
        _open.discard(self)
        _idle.pop(self, None)
        self._cancel()
        super().connection_lost(exc)

    def _make_room(self) -> None:
        victim = next(iter(_idle), None)
        if victim is None:  # every other connection is busy with a request: refuse this one
            victim = self
        victim._close()

    def _close(self) -> None:
        _open.discard(self)
        _idle.pop(self, None)
        self._cancel()
        if not self.transport.is_closing():
            self.transport.close()

    # -- phases and their deadlines ------------------------------------------------------------

    def _enter(self, phase: str, timeout_s: float | None) -> None:
        self._phase = phase
        self._cancel()
        if phase == IDLE:
            _idle[self] = None
            _idle.move_to_end(self)
        else:
            _idle.pop(self, None)
        if timeout_s is not None:
            self._deadline = self.loop.call_later(timeout_s, self._expired)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self._phase == HEAD:
            self._reject(408, "the request head did not arrive in time")
        else:
            self._close()

    def _reject(self, status: int, message: str) -> None:
        if not self.transport.is_closing():
            reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
            body = message.encode("ascii")
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                % (status, reason, len(body), body))
        self._close()

    # -- parser hooks ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._phase == IDLE:
            self._head_bytes = 0
            self._enter(HEAD, Limits.header_timeout_s)
        elif self._phase == BODY and self._streamed_body:
            self._enter(BODY, Limits.body_timeout_s)  # streamed: a deadline per silence
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._reject(431, f"request heads are limited to {MAX_HEAD_BYTES} bytes")
                return
            self._bad_request()
        except httptools.HttpParserUpgrade:  # as uvicorn does
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            self._bad_request()

    def _bad_request(self) -> None:
        self.logger.warning("Invalid HTTP request received.")
        self.send_400_response("Invalid HTTP request received.")
        self._close()

    def _count_head(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _HeadTooLarge

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        path = self.scope.get("path", "")
        self._streamed_body = path.startswith(UNLIMITED_PREFIXES)
        self._enter(BODY, Limits.body_timeout_s)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self.cycle is not None and self.cycle.response_complete:
            # Answered before its body was read (e.g. a refusal): wait for the next request.
            self._enter(IDLE, Limits.keep_alive_s)
        else:
            self._enter(APP, None)  # the app is answering: no deadline of ours

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._head_bytes = 0
            self._enter(IDLE, Limits.keep_alive_s)
