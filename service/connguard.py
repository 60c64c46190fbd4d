"""Connection limits uvicorn lacks: idle and slow clients cannot exhaust the service.

uvicorn (0.54, httptools) never closes a connection that sends nothing, cancels its keep-alive
timer on every received byte (so a client sending a byte every 0.2 s is held forever), has no
limit on the size of a request head, and no write deadline. With a file-descriptor limit of
20,000, that many idle sockets made the service drop normal requests. This subclass of
uvicorn's httptools protocol adds per connection:

- an idle deadline: a connection must start a request within ``keep_alive_s`` of opening or
  of its previous response (a station's keep-alive connection between check-ins);
- a head deadline: once a request's first byte arrived, its whole head (request line and
  headers) must arrive within ``header_timeout_s``, else 408 and close — received bytes do
  not extend it, so slow senders are cut off;
- a head size limit of ``MAX_HEAD_BYTES``: 431 and close;
- a body deadline: ``body_timeout_s`` from the end of the head (streamed register imports:
  ``body_timeout_s`` without a byte instead, since they may legitimately take minutes);
- a write deadline, ``WRITE_TIMEOUT_S``: answers left unread that long (more than the
  transport's high-water mark unsent, or a close waiting for the client to take the rest)
  reset the connection, freeing its socket and buffers. Without it, clients pipelining
  requests and never reading kept their sockets past every timeout (issue 27);
- a connection cap per worker (``max_connections``), counting every socket until its
  descriptor is gone, closing ones included. Past it, the connection stalled longest on an
  unread answer is reset, else the one idle longest closed, else the newcomer refused.

The limits come from the service settings (``pollday serve --max-connections`` ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import socket
import struct
import termios
from collections import OrderedDict
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from service.limits import (
    MAX_HEAD_BYTES,
    UNLIMITED_PREFIXES,
    WRITE_TIMEOUT_S,
    configure,
)
from service.limits import ConnectionLimits as Limits

__all__ = ["GuardedHttpToolsProtocol", "configure"]  # app.py configures each worker here

IDLE, HEAD, BODY, APP = "idle", "head", "body", "app"


class _HeadTooLarge(Exception):
    pass


# Connections of this process waiting for their next request, longest-idle first.
_idle: OrderedDict[GuardedHttpToolsProtocol, None] = OrderedDict()
# Connections whose write deadline runs (answers waiting unread), longest-stalled first.
_stalled: OrderedDict[GuardedHttpToolsProtocol, None] = OrderedDict()
# Every connection until uvicorn reports it lost, i.e. until its file descriptor is closed.
_open: set[GuardedHttpToolsProtocol] = set()
DRAIN_POLL_S = 0.25  # how often a closing connection looks whether the client read the rest


def _unsent_bytes(transport: asyncio.Transport) -> int:
    """Bytes written and not yet acknowledged by the client, ours and the kernel's (SIOCOUTQ)."""
    unsent = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError, ValueError):
            queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
            unsent += struct.unpack("i", queued)[0]
    return unsent


# SO_LINGER on, timeout 0: close() resets the connection and drops unsent bytes instead of
# leaving them to the kernel (an orphan socket probing a reader that never reads for minutes).
_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._write_deadline: asyncio.TimerHandle | None = None
        self._answering: RequestResponseCycle | None = None
        self._draining = False  # closing, waiting for the client to read the rest
        self._head_bytes = 0
        self._streamed_body = False

    # -- connection lifetime -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _open.add(self)
        if len(_open) > Limits.max_connections:
            self._make_room()
            if self.transport.is_closing():  # refused
                return
        self._enter(IDLE, Limits.keep_alive_s)

    def connection_lost(self, exc: Exception | None) -> None:
        _open.discard(self)
        _idle.pop(self, None)
        self._cancel()
        self._stop_write_deadline()
        cycle = self._answering
        if cycle is not None and cycle is not self.cycle and not cycle.response_complete:
            # uvicorn only tells the last request parsed (self.cycle); a pipelined one being
            # answered would write on, and uvloop raise (a traceback per reset non-reader).
            cycle.disconnected = True
            cycle.message_event.set()
        super().connection_lost(exc)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        self._answering = cycle
        super()._start_asgi_task(cycle, app)

    def _make_room(self) -> None:
        victim = next(iter(_idle), None)
        if victim is not None and not _stalled:
            victim._close()  # closed, or closing once its client has read the rest: stalled
        stalled = next(iter(_stalled), None)
        if stalled is not None:  # its client does not read its answers: reset, the room is made
            stalled._abort()
        elif victim is None:  # every other connection is busy with a request: refuse this one
            self._close()

    def _close(self) -> None:
        """Close once the client has what was sent; past the write deadline, reset."""
        # Stays in _open until connection_lost: a closing socket still holds its descriptor.
        _idle.pop(self, None)
        self._cancel()
        if self.transport.is_closing():
            return
        if _unsent_bytes(self.transport) == 0:
            self._stop_write_deadline()
            self.transport.close()
            return
        if not self._draining:
            # A plain close would leave unread answers to uvloop (waiting for the client
            # forever) or to the kernel (an orphan socket for minutes): close once read.
            self._draining = True
            self.flow.pause_reading()  # no new requests on a connection being closed
            self._start_write_deadline()
        # The kernel signals nothing when its queue empties: look again shortly.
        self._deadline = self.loop.call_later(DRAIN_POLL_S, self._close)

    def _abort(self) -> None:
        _idle.pop(self, None)
        self._cancel()
        self._stop_write_deadline()
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
        self.transport.abort()

    # -- write deadline ------------------------------------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()  # the transport holds more than its high-water mark unsent
        self._start_write_deadline()

    def resume_writing(self) -> None:
        super().resume_writing()
        if not (self._draining or self.transport.is_closing()):  # a close still needs the
            self._stop_write_deadline()  # rest read in time

    def _start_write_deadline(self) -> None:
        # Not restarted by partial reads: a client reading a byte at a time cannot extend it.
        if self._write_deadline is None:
            self._write_deadline = self.loop.call_later(WRITE_TIMEOUT_S, self._abort)
            _stalled[self] = None

    def _stop_write_deadline(self) -> None:
        _stalled.pop(self, None)
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None

    def timeout_keep_alive_handler(self) -> None:
        # uvicorn's keep-alive timer, replaced by our idle deadline: its bare close skips the
        # write deadline, and as our data_received does not cancel it, could cut a request.
        pass

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
        pipelined = bool(self.pipeline)  # uvicorn starts the next queued request, if any
        super().on_response_complete()
        if self.transport.is_closing():
            if self.transport.get_write_buffer_size() > 0:
                # Closed by uvicorn after a `connection: close` answer: uvloop waits for the
                # client to read the rest; bound that wait too.
                self._start_write_deadline()
        elif self._draining:
            self.flow.pause_reading()  # uvicorn resumed it: no more requests while closing
        else:
            self._head_bytes = 0
            # Answering a pipelined request is not idle: neither the keep-alive deadline nor
            # the cap's longest-idle rule applies (the write deadline bounds a non-reader).
            if pipelined:
                self._enter(APP, None)
            else:
                self._enter(IDLE, Limits.keep_alive_s)
