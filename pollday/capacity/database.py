"""The embedded service's database per level: a SQLite file (default), or a fresh database
on a PostgreSQL server (``--database-url postgresql://USER@HOST:PORT/DB``).

Every level must meet a target where its voters have not voted yet; with PostgreSQL that is
a new database per level, created on the given server (connecting to DB to create it) and
dropped after the level, so a search leaves the server as it found it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from pollday.exits import EXIT_BAD_INPUT, EXIT_HARNESS
from pollday.harness.failure import RunFailure

_POSTGRES = ("postgresql://", "postgres://")


def check_database_url(url: str | None, host: str | None) -> None:
    """Exit 2 for a ``--database-url`` that cannot be used."""
    if url is None:
        return
    if host:
        raise RunFailure(EXIT_BAD_INPUT, (
            f"--database-url is the embedded service's database; the target at {host} "
            "keeps its own (use one or the other)"))
    if not url.startswith(_POSTGRES) or not urlsplit(url).hostname:
        raise RunFailure(EXIT_BAD_INPUT, (
            f"--database-url {url!r}: use postgresql://USER@HOST:PORT/DB (a PostgreSQL "
            "server where a fresh database per level can be created); without it every "
            "level gets its own SQLite file"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def level_database(server_url: str, level: int) -> Iterator[str]:
    """A new, empty database for one level on ``server_url``'s server; its URL; dropped
    afterwards (whatever happened)."""
    import psycopg

    name = f"pollday_capacity_{level:02d}_{secrets.token_hex(4)}"
    assert re.fullmatch(r"[a-z0-9_]+", name)  # safe to put in the statement as is
    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}".encode())
    except psycopg.Error as error:
        raise RunFailure(EXIT_HARNESS, (
            f"cannot create a database for level {level} on {server_url}: "
            f"{str(error).strip()}")) from None
    try:
        yield _with_database(server_url, name)
    finally:
        try:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
        except psycopg.Error:
            pass  # the level's figures stand; a leftover database is the server's to drop
