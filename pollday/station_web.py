"""``pollday station --web``: the calculator as a small local web page.

A standard-library HTTP server on loopback serves one self-contained page (form, answer,
line plot drawn as inline SVG: no external assets) and one JSON endpoint,
``GET /api/station?registered=...``, which runs the same :func:`answer` as the command line;
bad input is a 400 whose ``errors`` say, field by field, what to fix in a planner's words.
"""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pollday.exits import EXIT_OK
from pollday.station_calc import answer
from pollday.station_defaults import resolved_inputs
from pollday.station_inputs import (
    CHAIN_INPUTS,
    FLOW_INPUTS,
    INPUTS,
    StationInputError,
    base_data,
    station_scenario,
)
from pollday.station_page import render_page
from pollday.station_page_errors import days_error, field_errors
from pollday.station_pools import MAX_POOL_UNITS, POOL_KEY
from simulation.loading import ScenarioError

# Form fields filled from the starting station (others start blank: "keep the base's").
_DIRECT = ("registered", "turnout", "opening", "closing", "queue_at_opening", "terminals",
           "scan_time_s", "success", "attempts", "fallback", "manual_time_s", "connectivity",
           "desks", "ballot_time_s", "booths", "booth_time_s", "close_line")
_MAX_DAYS = 200  # one request must stay about a second
# "--pool urna=0: the units must be ..." / "--pool kiems: this scenario's flow has no pool"
_POOL_ERROR = re.compile(r"--pool (?P<name>[^=:\s]+)(?:=(?P<raw>[^:]*))?: (?P<rest>.*)", re.S)


def pool_errors(text: str) -> list[dict[str, str | None]] | None:
    """A ``pool.NAME`` input's error at its field, in words; None for other errors."""
    m = _POOL_ERROR.fullmatch(text.strip())
    if m is None:
        return None
    rest = m["rest"]
    if rest.startswith("the units must be"):
        message = (f"Units of {m['name']} must be a whole number from 1 to {MAX_POOL_UNITS} "
                   f"(you typed {m['raw']})")
    else:
        message = f"Units of {m['name']}: {rest}"
    return [{"field": POOL_KEY + m["name"], "message": message}]


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


class _Handler(http.server.BaseHTTPRequestHandler):
    base: dict[str, Any]
    page: bytes
    days: int
    seed: int | None

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "connect-src 'self'; img-src data:",
        )
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _foreign(self, *, api: bool) -> str | None:
        """Why this request is not from the page itself, or None. A page on localhost is
        reachable from any site the planner opens: a rebound DNS name (a Host that is not
        ours) could read the answers, and a cross-site request could start calculations.
        The page itself may be opened from a link on another site (it does no work)."""
        port = self.connection.getsockname()[1]  # the bound one, also with --port 0
        ours = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host", "") not in ours:
            return f"Host {self.headers.get('Host')!r} is not this page's ({sorted(ours)})"
        if not api:
            return None
        origin = self.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in ours:
            return f"Origin {origin!r} is not this page's"
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return f"a {site} request (Sec-Fetch-Site)"
        return None

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if (why := self._foreign(api=url.path != "/")) is not None:
            self._json(403, {"error": f"refused: {why}"})
        elif url.path == "/":
            self._send(200, self.page, "text/html; charset=utf-8")
        elif url.path == "/api/station":
            self._calculate(dict(parse_qsl(url.query)))
        else:
            self._json(404, {"error": f"no page {url.path}"})

    def _refuse(self, errors: list[dict[str, str | None]], detail: str) -> None:
        """A 400 the page can show at each field: ``errors`` [{field, message}] in a
        planner's words, ``error`` all of them in one line, ``detail`` the CLI's text."""
        self._json(400, {"error": "; ".join(str(e["message"]) for e in errors),
                         "errors": errors, "detail": detail})

    def _calculate(self, query: dict[str, str]) -> None:
        days = self.days
        if "replications" in query:
            raw = query.pop("replications").strip()
            # ASCII digits only: '²'.isdigit() is true and int('²') fails.
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= _MAX_DAYS:
                self._refuse([days_error(raw, _MAX_DAYS)],
                             f"replications: {raw!r} is not 1 to {_MAX_DAYS}")
                return
            days = int(raw)
        given = {k: v.strip() for k, v in query.items() if v.strip()}
        try:
            self._json(200, answer(self.base, given, days, self.seed))
        except (StationInputError, ScenarioError) as error:
            self._refuse(pool_errors(str(error)) or field_errors(str(error), given),
                         str(error))
        except Exception as error:  # a bug, not bad input: say so on the page, trace on stderr
            traceback.print_exc()
            self._json(500, {"error": f"the calculation failed ({type(error).__name__}: "
                             f"{error}); the traceback is in the terminal running the page",
                             "errors": [{"field": None, "message": "The calculation failed: "
                                         f"{type(error).__name__}: {error}"}]})

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would bury the URL the planner needs


def make_server(
    base: dict[str, Any], given: dict[str, str], days: int, seed: int | None, port: int
) -> http.server.ThreadingHTTPServer:
    """A server on 127.0.0.1:``port`` (0: any free port); not yet serving."""
    handler = type("StationHandler", (_Handler,), {
        "base": base,
        "page": render_page(
            form_start(base, given, built_in=base == base_data(None, None)), days,
            given=given, fixed=fixed_inputs(base),
        ).encode(),
        "days": days,
        "seed": seed,
    })
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


@contextmanager
def running_server(
    base: dict[str, Any], given: dict[str, str], days: int, seed: int | None, port: int = 0
) -> Iterator[str]:
    """Serve in a thread; yields the page's URL (tests, notebooks)."""
    server = make_server(base, given, days, seed, port)
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
