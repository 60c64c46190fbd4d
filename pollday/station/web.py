"""``pollday station --web``: the calculator as a small local web page.

A standard-library HTTP server on loopback serves one self-contained page (form, answer,
line plot drawn as inline SVG: no external assets) and one JSON endpoint,
``GET /api/station?registered=...``, which runs the same :func:`answer` as the command line;
bad input is a 400 whose ``errors`` say, field by field, what to fix in a planner's words.

Any site the planner visits can make the browser send the page requests, so each one is
checked before any work: its ``Host`` and ``Origin`` must be the page's own (else 403), its
query is parsed strictly and the work it asks for bounded (:mod:`pollday.station.limits`,
else 400), and the calculation runs in a worker process under a deadline and a memory cap
(:mod:`pollday.station.worker`, else 503). Every answer, refusals included, is JSON.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from pollday.exits import EXIT_OK
from pollday.station.base import base_data
from pollday.station.catalog import CHAIN_INPUTS, INPUTS
from pollday.station.defaults import FLOW_INPUTS, StationInputError, resolved_inputs
from pollday.station.inputs import station_scenario
from pollday.station.limits import QueryError, check_inputs, check_work, parse_days, parse_query
from pollday.station.page import render_page
from pollday.station.page_errors import field_errors, pool_errors
from pollday.station.worker import DEADLINE_S, calculate_bounded
from simulation.scenario.loading import ScenarioError

# Form fields filled from the starting station (others start blank: "keep the base's").
_DIRECT = ("registered", "turnout", "opening", "closing", "queue_at_opening", "terminals",
           "scan_time_s", "success", "attempts", "fallback", "manual_time_s", "connectivity",
           "desks", "ballot_time_s", "booths", "booth_time_s", "close_line")
def form_start(base: dict[str, Any], given: dict[str, str], *, built_in: bool) -> dict[str, str]:
    """The form's first values: what was given, else the starting station's own values
    (the built-in station's are the inputs' defaults)."""
    resolved = resolved_inputs(station_scenario(base, given))
    start = {}
    for spec in INPUTS:
        value = given.get(spec.name)
        if value is None and spec.name in _DIRECT and resolved.get(spec.name) is not None:
            value = str(resolved[spec.name])
        if value is None and built_in and spec.name != "hourly_shares":
            value = spec.default
        start[spec.name] = value if value is not None else ""
    return start


def fixed_inputs(base: dict[str, Any]) -> dict[str, str]:
    """Inputs this station cannot take (its scenario describes them itself), by the reason
    the form shows beside them; the page disables them rather than let them fail."""
    fixed = {}
    if base.get("flow"):
        fixed.update(dict.fromkeys(FLOW_INPUTS, "set by the scenario's own stage flow"))
    if base.get("biometrics", {}).get("modalities"):
        fixed.update(dict.fromkeys(CHAIN_INPUTS, "set by the scenario's own identification "
                                   "steps"))
    return fixed


# Statuses the standard library would send that a client of this page should read as its
# own mistake: a request line or header over 64 KiB (414, 431), an unknown method (501),
# an HTTP version it does not speak (505).
_AS_CLIENT_ERROR = {414: 400, 431: 400, 501: 405, 505: 400}


class _Handler(http.server.BaseHTTPRequestHandler):
    base: dict[str, Any]
    page: bytes
    days: int
    seed: int | None
    deadline_s: float
    timeout = 30  # a client that stops sending mid-request frees its thread

    def _send(self, status: int, body: bytes, content_type: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "connect-src 'self'; img-src data:",
        )
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any],
              extra: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", extra)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """The standard library's own refusals (a malformed request line, an unknown
        method) as JSON, with a 4xx status: the request was the client's mistake."""
        status = _AS_CLIENT_ERROR.get(code, code)
        why = message or http.HTTPStatus(code).phrase
        self.close_connection = True
        # A request line of one word is HTTP/0.9, whose answers have no status line: the
        # client could not tell a refusal from a dropped connection.
        self.request_version = "HTTP/1.0"
        self._json(status, {"error": f"refused: {why}"},
                   {"Connection": "close", **({"Allow": "GET"} if status == 405 else {})})

    def parse_request(self) -> bool:
        if super().parse_request():
            return True
        if not self.requestline.strip():  # the standard library hangs up without a word
            self.send_error(400, "empty request line")
        return False

    def _foreign(self, *, api: bool) -> str | None:
        """Why this request is not from the page itself, or None. A page on localhost is
        reachable from any site the planner opens: a rebound DNS name (a Host that is not
        ours) could read the answers, and a cross-site request could start calculations.
        The page itself may be opened from a link on another site (it does no work)."""
        port = self.connection.getsockname()[1]  # the bound one, also with --port 0
        ours = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        host = self.headers.get("Host")
        if host is None or host.lower() not in ours:
            return (f"Host {_shown(host)} is not this page's (one of {sorted(ours)}); open "
                    "the page at the address `pollday station --web` printed")
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower().removeprefix("http://") not in ours:
            return (f"Origin {_shown(origin)} is not this page's: another site cannot use "
                    "the calculator; open it at the address `pollday station --web` printed")
        site = self.headers.get("Sec-Fetch-Site")
        if api and site is not None and site not in ("same-origin", "none"):
            return (f"a {_shown(site)} request (Sec-Fetch-Site): another site cannot use the "
                    "calculator; open it at the address `pollday station --web` printed")
        return None

    def do_GET(self) -> None:
        try:
            self._route()
        except Exception as error:  # a bug, not bad input: say so, trace on stderr
            traceback.print_exc()
            self._bug(f"{type(error).__name__}: {error}")

    def _route(self) -> None:
        url = urlsplit(self.path)
        if (why := self._foreign(api=url.path != "/")) is not None:
            self._json(403, {"error": f"refused: {why}"})
        elif url.path == "/":
            self._send(200, self.page, "text/html; charset=utf-8")
        elif url.path == "/api/station":
            self._calculate(url.query)
        else:
            self._json(404, {"error": f"no page {_shown(url.path)}: the calculator is at /"})

    do_HEAD = do_GET

    def _not_allowed(self) -> None:
        # Read (a bounded part of) the body first: closing a socket with unread data resets
        # it, and the client would see a dropped connection instead of the 405.
        length = self.headers.get("Content-Length", "0")
        if length.isascii() and length.isdigit():
            self.rfile.read(min(int(length), 1 << 20))
        self.send_error(405, f"{self.command} is not allowed: the calculator takes GET")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _refuse(self, errors: list[dict[str, str | None]], detail: str) -> None:
        """A 400 the page can show at each field: ``errors`` [{field, message}] in a
        planner's words, ``error`` all of them in one line, ``detail`` the CLI's text."""
        self._json(400, {"error": "; ".join(str(e["message"]) for e in errors),
                         "errors": errors, "detail": detail})

    def _bug(self, what: str) -> None:
        self._json(500, {"error": f"the calculation failed ({what}); the traceback is in the "
                         "terminal running the page",
                         "errors": [{"field": None,
                                     "message": f"The calculation failed: {what}"}]})

    def _input_error(self, text: str, given: dict[str, str]) -> None:
        self._refuse(pool_errors(text) or field_errors(text, given), text)

    def _calculate(self, query: str) -> None:
        try:
            given = parse_query(query)
            days = parse_days(given.pop("replications")) if "replications" in given \
                else self.days
            given = {k: v.strip() for k, v in given.items() if v.strip()}
            check_inputs(given)
            # Validated here, in the server (fast, no fork): hostile input never reaches
            # the worker, and the station's size is known before any simulation.
            check_work(resolved_inputs(station_scenario(self.base, given)), days)
        except QueryError as error:
            self._refuse(error.errors, str(error))
            return
        except (StationInputError, ScenarioError) as error:
            self._input_error(str(error), given)
            return
        outcome = calculate_bounded(self.base, given, days, self.seed,
                                    deadline_s=self.deadline_s)
        if outcome.kind == "ok":
            self._json(200, outcome.value)
        elif outcome.kind == "input":
            self._input_error(outcome.value, given)
        elif outcome.kind == "bug":
            sys.stderr.write(f"pollday station --web: the calculation failed:\n"
                             f"{outcome.value}\n")
            self._bug(outcome.value.strip().splitlines()[-1])
        else:
            why = {"busy": f"{outcome.value} calculations are already running; try again "
                           "in a few seconds",
                   "deadline": f"the calculation took over {outcome.value:g} s and was "
                               "stopped; simulate fewer days or a smaller station",
                   "memory": "the calculation needed more memory than one answer may use; "
                             "simulate fewer days or a smaller station"}[outcome.kind]
            self._json(503, {"error": why, "errors": [{"field": None, "message": why}]},
                       {"Retry-After": "5"} if outcome.kind == "busy" else None)

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would bury the URL the planner needs


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is its own business: one line, no traceback.
        Anything else is a bug of the server's and keeps its traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            sys.stderr.write(f"pollday station --web: {client_address[0]} hung up\n")
            return
        super().handle_error(request, client_address)


