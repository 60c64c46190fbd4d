"""``pollday serve``: argument definitions and the command (wired by pollday/cli.py)."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from pathlib import Path

import psycopg

from service.auth import MAX_TOKEN_CHARS
from service.faults import ENDPOINT_PREFIXES, LATENCY_FORMS, FaultSpecError
from service.importer import ImportError_
from service.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
)
from service.settings import Settings, SettingsError
from service.store.schema import DatabaseSetupError, SchemaError
from service.store.urls import DEFAULT_DATABASE_URL, UrlError, parse_database_url

EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


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
                        choices=["critical", "error", "warning", "info", "debug"],
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


def _fail(code: int, message: str) -> int:
    print(f"pollday serve: error: {message}", file=sys.stderr, flush=True)
    return code


def _read_secret_file(path: Path, option: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{option} {path}: cannot read it ({exc})") from None
    lines = text.splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise SettingsError(f"{option} {path}: the first line is empty; write the value there")
    return value


def _check_token_text(value: str, what: str) -> str:
    if not value.isascii() or not value.isprintable() or len(value) > MAX_TOKEN_CHARS:
        raise SettingsError(f"the {what} must be printable ASCII of at most {MAX_TOKEN_CHARS} "
                            "characters (clients send it in an HTTP header)")
    return value


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the arguments and the environment; raises SettingsError."""
    secret = None
    if args.secret_file is not None:
        secret = _read_secret_file(args.secret_file, "--secret-file")
    elif args.secret:
        print("pollday serve: warning: --secret is visible to every user in the process list; "
              "use --secret-file FILE or $POLLDAY_SECRET", file=sys.stderr, flush=True)
        secret = args.secret
    else:
        secret = os.environ.get("POLLDAY_SECRET")
    if not secret:
        secret = secrets.token_hex(16)
        print(
            "pollday serve: no --secret and no POLLDAY_SECRET: generated a secret for this run: "
            f"{secret} (set POLLDAY_SECRET or pass --secret-file to choose one)",
            file=sys.stderr, flush=True,
        )
    if args.admin_token_file is not None:
        admin_token: str | None = _read_secret_file(args.admin_token_file, "--admin-token-file")
    else:
        admin_token = os.environ.get("POLLDAY_ADMIN_TOKEN") or None
    if admin_token is not None:
        _check_token_text(admin_token, "admin token")
    return Settings(
        database_url=args.database_url,
        secret=secret,
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


def run_serve(args: argparse.Namespace) -> int:
    """Validate, prepare the database, import the register, then serve until stopped."""
    from service.server import bind, listen_url, prepare, serve  # uvicorn only when serving

    if not 0 <= args.port <= 65535:
        return _fail(EXIT_BAD_INPUT, f"--port must be 0-65535, got {args.port}")
    if args.workers < 1:
        return _fail(EXIT_BAD_INPUT, f"--workers must be at least 1, got {args.workers}")
    if args.register is not None and not args.register.is_file():
        return _fail(EXIT_BAD_INPUT, f"--register {args.register}: no such file; write one "
                     "with 'pollday register SCENARIO --out FILE'")
    try:
        settings = settings_from_args(args)
        settings.faults()
        settings.check_limits()
        parse_database_url(settings.database_url)
    except (SettingsError, FaultSpecError, UrlError) as exc:
        return _fail(EXIT_BAD_INPUT, str(exc))
    try:
        summary = prepare(settings, args.register)
    except ImportError_ as exc:
        return _fail(EXIT_BAD_INPUT, f"--register {args.register}: {exc}; the lines before the "
                     "error were imported: fix the file and start again (importing again is safe)")
    except SchemaError as exc:
        return _fail(EXIT_BAD_INPUT, str(exc))
    except DatabaseSetupError as exc:
        return _fail(EXIT_FAILED, str(exc))
    except (psycopg.Error, OSError) as exc:
        return _fail(EXIT_FAILED, f"cannot prepare the database {settings.database_url}: "
                     f"{str(exc).strip()}")
    if summary is not None:
        print(f"pollday serve: imported {summary}", file=sys.stderr, flush=True)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(EXIT_FAILED, f"cannot listen on {args.host}:{args.port}: {exc.strerror}; "
                     "choose another --port (0 picks a free one)")
    print(listen_url(sock), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve(settings, sock, args.workers, args.log_level)
    return 0
