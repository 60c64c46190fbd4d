"""Start the service: prepare the database, bind the socket, print the address, run uvicorn.

The parent process does everything that must happen exactly once (schema migration, WAL
switch, register import, binding the port) before any worker starts; workers only open
their own database connections. The socket is bound and listening before the address is
printed, so a client that read the address can connect at once: its requests wait in the
backlog until a worker is ready.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.app import open_database
from service.importer import import_file
from service.limits import MAX_HEAD_BYTES
from service.settings import Settings
from service.store.schema import prepare_database
from service.store.urls import parse_database_url

APP_FACTORY = "service.app:create_app_from_env"
LISTEN_BACKLOG = 2048


def prepare(settings: Settings, register: Path | None) -> dict[str, int] | None:
    """Create/migrate the schema and import the register file, once, in this process."""
    prepare_database(parse_database_url(settings.database_url))
    if register is None:
        return None

    async def run_import() -> dict[str, int]:
        db = open_database(settings.database_url)
        await db.open()
        try:
            return await import_file(db, register)
        finally:
            await db.close()

    return asyncio.run(run_import())


def _loop_and_http() -> tuple[str, str]:
    # uvloop and httptools roughly double throughput over asyncio + h11; use them if there.
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import httptools  # noqa: F401

        # uvicorn's httptools protocol plus idle, slow-sender, head-size and connection
        # limits (service/connguard.py).
        http = "service.connguard:GuardedHttpToolsProtocol"
    except ImportError:
        http = "h11"
    return loop, http


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def listen_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(settings: Settings, sock: socket.socket, workers: int, log_level: str) -> None:
    """Run uvicorn on the bound socket until interrupted."""
    settings.to_env()  # workers (spawned processes) read their settings from here
    loop, http = _loop_and_http()
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        workers=workers,
        loop=loop,
        http=http,
        access_log=False,  # one log line per check-in would cost more than the check-in
        log_level=log_level,
        backlog=LISTEN_BACKLOG,
        timeout_graceful_shutdown=5,
        # Stations send a check-in every few seconds: keep their connections open between
        # them instead of paying a TCP handshake each time (uvicorn's default is 5 s).
        timeout_keep_alive=int(settings.keep_alive_s),
        # Only used without httptools (h11): bound an unfinished request head.
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal with the handler
    # it found: that handler exits 0, so a requested stop is not -15. It also ends the start
    # when the SIGTERM comes before uvicorn has put its own handlers in place (a no-op here
    # swallowed such a stop).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if workers == 1:
        server.run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()
    sys.stdout.flush()