def _shown(text: str | None) -> str:
    """A header or path as a message quotes it: at most 80 characters."""
    if text is None:
        return "(none)"
    return repr(text if len(text) <= 80 else text[:80] + "…")


def make_server(
    base: dict[str, Any], given: dict[str, str], days: int, seed: int | None, port: int,
    *, deadline_s: float = DEADLINE_S,
) -> http.server.ThreadingHTTPServer:
    """A server on 127.0.0.1:``port`` (0: any free port), loopback only (the page has no
    login: anyone who can reach it can use it); not yet serving."""
    handler = type("StationHandler", (_Handler,), {
        "base": base,
        "page": render_page(
            form_start(base, given, built_in=base == base_data(None, None)), days,
            given=given, fixed=fixed_inputs(base),
        ).encode(),
        "days": days,
        "seed": seed,
        "deadline_s": deadline_s,
    })
    return _Server(("127.0.0.1", port), handler)


@contextmanager
def running_server(
    base: dict[str, Any], given: dict[str, str], days: int, seed: int | None, port: int = 0,
    *, deadline_s: float = DEADLINE_S,
) -> Iterator[str]:
    """Serve in a thread; yields the page's URL (tests, notebooks)."""
    server = make_server(base, given, days, seed, port, deadline_s=deadline_s)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def serve(base: dict[str, Any], given: dict[str, str], days: int, seed: int | None,
          port: int) -> int:
    server = make_server(base, given, days, seed, port)
    print(f"station calculator at http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.stderr.write("stopped\n")
    finally:
        server.server_close()
    return EXIT_OK
