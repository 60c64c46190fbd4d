"""``python -m service``: parses its arguments into :class:`ServeOptions`, runs, prints errors.

``pollday serve`` starts this program with the same arguments (the service is reached over
HTTP and may import no other first-party package); ``POLLDAY_SERVE_PROG`` names the command
in the usage line and the help so that both say ``pollday serve``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from service.auth import MAX_TOKEN_CHARS
from service.exits import ServiceError, ServiceInputError
from service.faults import ENDPOINT_PREFIXES, LATENCY_FORMS
from service.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
)
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
    parser.add_argument("--port", type=int, default=8080,
                        help="port (default 8080); 0 picks a free one (the address is "
                        "printed first)")
    parser.add_argument("--register", type=Path, metavar="FILE",
                        help="NDJSON register to import before serving (from 'pollday register')")
    parser.add_argument("--secret-file", type=Path, metavar="FILE",
                        help="read the station token secret from FILE (first line); "
                        "default: $POLLDAY_SECRET")
    parser.add_argument("--admin-token-file", type=Path, metavar="FILE",
                        help="read the admin token from FILE (first line); "
                        "default: $POLLDAY_ADMIN_TOKEN")
    parser.add_argument("--secret", help="station token secret; visible to every user in the "
                        "process list, so prefer --secret-file or $POLLDAY_SECRET")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes (default 1)")
    parser.add_argument("--log-level", default="warning",
                        choices=LOG_LEVELS,
                        help="uvicorn log level (default warning)")
    limits = parser.add_argument_group(
        "connection limits", "per worker process; see docs/service.md#connection-limits")
    limits.add_argument("--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS,
                        metavar="N", help="open connections per worker; past it the "
                        "longest-idle one is closed (default %(default)s)")
    limits.add_argument("--keep-alive-s", type=float, default=DEFAULT_KEEP_ALIVE_S,
                        metavar="S", help="close a connection with no request for this long "
                        "(default %(default)s)")
    limits.add_argument("--header-timeout-s", type=float, default=DEFAULT_HEADER_TIMEOUT_S,
                        metavar="S", help="a request head must arrive within this long of its "
                        "first byte, else 408 (default %(default)s)")
    limits.add_argument("--body-timeout-s", type=float, default=DEFAULT_BODY_TIMEOUT_S,
                        metavar="S", help="a request body must arrive within this long of its "
                        "head (streamed imports: between two bytes) (default %(default)s)")
    faults = parser.add_argument_group(
        "fault injection (rehearsals)",
        "make the service slow or failing on purpose; nothing is injected by default",
    )
    faults.add_argument("--inject-latency-ms", metavar="SPEC",
                        help=f"extra response latency: {LATENCY_FORMS}")
    faults.add_argument("--inject-error-rate", type=float, default=0.0, metavar="P",
                        help="share of requests answered with an error before processing")
    faults.add_argument("--inject-error-status", type=int, default=503, metavar="STATUS",
                        help="status of injected errors (default %(default)s)")
    faults.add_argument("--inject-stall-s", type=float, default=0.0, metavar="S",
                        help="one stall: requests in this window wait until it ends")
    faults.add_argument("--inject-stall-after-s", type=float, default=0.0, metavar="S",
                        help="when the stall starts, in seconds after the start")
    faults.add_argument("--inject-endpoints", default="all", metavar="LIST",
                        help=f"comma-separated endpoints the faults apply to: "
                        f"{', '.join(ENDPOINT_PREFIXES)} (default: all)")
    faults.add_argument("--inject-seed", type=int, default=0,
                        help="seed of the injected randomness")


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or os.environ.get(PROG_ENV) or "python -m service",
        description="Run the pollday reference service.",
    )
    add_serve_arguments(parser)
    return parser


def _read_secret_file(path: Path, option: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceInputError(f"{option} {path}: cannot read it ({exc})") from None
    lines = text.splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise ServiceInputError(f"{option} {path}: the first line is empty; write the value there")
    return value


def _check_token_text(value: str, what: str) -> str:
    if not value.isascii() or not value.isprintable() or len(value) > MAX_TOKEN_CHARS:
        raise ServiceInputError(f"the {what} must be printable ASCII of at most "
                                f"{MAX_TOKEN_CHARS} characters (clients send it in an HTTP "
                                "header)")
    return value


def _secret(args: argparse.Namespace) -> str:
    """The station-token secret from the arguments or the environment ("" = generate one)."""
    if args.secret_file is not None:
        return _read_secret_file(args.secret_file, "--secret-file")
    if args.secret:
        print("pollday serve: warning: --secret is visible to every user in the process list; "
              "use --secret-file FILE or $POLLDAY_SECRET", file=sys.stderr, flush=True)
        return str(args.secret)
    return os.environ.get(SECRET_ENV, "")


def options_from_args(args: argparse.Namespace) -> ServeOptions:
    """ServeOptions from the parsed arguments and the environment; raises ServiceInputError."""
    if args.admin_token_file is not None:
        admin_token: str | None = _read_secret_file(args.admin_token_file, "--admin-token-file")
    else:
        admin_token = os.environ.get(ADMIN_TOKEN_ENV) or None
    if admin_token is not None:
        _check_token_text(admin_token, "admin token")
    settings = Settings(
        database_url=args.database_url,
        secret=_secret(args),
        admin_token=admin_token,
        inject_latency_ms=args.inject_latency_ms,
        inject_error_rate=args.inject_error_rate,
        inject_error_status=args.inject_error_status,
        inject_stall_s=args.inject_stall_s,
        inject_stall_after_s=args.inject_stall_after_s,
        inject_endpoints=args.inject_endpoints,
        inject_seed=args.inject_seed,
        keep_alive_s=args.keep_alive_s,
        header_timeout_s=args.header_timeout_s,
        body_timeout_s=args.body_timeout_s,
        max_connections=args.max_connections,
    )
    return ServeOptions(settings=settings, host=args.host, port=args.port,
                        register=args.register, workers=args.workers, log_level=args.log_level)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_serve(options_from_args(args))
    except ServiceError as exc:
        print(f"pollday serve: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
