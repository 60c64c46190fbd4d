"""The target's credentials and contract on pollday's command line: ``--secret`` and
``--admin-token``, defaulting to ``$POLLDAY_SECRET`` and ``$POLLDAY_ADMIN_TOKEN`` (the one
place pollday reads them; the service and Locust's options read their own, as separate
programs); ``--audit``, which decides whether the admin token is needed; ``--adapter``, how
requests are spoken to the target."""

from __future__ import annotations

import argparse
import os

from loadtests.audit.levels import AUDIT_LEVELS, DEFAULT_AUDIT, LEVEL_MEANINGS

__all__ = ["ADMIN_TOKEN_ENV", "SECRET_ENV", "add_credential_arguments"]

SECRET_ENV = "POLLDAY_SECRET"
ADMIN_TOKEN_ENV = "POLLDAY_ADMIN_TOKEN"


def add_credential_arguments(p: argparse.ArgumentParser, *, secret_note: str = "",
                             admin_use: str = "") -> None:
    """``--secret``, ``--admin-token``, ``--audit`` and ``--adapter``; the notes finish the
    credentials' help texts."""
    p.add_argument("--secret", default=os.environ.get(SECRET_ENV, ""),
                   help=f"the target's station-token secret (default ${SECRET_ENV}; "
                   f"required with --host{secret_note})")
    p.add_argument("--admin-token", default=os.environ.get(ADMIN_TOKEN_ENV, ""),
                   help=f"the target's admin token{admin_use} (default ${ADMIN_TOKEN_ENV}; "
                   "required with --host and --audit full)")
    levels = "; ".join(f"{name}: {LEVEL_MEANINGS[name]}" for name in AUDIT_LEVELS)
    p.add_argument("--audit", choices=AUDIT_LEVELS, default=DEFAULT_AUDIT,
                   help=f"what the audit after the load checks (default {DEFAULT_AUDIT}) — "
                   f"{levels}; figures a level cannot measure are 'not measured', never met "
                   "(docs/run.md)")
    p.add_argument("--adapter", metavar="SPEC",
                   help="the load test's adapter, over the scenario's loadtest.adapter "
                   "(e.g. module:Class; docs/loadtests.md)")
