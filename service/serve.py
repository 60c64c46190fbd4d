"""The service as a library call: :func:`run_serve` with a typed :class:`ServeOptions`.

``python -m service`` (service/cli.py) only parses its arguments into ServeOptions; a Python
caller builds them directly::

    from service.serve import ServeOptions, run_serve
    from service.settings import Settings
    run_serve(ServeOptions(settings=Settings(database_url="sqlite:///x.sqlite", secret="s"),
                           port=0))
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from service.exits import EXIT_OK, ServiceError, ServiceInputError
from service.faults import FaultSpecError
from service.importer import ImportError_
from service.settings import Settings, SettingsError
from service.store.schema import DatabaseSetupError, SchemaError
from service.store.urls import UrlError, parse_database_url

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@dataclass(frozen=True)
class ServeOptions:
    """Where and how to serve; ``settings`` travel to every worker process (an empty
    ``settings.secret`` means: generate one for this run and print it)."""

    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8080
    register: Path | None = None
    workers: int = 1
    log_level: str = "warning"

    def check(self) -> None:
        """Raise ServiceInputError (or a subclass) for options the service cannot run with."""
        if not 0 <= self.port <= 65535:
            raise ServiceInputError(f"--port must be 0-65535, got {self.port}")
        if self.workers < 1:
            raise ServiceInputError(f"--workers must be at least 1, got {self.workers}")
        if self.log_level not in LOG_LEVELS:
            raise ServiceInputError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, "
                                    f"got {self.log_level!r}")
        if self.register is not None and not self.register.is_file():
            raise ServiceInputError(f"--register {self.register}: no such file; write one "
                                    "with 'pollday register SCENARIO --out FILE'")
        try:
            self.settings.faults()
            self.settings.check_limits()
            parse_database_url(self.settings.database_url)
        except (SettingsError, FaultSpecError, UrlError) as exc:
            raise ServiceInputError(str(exc)) from None


def _prepare(options: ServeOptions) -> dict[str, int] | None:
    from service.server import prepare  # uvicorn only when serving

    try:
        return prepare(options.settings, options.register)
    except ImportError_ as exc:
        raise ServiceInputError(
            f"--register {options.register}: {exc}; the lines before the error were "
            "imported: fix the file and start again (importing again is safe)") from None
    except SchemaError as exc:
        raise ServiceInputError(str(exc)) from None
    except DatabaseSetupError as exc:
        raise ServiceError(str(exc)) from None
    except (psycopg.Error, OSError) as exc:
        raise ServiceError(f"cannot prepare the database {options.settings.database_url}: "
                           f"{str(exc).strip()}") from None


def run_serve(options: ServeOptions) -> int:
    """Validate, prepare the database, import the register, then serve until stopped.

    Raises ServiceError (its ``exit_code`` says 2 or 3) before serving; returns 0 once stopped.
    """
    from service.server import bind, listen_url, serve

    options.check()
    if not options.settings.secret:
        secret = secrets.token_hex(16)
        print(
            "pollday serve: no --secret and no POLLDAY_SECRET: generated a secret for this run: "
            f"{secret} (set POLLDAY_SECRET or pass --secret-file to choose one)",
            file=sys.stderr, flush=True,
        )
        options = replace(options, settings=replace(options.settings, secret=secret))
    summary = _prepare(options)
    if summary is not None:
        print(f"pollday serve: imported {summary}", file=sys.stderr, flush=True)
    try:
        sock = bind(options.host, options.port)
    except OSError as exc:
        raise ServiceError(f"cannot listen on {options.host}:{options.port}: {exc.strerror}; "
                           "choose another --port (0 picks a free one)") from None
    print(listen_url(sock), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve(options.settings, sock, options.workers, options.log_level)
    return EXIT_OK
