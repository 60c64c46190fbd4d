"""A web server that is not the reference service, for tests of targets without its contract."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def _handler(counters_200: bool) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 200 if counters_200 and self.path == "/admin/counters" else 404
            body = b"<html><body>no such page</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def html_server(*, counters_200: bool = False) -> Iterator[str]:
    """Serve HTML on loopback: every path 404 (or 200 with HTML for ``/admin/counters`` when
    ``counters_200``); yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(counters_200))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
