"""The ASGI application: FastAPI routes wrapped in body-limit and fault-injection middleware."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from service import orphans
from service.errors import (
    UNAVAILABLE_HEADERS,
    ApiError,
    AsciiJSONResponse,
    api_error_handler,
    malformed_request,
    unavailable_body,
)
from service.fastpath import FastPathMiddleware
from service.faults import FaultInjectionMiddleware
from service.limits import BodySizeLimitMiddleware
from service.routes import admin, checkins, protocols, public
from service.settings import Settings
from service.state import ServiceState
from service.store import Database, DatabaseUnavailable, parse_database_url
from service.store.postgres import PostgresDatabase
from service.store.sqlite import SqliteDatabase


def open_database(database_url: str) -> Database:
    url = parse_database_url(database_url)
    if url.dialect == "sqlite":
        return SqliteDatabase(url)
    return PostgresDatabase(url)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in exc.errors()
    ]
    return AsciiJSONResponse(malformed_request(errors), status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # The framework's "error parsing the body" (e.g. bytes that are not UTF-8 JSON): for
        # the contract that is a malformed body, 422, like every other malformed body.
        return JSONResponse(malformed_request("the body is not valid UTF-8 JSON"),
                            status_code=422)
    return JSONResponse({"error": "http_error", "detail": str(exc.detail)},
                        status_code=exc.status_code, headers=exc.headers)


async def _unavailable(request: Request, exc: Exception) -> Response:
    return JSONResponse(unavailable_body(exc), status_code=503, headers=UNAVAILABLE_HEADERS)


def create_api(settings: Settings) -> FastAPI:
    """The FastAPI app alone (no middleware), e.g. to read its OpenAPI document."""
    db = open_database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await db.open()
        # What exists now lives as long as the worker: freezing it keeps the collector's
        # full passes short, whose pauses would otherwise land in check-in latency.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await db.close()

    api = FastAPI(
        title="pollday reference service",
        version="1",
        summary="Check-in, protocols, results and turnout of an election day",
        description="The contract pollday's load tests speak. Station endpoints take the "
        "station's bearer token (hex HMAC-SHA256 of the station id under the service "
        "secret); admin endpoints take POLLDAY_ADMIN_TOKEN; results and turnout are public.",
        lifespan=lifespan,
    )
    api.state.service = ServiceState(settings=settings, db=db)
    api.add_exception_handler(ApiError, api_error_handler)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(DatabaseUnavailable, _unavailable)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    for module in (checkins, protocols, public, admin):
        api.include_router(module.router)
    return api


def create_app(settings: Settings) -> ASGIApp:
    """The full ASGI app: body limits outermost, fault injection if configured, fast path."""
    fastapi_app = create_api(settings)
    api: ASGIApp = FastPathMiddleware(fastapi_app, fastapi_app.state.service)
    faults = settings.faults()
    if faults.active:
        api = FaultInjectionMiddleware(api, faults)
    return BodySizeLimitMiddleware(api)


def create_app_from_env() -> ASGIApp:
    """uvicorn worker factory: settings come from the parent through the environment."""
    settings = Settings.from_env()
    try:  # the limits live in the httptools protocol (uvicorn[standard] brings httptools)
        from service import connguard
    except ImportError:
        pass
    else:
        connguard.configure(settings.keep_alive_s, settings.header_timeout_s,
                            settings.body_timeout_s, settings.max_connections)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:  # a worker of `--workers N`
        orphans.die_with_parent(parent.pid)
    return create_app(settings)
