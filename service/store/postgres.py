"""PostgreSQL backend: psycopg 3 async connections from a pool, one per transaction."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from service.store.base import DatabaseUnavailable, Row, Tx, probe_write
from service.store.pg_batch import BatchRejected, CheckinBatcher
from service.store.pg_checkin import ACCEPT_SQL, batch_params
from service.store.schema import STATION_CLOSED_SQLSTATE
from service.store.urls import DatabaseUrl

T = TypeVar("T")
POOL_MAX_SIZE = 8
POOL_TIMEOUT_S = 5.0
LISTEN_RETRY_S = 1.0


@lru_cache(maxsize=256)
def to_pg(sql: str) -> str:
    """Rewrite ``?`` placeholders as ``%s`` (the service's SQL never contains ``?`` or ``%``)."""
    return re.sub(r"\?", "%s", sql)


# A statement that failed for one of these inserted nothing and says nothing about the
# database's health: the general decision answers each check-in instead.
_BATCH_RETRY_SQLSTATES = frozenset({STATION_CLOSED_SQLSTATE, "40P01", "40001"})


def _rejects_batch(exc: psycopg.Error, size: int) -> bool:
    """Whether a failed batch statement goes to the general decision (rather than 503)."""
    if exc.sqlstate in _BATCH_RETRY_SQLSTATES:
        return True  # a protocol came in, or two batches met on the same voters
    # A row the statement could not take (a client-side encoding error...) must not fail
    # the other check-ins of its batch: the general decision answers each on its own.
    return size > 1 and not isinstance(exc, psycopg.OperationalError)


class PostgresTx:
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cur = await self.conn.execute(to_pg(sql), params, prepare=True)
        row: Row | None = await cur.fetchone()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cur = await self.conn.execute(to_pg(sql), params, prepare=True)
        return list(await cur.fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = await self.conn.execute(to_pg(sql), params, prepare=True)
        return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.conn.cursor() as cur:
            await cur.executemany(to_pg(sql), rows)


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, url: DatabaseUrl, max_size: int = POOL_MAX_SIZE) -> None:
        self.url = url.url
        self.pool = AsyncConnectionPool(
            self.url,
            # Opened at start: a connection opened during a surge costs that surge a new
            # backend's start and cold caches (measured: the first second at 2,500/s).
            min_size=max_size,
            max_size=max_size,
            timeout=POOL_TIMEOUT_S,
            open=False,
            kwargs={"autocommit": True},
        )
        self.batcher = CheckinBatcher(self._accept_batch)
        self.results_version: int | None = None
        self.listener: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)
        self.listener = asyncio.create_task(self._listen())

    async def close(self) -> None:
        await self.batcher.drain()
        if self.listener is not None:
            self.listener.cancel()
            self.listener = None
        await self.pool.close()

    def pushed_results_version(self) -> int | None:
        return self.results_version

    def saw_results_version(self, version: int) -> None:
        # Our own commit: do not wait for its notification to come back.
        if self.results_version is not None:
            self.results_version = max(self.results_version, version)

    async def _listen(self) -> None:
        """Follow the results version through LISTEN/NOTIFY; None while not listening."""
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                async with conn:
                    await conn.execute("LISTEN pollday_results_version")
                    # Read the current value only once listening: no change can fall between.
                    cur = await conn.execute(
                        "SELECT value FROM meta WHERE key = 'results_version'")
                    row = await cur.fetchone()
                    self.results_version = int(row[0]) if row else None
                    async for notice in conn.notifies():
                        self.results_version = max(self.results_version or 0,
                                                   int(notice.payload))
            except psycopg.Error:
                self.results_version = None  # readers fall back to querying
                await asyncio.sleep(LISTEN_RETRY_S)

    async def check_writable(self) -> str | None:
        """None when a write commits now; otherwise what stops writes (for /healthz)."""
        try:
            await self.run_write(probe_write, statement_atomic=True)
        except DatabaseUnavailable as exc:
            return str(exc)
        except psycopg.Error as exc:  # e.g. a read-only server or a full disk on its side
            return f"PostgreSQL refused a write: {str(exc).strip()}"
        return None

    async def accept_checkin(self, params: dict[str, Any]) -> bool:
        """Insert a first, matching check-in in one statement (see ``pg_checkin``), shared
        with the check-ins that arrive meanwhile (see ``pg_batch``).

        True when it was inserted (committed: autocommit); False when the general decision
        must answer (nothing was changed).
        """
        return await self.batcher.accept(params)

    async def _accept_batch(self, batch: Sequence[dict[str, Any]]) -> set[str]:
        async with self._connection() as conn:
            try:
                cur = await conn.execute(ACCEPT_SQL, batch_params(batch), prepare=True)
                return {row[0] for row in await cur.fetchall()}
            except psycopg.Error as exc:
                if _rejects_batch(exc, len(batch)):
                    raise BatchRejected(str(exc)) from exc
                raise

    async def run_write(self, work: Callable[[Tx], Awaitable[T]],
                        statement_atomic: bool = False) -> T:
        # PostgreSQL groups concurrent commits' WAL flushes itself: one transaction each.
        if statement_atomic:
            # Autocommit: each statement is its own transaction, no BEGIN/COMMIT trips.
            async with self.read() as tx:
                return await work(tx)
        async with self._connection() as conn, conn.transaction():
            return await work(PostgresTx(conn))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        # The pool's connections are in autocommit mode: no BEGIN/COMMIT round trips.
        async with self._connection() as conn:
            yield PostgresTx(conn)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise DatabaseUnavailable(
                f"no database connection free within {POOL_TIMEOUT_S} s"
            ) from exc
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"PostgreSQL is unavailable: {exc}") from exc
