"""The transaction interface the service logic is written against."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Row = tuple[Any, ...]


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

    def transaction(self, write: bool = False) -> AbstractAsyncContextManager[Tx]:
        """A transaction; ``write=True`` takes the write lock up front where that matters."""
        ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...
