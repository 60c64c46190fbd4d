"""The target's credentials on pollday's command line: ``--secret`` and ``--admin-token``,
defaulting to ``$POLLDAY_SECRET`` and ``$POLLDAY_ADMIN_TOKEN`` (the one place pollday reads
them; the service and Locust's options read their own, as separate programs)."""

from __future__ import annotations

import argparse
import os

SECRET_ENV = "POLLDAY_SECRET"
ADMIN_TOKEN_ENV = "POLLDAY_ADMIN_TOKEN"


def add_credential_arguments(p: argparse.ArgumentParser, *, secret_note: str = "",
                             admin_use: str = "") -> None:
    """``--secret`` and ``--admin-token``; the notes finish their help texts."""
    p.add_argument("--secret", default=os.environ.get(SECRET_ENV, ""),
                   help=f"the target's station-token secret (default ${SECRET_ENV}; "
                   f"required with --host{secret_note})")
    p.add_argument("--admin-token", default=os.environ.get(ADMIN_TOKEN_ENV, ""),
                   help=f"the target's admin token{admin_use} (default ${ADMIN_TOKEN_ENV}; "
                   "required with --host)")
