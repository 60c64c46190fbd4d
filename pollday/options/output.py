"""``--quiet`` and ``--json``: one meaning in every pollday command (docs/ci.md, "Flags").

``--quiet``: no progress bars, tables or figures; what is left is the command's closing
verdict line(s), if it judges something, and errors (stderr). ``--json``: the command's
machine-readable answer on stdout and nothing else there (progress, verdict lines and
notes go to stderr), so ``pollday X --json | jq`` always parses.
"""

from __future__ import annotations

import argparse

__all__ = ["QUIET_HELP", "add_output_flags", "json_help"]

QUIET_HELP = ("no progress, tables or figures: only the closing verdict line(s), if the "
              "command judges something, and errors")


def json_help(what: str) -> str:
    """``--json``'s help: ``what`` on stdout, alone."""
    return f"print {what} to stdout, nothing else there (verdict lines go to stderr)"


def add_output_flags(p: argparse.ArgumentParser, json_what: str) -> None:
    """``--quiet`` and ``--json`` with the shared meaning; ``json_what`` names the answer."""
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.add_argument("--json", action="store_true", help=json_help(json_what))
