"""What a SQLite error means for the operator: the cause in words, not SQLite's last message.

A full disk used to surface as "cannot rollback - no transaction is active" (the rollback's
own error after SQLite had already rolled the transaction back); the answer's body must name
the real cause so an operator knows to free space, and the service stays up: writes resume
by themselves once the disk has room again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from service.store.base import DatabaseUnavailable


def _errorname(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def describe(exc: sqlite3.Error, path: Path) -> str:
    """One sentence saying what went wrong with the database at ``path`` and what to do."""
    name = _errorname(exc)
    if name.startswith("SQLITE_FULL"):
        return (f"the disk holding the SQLite database {path} is full ({exc}); free some "
                "space there: writes resume by themselves")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
        return (f"the SQLite database {path} or its folder cannot be written ({exc}); make "
                "it writable again: writes resume by themselves")
    if name.startswith("SQLITE_IOERR"):
        return f"the disk holding the SQLite database {path} reported an I/O error ({exc})"
    return f"the SQLite database {path} failed: {exc}"


def unavailable(exc: sqlite3.Error, path: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(describe(exc, path))
