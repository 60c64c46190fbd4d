"""Checkpoints of the SQLite WAL, in the background, so the WAL stays short under load.

A checkpoint copies the WAL back into the database file, with fsyncs of its own. Left to
SQLite it runs inside every 1000th COMMIT and delays that batch's answers by tens of ms,
so the writer turns it off and this task runs it every ``CHECKPOINT_INTERVAL_S`` instead.

A PASSIVE checkpoint never waits, but under steady writes it never catches up with the
writers either, and SQLite rewinds the WAL only once every frame has been copied back:
measured here, the WAL grew to 1.5 GB in 2 minutes at 740 check-ins/s, and the ``-shm``
index every process maps grew with it. So once the WAL is ``WAL_RESTART_FRAMES`` long,
the checkpointer takes the writers' lock and runs a RESTART checkpoint.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from service.store.sqlite_lock import lock_writers, unlock_writers

CHECKPOINT_INTERVAL_S = 0.5
# ~32 MiB of 4 KiB pages: a restart every few seconds at the heaviest measured load.
WAL_RESTART_FRAMES = 8192
# After a restart the writer truncates a WAL that grew past this (e.g. while a long read
# held the restart off) instead of keeping the space.
WAL_SIZE_LIMIT_BYTES = 64 << 20


class WalCheckpointer:
    """One per process: checkpoints the WAL while writes keep coming."""

    def __init__(self, lock_path: Path, connect: Callable[[], sqlite3.Connection]) -> None:
        self.lock_path = lock_path
        self.connect = connect
        self.conn: sqlite3.Connection | None = None
        # The writers' flock taken on an open file of its own: flock locks belong to the
        # open file, so sharing the writer's descriptor would not keep this process's
        # writer out.
        self.lock_fd = -1
        self.task: asyncio.Task[None] | None = None
        self.commits_since_checkpoint = 0
        self.restarts = 0

    def start(self) -> None:
        self.lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self.conn = self.connect()
        self.task = asyncio.create_task(self._loop())

    def note_commit(self) -> None:
        self.commits_since_checkpoint += 1

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL_S)
            if self.commits_since_checkpoint == 0:
                continue
            self.commits_since_checkpoint = 0
            wal_frames = await self.checkpoint("PASSIVE")
            if wal_frames >= WAL_RESTART_FRAMES:
                await self.restart_wal()

    async def checkpoint(self, mode: str) -> int:
        """Run one checkpoint; the WAL's length in frames after it (0 when it failed).

        A busy file (another checkpoint, a reader of an older snapshot) is not an error:
        the next interval tries again.
        """
        conn = self.conn
        if conn is None:
            return 0
        try:
            row = await asyncio.to_thread(
                lambda: conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())
        except sqlite3.Error:
            return 0
        busy, wal_frames, _copied = row
        if mode == "RESTART" and busy == 0:
            self.restarts += 1
        return int(wal_frames)

    async def restart_wal(self) -> None:
        """Copy the WAL's last frames back and rewind it, every writer held off meanwhile.

        With the writers' lock held no frame arrives, so the RESTART checkpoint completes
        and copies only what was written since the PASSIVE one just before it: a fraction
        of a second of writes. Readers of an older snapshot still make it busy.
        """
        try:
            await lock_writers(self.lock_fd)
        except TimeoutError:
            return
        try:
            await self.checkpoint("RESTART")
        finally:
            unlock_writers(self.lock_fd)
