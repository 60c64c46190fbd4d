"""Database access: one small transaction interface over SQLite and PostgreSQL.

The service logic is written once against :class:`Database` / :class:`Tx` with ``?``
placeholders; each backend adapts the SQL (PostgreSQL gets ``%s``) and its own concurrency
rules (SQLite: one writer at a time, retried without blocking the event loop; PostgreSQL:
a connection pool).
"""

from service.store.base import Database, DatabaseUnavailable, Tx
from service.store.urls import DatabaseUrl, UrlError, parse_database_url

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "DatabaseUrl",
    "Tx",
    "UrlError",
    "parse_database_url",
]
