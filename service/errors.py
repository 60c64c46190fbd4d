"""The one error type of the service and its JSON shape.

Every refusal is ``{"error": code, "detail": how to fix}`` plus optional context fields, so a
load tester can count refusals by code and a human can read what to change.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a client's lone surrogate (valid JSON, "\\ud800") echoed in
    an error message must not make the answer itself unencodable (a 500)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class ApiError(Exception):
    """An HTTP refusal with a stable machine code and a human explanation."""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.extra = extra or {}
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, **self.extra}


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return AsciiJSONResponse(exc.body(), status_code=exc.status_code, headers=error_headers(exc))


def error_headers(exc: ApiError) -> dict[str, str]:
    """The headers of a refusal: a 401 says which scheme to use."""
    headers = dict(exc.headers or {})
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return headers


UNAVAILABLE_HEADERS = {"Retry-After": "1"}


def unavailable_body(exc: Exception, *, retry_note: bool = True) -> dict[str, Any]:
    """503 database_unavailable; writes say to retry with the same Idempotency-Key."""
    detail = f"{exc}; retry with the same Idempotency-Key" if retry_note else str(exc)
    return {"error": "database_unavailable", "detail": detail}


def malformed_request(detail: object) -> dict[str, Any]:
    """422 malformed_request: ``detail`` lists the problems (or says what was wrong)."""
    return {"error": "malformed_request", "detail": detail}
