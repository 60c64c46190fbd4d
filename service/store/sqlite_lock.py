"""The SQLite writers' cross-process lock: an exclusive ``flock`` on a sidecar file.

SQLite has no fair queue for its write lock: with polling, the process that just committed
re-takes it before the other wakes up, and the other's requests starve (see
:mod:`service.store.sqlite`). The kernel's ``flock`` wakes the waiting process as soon as the
lock is released; taking it in a thread keeps the event loop serving meanwhile.
"""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
import threading

LOCK_WAIT_LIMIT_S = 5.0


async def lock_writers(fd: int) -> None:
    """Take the cross-process writer lock (flock) without blocking the event loop."""
    state = {"abandoned": False, "held": False}
    guard = threading.Lock()

    def acquire() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with guard:
            if state["abandoned"]:  # we gave up waiting meanwhile: do not keep it
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                state["held"] = True

    try:
        await asyncio.wait_for(asyncio.to_thread(acquire), LOCK_WAIT_LIMIT_S)
    except TimeoutError:
        with guard:
            if not state["held"]:
                state["abandoned"] = True
                raise
    except asyncio.CancelledError:
        with guard:
            if state["held"]:
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                state["abandoned"] = True
        raise


def unlock_writers(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLite's own lock was busy (another program writes to the file)."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text
