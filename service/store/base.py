"""The transaction interface the service logic is written against."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

Row = tuple[Any, ...]
T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or stays locked; the request may be retried (503)."""


class Tx(Protocol):
    """One open transaction. SQL uses ``?`` placeholders in every dialect."""

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Database(Protocol):
    """A connected database of one dialect ("sqlite" or "postgresql")."""

    dialect: str

    def read(self) -> AbstractAsyncContextManager[Tx]:
        """A connection for reads; it sees only committed data (statement by statement)."""
        ...

    async def run_write(self, work: Callable[[Tx], Awaitable[T]],
                        statement_atomic: bool = False) -> T:
        """Run ``work`` in a write transaction and return its result once committed.

        If ``work`` raises, its changes are rolled back and the exception is raised here.
        ``work`` must only await the Tx's methods: a backend may run several callers' work
        in one transaction (group commit), each in its own savepoint.

        ``statement_atomic=True`` declares that ``work`` stays correct when each of its
        statements commits on its own (every invariant is kept by single statements:
        constraints, triggers); a backend may then skip BEGIN/COMMIT round trips.
        """
        ...

    def pushed_results_version(self) -> int | None:
        """The results version as pushed by the database, or None if it must be queried."""
        ...

    def saw_results_version(self, version: int) -> None:
        """This process committed ``version``: readers here must see it at once."""
        ...

    async def check_writable(self) -> str | None:
        """None when a write commits now; otherwise what stops writes (for /healthz)."""
        ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


# A real write that commits (and so needs a writable, non-full store) and changes nothing the
# service reads; /healthz runs it to tell a load balancer whether writes work right now.
PROBE_SQL = (
    "INSERT INTO meta (key, value) VALUES ('health_probe', 1) "
    "ON CONFLICT (key) DO UPDATE SET value = meta.value + 1"
)


async def probe_write(tx: Tx) -> int:
    return await tx.execute(PROBE_SQL)
