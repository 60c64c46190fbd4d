"""``python -m service``: parses its arguments into :class:`ServeOptions`, runs, prints errors.

``pollday serve`` starts this program with the same arguments (the service is reached over
HTTP and may import no other first-party package); ``POLLDAY_SERVE_PROG`` names the command
in the usage line and the help so that both say ``pollday serve``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from service.auth import MAX_TOKEN_CHARS
from service.exits import ServiceError, ServiceInputError
from service.faults import ENDPOINT_PREFIXES, LATENCY_FORMS, LATENCY_RANGES
from service.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
)
from service.ranges import RANGED_FLAGS, range_of, ranged_float, ranged_int
from service.secret_files import read_secret_file
from service.serve import LOG_LEVELS, ServeOptions, run_serve
from service.settings import Settings
from service.store.urls import DEFAULT_DATABASE_URL

PROG_ENV = "POLLDAY_SERVE_PROG"
SECRET_ENV = "POLLDAY_SECRET"
ADMIN_TOKEN_ENV = "POLLDAY_ADMIN_TOKEN"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=DEFAULT_DATABASE_URL,
        help="sqlite:///file.sqlite (default %(default)s, WAL mode; add ?synchronous=normal "
        "to skip the fsync per commit) or postgresql://user@host:port/db",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=ranged_int("--port"), default=8080,
                        help="port (default 8080); 0 picks a free one (the address is "
                        "printed first)")
    parser.add_argument("--register", type=Path, metavar="FILE",
                        help="NDJSON register to import before serving (from 'pollday register')")
    parser.add_argument("--secret-file", type=Path, metavar="FILE",
                        help="read the station token secret from FILE (first line, without "
                        "a UTF-8 BOM and surrounding whitespace; a regular file of at most "
                        "4 KiB); default: $POLLDAY_SECRET")
    parser.add_argument("--admin-token-file", type=Path, metavar="FILE",
                        help="read the admin token from FILE (as --secret-file); "
                        "default: $POLLDAY_ADMIN_TOKEN")
    parser.add_argument("--secret", help="station token secret; visible to every user in the "
                        "process list, so prefer --secret-file or $POLLDAY_SECRET")
    # --service-workers: its name under `pollday serve`, where --workers means simulation
    # processes (pollday/options/aliases.py); --workers: its name as its own program.
    parser.add_argument("--service-workers", "--workers", dest="workers",
                        type=ranged_int("--workers"), default=1,
                        help="uvicorn worker processes (default 1); range "
                        f"{range_of('--workers').short()} (4 per usable CPU, at most 64)")
    parser.add_argument("--log-level", default="warning",
                        choices=LOG_LEVELS,
                        help="uvicorn log level (default warning)")
    limits = parser.add_argument_group(
        "connection limits", "per worker process; see docs/service.md#connection-limits")
    _add_options(limits, LIMIT_OPTIONS)
    faults = parser.add_argument_group(
        "fault injection (rehearsals)",
        "make the service slow or failing on purpose; nothing is injected by default",
    )
    _add_options(faults, FAULT_OPTIONS)


# (flag, type, default, metavar, help) of the options that are Settings fields of their name.
_Option = tuple[str, type, object, str, str]
LIMIT_OPTIONS: tuple[_Option, ...] = (
    ("--max-connections", int, DEFAULT_MAX_CONNECTIONS, "N", "open connections per worker; "
     "past it the longest-idle one is closed (default %(default)s)"),
    ("--keep-alive-s", float, DEFAULT_KEEP_ALIVE_S, "S",
     "close a connection with no request for this long (default %(default)s)"),
    ("--header-timeout-s", float, DEFAULT_HEADER_TIMEOUT_S, "S", "a request head must "
     "arrive within this long of its first byte, else 408 (default %(default)s)"),
    ("--body-timeout-s", float, DEFAULT_BODY_TIMEOUT_S, "S", "a request body must arrive "
     "within this long of its head (streamed imports: between two bytes) (default %(default)s)"),
)
FAULT_OPTIONS: tuple[_Option, ...] = (
    ("--inject-latency-ms", str, None, "SPEC",
     f"extra response latency: {LATENCY_FORMS}; {LATENCY_RANGES}, each delay capped there"),
    ("--inject-error-rate", float, 0.0, "P",
     "share of requests answered with an error before processing"),
    ("--inject-error-status", int, 503, "STATUS",
     "status of injected errors (default %(default)s)"),
    ("--inject-stall-s", float, 0.0, "S",
     "one stall: requests in this window wait until it ends"),
    ("--inject-stall-after-s", float, 0.0, "S",
     "when the stall starts, in seconds after the start"),
    ("--inject-endpoints", str, "all", "LIST", "comma-separated endpoints the faults apply to: "
     f"{', '.join(ENDPOINT_PREFIXES)} (default: all)"),
    ("--inject-seed", int, 0, "INJECT_SEED", "seed of the injected randomness"),
)


def _add_options(group: argparse._ArgumentGroup, options: tuple[_Option, ...]) -> None:
    for flag, kind, default, metavar, help_text in options:
        parse: Callable[[str], object] = kind
        if flag in RANGED_FLAGS:  # parsed strictly and checked against its range at once
            help_text += f"; range {range_of(flag).short()}"
            parse = ranged_int(flag) if kind is int else ranged_float(flag)
        group.add_argument(flag, type=parse, default=default, metavar=metavar, help=help_text)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or os.environ.get(PROG_ENV) or "python -m service",
        description="Run the pollday reference service.",
    )
    add_serve_arguments(parser)
    return parser


def _check_token_text(value: str, what: str) -> str:
    if not value.isascii() or not value.isprintable() or len(value) > MAX_TOKEN_CHARS:
        raise ServiceInputError(f"the {what} must be printable ASCII of at most "
                                f"{MAX_TOKEN_CHARS} characters (clients send it in an HTTP "
                                "header)")
    return value


def _secret(args: argparse.Namespace) -> str:
    """The station-token secret from the arguments or the environment ("" = generate one)."""
    if args.secret_file is not None:
        return read_secret_file(args.secret_file, "--secret-file")
    if args.secret:
        print("pollday serve: warning: --secret is visible to every user in the process list; "
              "use --secret-file FILE or $POLLDAY_SECRET", file=sys.stderr, flush=True)
        return str(args.secret)
    return os.environ.get(SECRET_ENV, "")


def options_from_args(args: argparse.Namespace) -> ServeOptions:
    """ServeOptions from the parsed arguments and the environment; raises ServiceInputError."""
    if args.admin_token_file is not None:
        admin_token: str | None = read_secret_file(args.admin_token_file, "--admin-token-file")
    else:
        admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    if admin_token is not None:
        _check_token_text(admin_token, "admin token")
    # The limit and fault options are Settings fields of the same name.
    tuned = {flag.removeprefix("--").replace("-", "_") for flag, *_ in
             (*LIMIT_OPTIONS, *FAULT_OPTIONS)}
    settings = Settings(database_url=args.database_url, secret=_secret(args),
                        admin_token=admin_token, **{name: getattr(args, name) for name in tuned})
    return ServeOptions(settings=settings, host=args.host, port=args.port,
                        register=args.register, workers=args.workers, log_level=args.log_level)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_serve(options_from_args(args))
    except ServiceError as exc:
        print(f"pollday serve: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
