"""The SQLite WAL is rewound under steady writes (service.store.sqlite_checkpoint).

The failure it guards against needs writers that never pause: a PASSIVE checkpoint then
never copies every frame back, and SQLite keeps appending to the WAL. Here a reader's open
snapshot plays the never-pausing writer, so each step is deterministic.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

import service.store.sqlite_checkpoint as checkpoint_module
from service.store.base import Tx
from service.store.sqlite import SqliteDatabase
from service.store.urls import parse_database_url


@asynccontextmanager
async def opened(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    """A WAL-mode database with one table, opened as the service opens it."""
    path = tmp_path / "wal.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
    conn.close()
    db = SqliteDatabase(parse_database_url(f"sqlite:///{path}"))
    await db.open()
    try:
        yield db
    finally:
        await db.close()


async def insert(db: SqliteDatabase, first: int, count: int) -> None:
    """``count`` commits of one row each."""
    for k in range(first, first + count):
        async def work(tx: Tx, k: int = k) -> None:
            await tx.execute("INSERT INTO t VALUES (?, ?)", (k, "x" * 200))
        await db.run_write(work)


async def wal_frames_after_passive(db: SqliteDatabase) -> int:
    return await db.checkpointer.checkpoint("PASSIVE")


def pin_a_snapshot(db: SqliteDatabase) -> sqlite3.Connection:
    """A reader holding an old snapshot: the frames written after it cannot be copied back."""
    reader = sqlite3.connect(db.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    return reader


def release(reader: sqlite3.Connection) -> None:
    reader.execute("COMMIT")
    reader.close()


async def leave_frames_the_passive_checkpoint_cannot_copy(db: SqliteDatabase) -> int:
    """100 commits, the last 50 past a pinned snapshot, then a PASSIVE checkpoint, as when a
    writer never pauses; the WAL's length in frames after it."""
    await insert(db, 0, 50)
    reader = pin_a_snapshot(db)
    await insert(db, 50, 50)
    frames = await wal_frames_after_passive(db)  # copies up to the reader's snapshot only
    release(reader)
    return frames


@pytest.fixture(autouse=True)
def no_background_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test drives every checkpoint itself.
    monkeypatch.setattr(checkpoint_module, "CHECKPOINT_INTERVAL_S", 3600.0)


def test_passive_checkpoints_alone_let_the_wal_grow(tmp_path: Path) -> None:
    """The failure itself: frames the PASSIVE checkpoint could not copy keep the WAL going."""
    async def scenario() -> tuple[int, int]:
        async with opened(tmp_path) as db:
            before = await leave_frames_the_passive_checkpoint_cannot_copy(db)
            await insert(db, 100, 5)
            return before, await wal_frames_after_passive(db)

    before, after = asyncio.run(scenario())
    assert before >= 100
    assert after == before + 5  # appended, not rewound


def test_restart_rewinds_the_wal_the_passive_checkpoint_left(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int, int]:
        async with opened(tmp_path) as db:
            await leave_frames_the_passive_checkpoint_cannot_copy(db)
            await db.checkpointer.restart_wal()
            await insert(db, 100, 5)
            frames = await wal_frames_after_passive(db)
            rows = len(sqlite3.connect(db.path).execute("SELECT k FROM t").fetchall())
            return db.checkpointer.restarts, frames, rows

    restarts, frames, rows = asyncio.run(scenario())
    assert restarts == 1
    assert frames == 5  # the WAL started over: only the 5 commits after the restart
    assert rows == 105  # and nothing written before it was lost


def test_a_reader_on_an_old_snapshot_defers_the_restart(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, int]:
        async with opened(tmp_path) as db:
            await insert(db, 0, 20)
            reader = pin_a_snapshot(db)
            await insert(db, 20, 20)
            await db.checkpointer.restart_wal()  # busy: must neither wait nor fail
            deferred = db.checkpointer.restarts
            release(reader)
            await db.checkpointer.restart_wal()
            return deferred, db.checkpointer.restarts

    assert asyncio.run(scenario()) == (0, 1)


def test_the_restart_waits_for_a_writer_holding_the_write_lock(tmp_path: Path) -> None:
    """A writer of another process (or of this one) is never checkpointed under."""
    async def scenario() -> tuple[bool, int]:
        async with opened(tmp_path) as db:
            other = os.open(db.lock_path, os.O_RDWR)
            try:
                await insert(db, 0, 20)
                fcntl.flock(other, fcntl.LOCK_EX)  # another process's writer, mid-transaction
                restart = asyncio.create_task(db.checkpointer.restart_wal())
                await asyncio.sleep(0.2)
                finished_while_locked = restart.done()
                fcntl.flock(other, fcntl.LOCK_UN)
                await restart
                return finished_while_locked, db.checkpointer.restarts
            finally:
                os.close(other)

    assert asyncio.run(scenario()) == (False, 1)


def test_the_background_loop_restarts_a_long_wal(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint_module, "CHECKPOINT_INTERVAL_S", 0.01)
    monkeypatch.setattr(checkpoint_module, "WAL_RESTART_FRAMES", 16)

    async def scenario() -> int:
        async with opened(tmp_path) as db:
            await insert(db, 0, 40)
            for _ in range(1000):  # the loop runs every 10 ms; a loaded machine may be slow
                if db.checkpointer.restarts:
                    break
                await asyncio.sleep(0.01)
            return db.checkpointer.restarts

    assert asyncio.run(scenario()) >= 1
