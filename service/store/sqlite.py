"""SQLite backend: one connection per worker process, used from the event loop thread.

SQLite statements here take tens of microseconds, cheaper than handing them to a thread
pool. What must not happen is blocking the loop while *another process* holds the write
lock: SQLite's own busy handler sleeps inside the call (1, 2, 5, 10, ... ms). So the busy
timeout is zero, a write transaction starts with ``BEGIN IMMEDIATE`` (the only point where a
WAL writer waits), and on "database is locked" we roll back and retry after an asyncio sleep.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from service.store.base import DatabaseUnavailable, Row, Tx
from service.store.urls import DatabaseUrl

LOCK_WAIT_LIMIT_S = 5.0
RETRY_SLEEP_FIRST_S = 0.0002
RETRY_SLEEP_MAX_S = 0.005


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.conn.execute(sql, params).fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: DatabaseUrl) -> None:
        assert url.sqlite_path is not None
        self.path = url.sqlite_path
        self.synchronous = url.sqlite_synchronous
        self.conn: sqlite3.Connection | None = None
        # The connection is shared by all requests of this process; the lock keeps one
        # transaction at a time on it (it is only contended while a writer waits).
        self.lock = asyncio.Lock()

    async def open(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
        conn.execute("PRAGMA foreign_keys=OFF")
        self.conn = conn

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[Tx]:
        conn = self.conn
        if conn is None:
            raise DatabaseUnavailable("the SQLite database is not open")
        deadline = time.monotonic() + LOCK_WAIT_LIMIT_S
        sleep_s = RETRY_SLEEP_FIRST_S
        while True:
            async with self.lock:
                try:
                    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                except sqlite3.OperationalError as exc:
                    if not _is_locked(exc):
                        raise DatabaseUnavailable(str(exc)) from exc
                else:
                    try:
                        yield SqliteTx(conn)
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.OperationalError as exc:
                        conn.execute("ROLLBACK")
                        raise DatabaseUnavailable(f"commit failed: {exc}") from exc
                    return
            # Another process holds the write lock: wait without blocking this loop.
            if time.monotonic() > deadline:
                raise DatabaseUnavailable(
                    f"the SQLite database stayed locked for {LOCK_WAIT_LIMIT_S} s; "
                    "use fewer workers or PostgreSQL for this load"
                )
            await asyncio.sleep(sleep_s)
            sleep_s = min(sleep_s * 2, RETRY_SLEEP_MAX_S)
