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
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from service.exits import EXIT_OK, ServiceError, ServiceInputError
from service.importer import ImportError_
from service.ranges import check_range
from service.settings import Settings
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
        # Every count first, before anything is read, prepared or forked.
        check_range("--port", self.port)
        check_range("--workers", self.workers)
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
        except UrlError as exc:
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


class StartupStopped(BaseException):
    """SIGTERM or SIGINT arrived before serving: unwinds whatever start-up step was running.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way
    swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal_name = signal.Signals(signum).name


def _raise_stopped(signum: int, frame: object) -> None:
    raise StartupStopped(signum)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def _stoppable_startup() -> Iterator[None]:
    """Until uvicorn installs its own handlers, SIGTERM and SIGINT end the start at once.

    Without this a stop asked for while the database was prepared or a register imported
    waited for the step (or, for SIGINT, ended in a traceback). Only the main thread may set
    handlers: a library caller in another thread keeps its own.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_serve(options: ServeOptions) -> int:
    """Validate, prepare the database, import the register, then serve until stopped.

    Raises ServiceError (its ``exit_code`` says 2 or 3) before serving; returns 0 once stopped,
    also when SIGTERM or SIGINT stopped it while it was starting.
    """
    stage = ["checking the options"]  # what the start is doing, for the stop message
    try:
        with _stoppable_startup():
            return _start(options, stage)
    except StartupStopped as stop:
        again = ("; a register import stopped half-way is safe to run again"
                 if options.register is not None else "")
        print(f"pollday serve: stopped by {stop.signal_name} while {stage[0]}; nothing was "
              f"served{again}", file=sys.stderr, flush=True)
        return EXIT_OK


def _start(options: ServeOptions, stage: list[str]) -> int:
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
    stage[0] = "preparing the database" + (" and importing the register"
                                           if options.register is not None else "")
    summary = _prepare(options)
    if summary is not None:
        print(f"pollday serve: imported {summary}", file=sys.stderr, flush=True)
    stage[0] = "binding the port"
    try:
        sock = bind(options.host, options.port)
    except OSError as exc:
        raise ServiceError(f"cannot listen on {options.host}:{options.port}: {exc.strerror}; "
                           "choose another --port (0 picks a free one)") from None
    print(listen_url(sock), flush=True)
    stage[0] = "starting the workers"
    # From here uvicorn's own handlers take over: a stop while the workers start is handled
    # by its supervisor, which stops the ones already started.
    with contextlib.suppress(KeyboardInterrupt):
        serve(options.settings, sock, options.workers, options.log_level)
    return EXIT_OK
