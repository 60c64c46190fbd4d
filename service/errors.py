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
    headers = dict(exc.headers or {})
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return AsciiJSONResponse(exc.body(), status_code=exc.status_code, headers=headers)
