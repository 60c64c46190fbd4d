"""Fast path for the two hottest endpoints: POST /v1/checkins and GET /v1/results.

On election day these carry almost all the traffic. FastAPI's routing, dependency solving
and exception middleware cost about as much CPU per request as the check-in itself, so this
ASGI middleware answers exactly those two requests directly, with the same models, the same
logic functions and the same error bodies as the FastAPI routes (which stay, for every
other request and for /openapi.json). The tests run against this path; the schemathesis
test checks its answers against the OpenAPI document.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth import check_station
from service.cache import etag_matches
from service.errors import (
    UNAVAILABLE_HEADERS,
    ApiError,
    error_headers,
    malformed_request,
    unavailable_body,
)
from service.models import CheckinRequest
from service.routes.checkins import accept_checkin, replay_headers
from service.routes.public import PUBLIC_CACHE_CONTROL, national_results
from service.state import ServiceState
from service.store import DatabaseUnavailable


def _validation_body(exc: ValidationError) -> dict[str, Any]:
    # The same shape as the FastAPI handler's: locations are prefixed with "body".
    return malformed_request([
        {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ])


async def _send(send: Send, status: int, body: bytes | None,
                headers: dict[str, str] | None = None) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if body is not None:
        raw += [(b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body or b""})


def _json(body: dict[str, Any]) -> bytes:
    # ASCII: a lone surrogate a client sent, echoed in an error, stays encodable.
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()


class FastPathMiddleware:
    def __init__(self, app: ASGIApp, state: ServiceState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("query_string"):
            method, path = scope["method"], scope["path"]
            if method == "POST" and path == "/v1/checkins":
                await self._checkin(scope, receive, send)
                return
            if method == "GET" and path == "/v1/results":
                await self._results(scope, send)
                return
        await self.app(scope, receive, send)

    async def _checkin(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            if "authorization" not in headers:
                check_station(self.state.settings.secret, None, "")  # raises the 401
            try:
                body = CheckinRequest.model_validate_json(b"".join(chunks))
            except ValidationError as exc:
                await _send(send, 422, _json(_validation_body(exc)))
                return
            outcome = await accept_checkin(self.state, headers.get("authorization"),
                                           headers.get("idempotency-key"), body)
        except ApiError as exc:
            await _send(send, exc.status_code, _json(exc.body()), error_headers(exc))
            return
        except DatabaseUnavailable as exc:
            await _send(send, 503, _json(unavailable_body(exc)), UNAVAILABLE_HEADERS)
            return
        await _send(send, outcome.status, _json(outcome.body), replay_headers(outcome))

    async def _results(self, scope: Scope, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            rendered = await national_results(self.state)
        except DatabaseUnavailable as exc:
            await _send(send, 503, _json(unavailable_body(exc, retry_note=False)),
                        UNAVAILABLE_HEADERS)
            return
        cache = {"ETag": rendered.etag, "Cache-Control": PUBLIC_CACHE_CONTROL}
        if etag_matches(headers.get("if-none-match"), rendered.etag):
            await _send(send, 304, None, cache)
        else:
            await _send(send, 200, rendered.body, cache)
