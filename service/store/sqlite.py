"""SQLite backend: group commit on one writer connection, reads on another, per process.

A commit in WAL mode with ``synchronous=FULL`` costs an fsync (~0.1 ms on an idle disk
here, several ms on a busy one), and SQLite has one writer at a time. One transaction per
check-in would cap throughput at one fsync per check-in. Instead each process has a writer
task: it takes every write waiting in the queue (up to MAX_BATCH), runs each in its own
savepoint inside one transaction, commits once, and only then answers them all. A refused
or failed piece of work rolls back to its savepoint and does not touch the others.

Several worker processes share the file, and SQLite has no fair queue for its write lock:
with polling (its busy handler, or ours), the process that just committed re-takes the lock
before the other wakes up, and the other's requests starve for seconds (measured here: p50
0.5 s at 1,500 check-ins/s with two workers). So writers first take an exclusive ``flock``
on a sidecar file, blocking in a thread (the event loop keeps serving): the kernel wakes
the waiting process as soon as the lock is released, and a process always takes the lock
through that same thread hop, which gives the woken waiter its turn. ``BEGIN IMMEDIATE``
then normally succeeds at once; it is still retried with asyncio sleeps, never with
SQLite's busy handler (which would sleep inside the call and stall the event loop), in
case another program writes to the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from service.store.base import DatabaseUnavailable, Row, Tx, probe_write
from service.store.sqlite_checkpoint import WAL_SIZE_LIMIT_BYTES, WalCheckpointer
from service.store.sqlite_errors import unavailable
from service.store.sqlite_lock import LOCK_WAIT_LIMIT_S, is_locked, lock_writers, unlock_writers
from service.store.urls import DatabaseUrl

T = TypeVar("T")
RETRY_SLEEP_FIRST_S = 0.0002
RETRY_SLEEP_MAX_S = 0.002
MAX_BATCH = 256
# /healthz says 503 below this much free space: the database can no longer grow safely.
LOW_DISK_BYTES = 1 << 20


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


@dataclass
class _Job:
    work: Callable[[Tx], Awaitable[Any]]
    done: asyncio.Future[Any]


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: DatabaseUrl) -> None:
        assert url.sqlite_path is not None
        self.path = url.sqlite_path
        self.synchronous = url.sqlite_synchronous
        self.writer: sqlite3.Connection | None = None
        self.reader: sqlite3.Connection | None = None
        self.queue: list[_Job] = []
        self.wakeup = asyncio.Event()
        self.writer_task: asyncio.Task[None] | None = None
        self.read_lock = asyncio.Lock()
        self.lock_fd = -1
        self.lock_path = self.path.with_name(self.path.name + ".writelock")
        self.checkpointer = WalCheckpointer(self.lock_path, self._connect)

    def pushed_results_version(self) -> int | None:
        return None  # reading it is a ~10 us local query: nothing to push

    def saw_results_version(self, version: int) -> None:
        pass

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
        return conn

    async def open(self) -> None:
        self.lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self.writer = self._connect()
        # Checkpoints run in the background (service.store.sqlite_checkpoint).
        self.writer.execute("PRAGMA wal_autocheckpoint=0")
        self.writer.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        self.reader = self._connect()
        self.writer_task = asyncio.create_task(self._write_loop())
        self.checkpointer.start()

    async def close(self) -> None:
        if self.writer_task is not None:
            self.writer_task.cancel()
            self.writer_task = None
        self.checkpointer.close()
        for conn in (self.writer, self.reader):
            if conn is not None:
                conn.close()
        self.writer = self.reader = None
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        conn = self.reader
        if conn is None:
            raise DatabaseUnavailable("the SQLite database is not open")
        async with self.read_lock:
            try:
                conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise unavailable(exc, self.path) from exc
            try:
                yield SqliteTx(conn)
            except sqlite3.Error as exc:
                raise unavailable(exc, self.path) from exc
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    async def check_writable(self) -> str | None:
        """None when a write commits now; otherwise what stops writes (for /healthz)."""
        try:
            stat = os.statvfs(self.path.parent)
        except OSError as exc:
            return f"cannot inspect the folder of the SQLite database {self.path}: {exc}"
        free_bytes = stat.f_bavail * stat.f_frsize
        if free_bytes < LOW_DISK_BYTES:
            # A probe write can still succeed by reusing WAL space while new rows cannot.
            return (f"the disk holding the SQLite database {self.path} has {free_bytes} bytes "
                    f"free (under {LOW_DISK_BYTES}); free some space there")
        try:
            await self.run_write(probe_write)
        except DatabaseUnavailable as exc:
            return str(exc)
        return None

    async def run_write(self, work: Callable[[Tx], Awaitable[T]],
                        statement_atomic: bool = False) -> T:
        if self.writer is None:
            raise DatabaseUnavailable("the SQLite database is not open")
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.queue.append(_Job(work, done))
        self.wakeup.set()
        return await done

    async def _write_loop(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue:
                try:
                    await lock_writers(self.lock_fd)
                except TimeoutError:
                    self._fail_all(DatabaseUnavailable(
                        f"another service process held the SQLite write lock for "
                        f"{LOCK_WAIT_LIMIT_S} s; use fewer workers or PostgreSQL"))
                    break
                try:
                    await self._write_batch()
                finally:
                    unlock_writers(self.lock_fd)

    async def _write_batch(self) -> None:
        try:
            await self._begin()
        except _Abandoned:
            return
        # Jobs that arrived while we waited for the lock join this batch.
        batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
        try:
            await self._run_batch(batch)
        except Exception as exc:  # never leave a caller waiting forever
            # SQLite may have rolled back already (a full disk does): the ROLLBACK's own
            # "no transaction is active" must not hide the cause.
            with contextlib.suppress(sqlite3.Error):
                assert self.writer is not None
                self.writer.execute("ROLLBACK")
            failure = (exc if isinstance(exc, DatabaseUnavailable)
                       else unavailable(exc, self.path) if isinstance(exc, sqlite3.Error)
                       else DatabaseUnavailable(f"write failed: {exc}"))
            for job in batch:
                if not job.done.done():
                    job.done.set_exception(failure)

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting for other processes without blocking the loop."""
        assert self.writer is not None
        deadline = time.monotonic() + LOCK_WAIT_LIMIT_S
        sleep_s = RETRY_SLEEP_FIRST_S
        while True:
            try:
                self.writer.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                if not isinstance(exc, sqlite3.OperationalError) or not is_locked(exc):
                    self._fail_all(unavailable(exc, self.path))
                    raise _Abandoned from exc
                if time.monotonic() > deadline:
                    self._fail_all(DatabaseUnavailable(
                        f"the SQLite database stayed locked for {LOCK_WAIT_LIMIT_S} s ({exc}); "
                        "use fewer workers or PostgreSQL for this load"))
                    raise _Abandoned from exc
            await asyncio.sleep(sleep_s)
            sleep_s = min(sleep_s * 2, RETRY_SLEEP_MAX_S)

    def _fail_all(self, exc: Exception) -> None:
        for job in self.queue:
            if not job.done.done():
                job.done.set_exception(exc)
        self.queue = []

    async def _run_batch(self, batch: list[_Job]) -> None:
        conn = self.writer
        assert conn is not None
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        tx = SqliteTx(conn)
        for job in batch:
            conn.execute("SAVEPOINT job")
            try:
                value = await job.work(tx)
            except sqlite3.Error as exc:
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back (e.g. the disk is full): the
                    # jobs before this one are undone too; _write_batch fails them all.
                    raise
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                outcomes.append((job, None, unavailable(exc, self.path)))
            except Exception as exc:  # the job's own refusal (or bug): undo just this job
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                outcomes.append((job, None, exc))
            else:
                conn.execute("RELEASE job")
                outcomes.append((job, value, None))
        try:
            # The commit's fsync runs in a thread (sqlite3 releases the GIL), so the event
            # loop keeps reading requests, which queue up for the next batch meanwhile.
            await asyncio.to_thread(conn.execute, "COMMIT")
            self.checkpointer.note_commit()
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):  # it may be rolled back already
                conn.execute("ROLLBACK")
            failure = unavailable(exc, self.path)
            outcomes = [(job, None, failure) for job, _, _ in outcomes]
        # Answers go out only now: nothing is acknowledged before it is durable.
        for job, value, error in outcomes:
            if job.done.done():
                continue
            if error is None:
                job.done.set_result(value)
            else:
                job.done.set_exception(error)


class _Abandoned(Exception):
    """The queued jobs were failed; the write loop goes back to waiting."""
