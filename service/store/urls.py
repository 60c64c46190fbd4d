"""Database URLs: ``sqlite:///path`` (or a bare path) and ``postgresql://...``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///pollday.sqlite"
SQLITE_SYNCHRONOUS = ("full", "normal")


class UrlError(ValueError):
    """A database URL the service cannot use; the message says the accepted forms."""


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: str  # "sqlite" or "postgresql"
    url: str  # the PostgreSQL conninfo URL, or the SQLite URL as given
    sqlite_path: Path | None = None
    # SQLite commit durability: "full" fsyncs the WAL on every commit, so an acknowledged
    # check-in survives a power cut; "normal" survives a process crash (kill -9) only.
    sqlite_synchronous: str = "full"


def parse_database_url(text: str) -> DatabaseUrl:
    """Parse ``--database-url``; raise UrlError saying which forms are accepted."""
    forms = "sqlite:///relative.sqlite, sqlite:////abs/path.sqlite, a file path, or postgresql://user@host:port/db"
    if text.startswith(("postgresql://", "postgres://")):
        return DatabaseUrl("postgresql", text)
    if "://" not in text:
        if not text.strip():
            raise UrlError(f"empty database URL; use {forms}")
        return DatabaseUrl("sqlite", text, Path(text))
    parts = urlsplit(text)
    if parts.scheme != "sqlite":
        raise UrlError(f"unsupported database URL scheme {parts.scheme!r}; use {forms}")
    if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        raise UrlError(f"cannot read SQLite URL {text!r}; use {forms}")
    query = parse_qs(parts.query)
    synchronous = query.pop("synchronous", ["full"])[-1].lower()
    if query or synchronous not in SQLITE_SYNCHRONOUS:
        raise UrlError(
            f"unknown SQLite URL option in {text!r}; the only option is "
            f"?synchronous=full|normal"
        )
    # sqlite:///rel.sqlite -> path "/rel.sqlite"; sqlite:////abs -> "//abs" (SQLAlchemy style).
    path = Path(parts.path[1:])
    return DatabaseUrl("sqlite", text, path, synchronous)
