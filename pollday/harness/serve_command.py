"""``pollday serve``: starts the reference service as its own program, ``python -m service``.

pollday never imports the service (the layer rules in pyproject.toml): the service is reached
over HTTP. ``pollday serve ARGS`` replaces this process with ``python -m service ARGS`` (same
process id, so signals, exit codes, stdout and stderr are the service's own); the service owns
its option list, so ``pollday serve --help`` is the service's help, titled ``pollday serve``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pollday.options.aliases import deprecation_text

SERVICE_MODULE = "service"
PROG_ENV = "POLLDAY_SERVE_PROG"  # read by service/cli.py for its usage line


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    # The options are the service's (python -m service --help); main() forwards them unparsed.
    parser.description = ("Run the reference check-in and results service (python -m service); "
                          "'pollday serve --help' lists its options.")


def service_argv(args: Sequence[str]) -> list[str]:
    """The command line that runs the service with ``args``."""
    return [sys.executable, "-m", SERVICE_MODULE, *args]


def exec_service(args: Sequence[str]) -> NoReturn:
    """Replace this process by ``python -m service args`` (never returns)."""
    if any(a == "--workers" or a.startswith("--workers=") for a in args):
        # The service's own name for it; under pollday, --workers means simulation processes.
        sys.stderr.write(deprecation_text("serve", "--workers", "--service-workers",
                                          "the service's uvicorn workers"))
    sys.stdout.flush()
    sys.stderr.flush()
    argv = service_argv(args)
    os.execve(argv[0], argv, {**os.environ, PROG_ENV: "pollday serve"})
