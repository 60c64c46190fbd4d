"""Public read-only endpoints: results, turnout, webcam streams, health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from starlette.responses import Response

from service import snapshots
from service.cache import Rendered, etag_matches
from service.errors import ApiError, AsciiJSONResponse
from service.models import ID_PATTERN, ErrorBody, Health, Results, Streams, Turnout
from service.results import (
    constituency_exists,
    render_results,
    render_turnout,
    results_version,
)
from service.state import ServiceState, get_state
from service.store import Database

router = APIRouter(tags=["public"])
State = Annotated[ServiceState, Depends(get_state)]
IfNoneMatch = Annotated[str | None, Header()]

# A CDN may serve results for a few seconds; the ETag lets it revalidate cheaply after that.
PUBLIC_CACHE_CONTROL = "public, max-age=5"
CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "not modified (If-None-Match matched the ETag)"},
}


def _cached_response(rendered: Rendered, if_none_match: str | None) -> Response:
    headers = {"ETag": rendered.etag, "Cache-Control": PUBLIC_CACHE_CONTROL}
    if etag_matches(if_none_match, rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)


# A client's "Cache-Control: no-cache" does not force a rendering: the origin's answer is
# already at most MAX_AGE_S old (and current for protocols: the version is checked on every
# read), and honouring it would let anyone make every read an aggregation (a browser reload
# sends it).


async def _results(db: Database, state: ServiceState, constituency_id: int | None) -> Rendered:
    version = await results_version(db)

    async def render() -> bytes:
        return await render_results(db, constituency_id, version)

    return await state.results_cache.get(("results", constituency_id), version, render)


async def national_results(state: ServiceState) -> Rendered:
    return await _results(state.db, state, None)


@router.get("/v1/results", response_model=Results, responses=CACHED,
            summary="National results: sum of accepted protocols")
async def get_results(state: State, if_none_match: IfNoneMatch = None) -> Response:
    rendered = await national_results(state)
    return _cached_response(rendered, if_none_match)


@router.get("/v1/results/constituencies/{constituency_id}", response_model=Results,
            responses={**CACHED, 404: {"model": ErrorBody}},
            summary="Results of one constituency")
async def get_constituency_results(
    state: State,
    constituency_id: Annotated[int, Path(ge=0, le=2**62)],
    if_none_match: IfNoneMatch = None,
) -> Response:
    if not await constituency_exists(state.db, constituency_id):
        raise ApiError(404, "unknown_constituency",
                       f"constituency {constituency_id} is not registered")
    rendered = await _results(state.db, state, constituency_id)
    return _cached_response(rendered, if_none_match)


@router.get("/v1/turnout", response_model=Turnout, responses=CACHED,
            summary="Cumulative check-ins by station-local hour")
async def get_turnout(state: State, if_none_match: IfNoneMatch = None) -> Response:
    async def render() -> bytes:
        return await render_turnout(state.db)

    # Turnout moves with every check-in: no version to compare, only the short max age.
    rendered = await state.results_cache.get("turnout", 0, render)
    return _cached_response(rendered, if_none_match)


@router.get("/v1/streams", response_model=Streams, summary="Stations broadcasting by webcam")
async def get_streams(state: State) -> dict[str, Any]:
    async with state.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT station_id, constituency_id FROM stations WHERE webcam = 1 "
            "ORDER BY station_id"
        )
    return {"streams": [
        {"station_id": s, "constituency_id": int(c),
         "snapshot_url": f"/v1/streams/{s}/snapshot"} for s, c in rows
    ]}


@router.get(
    "/v1/streams/{station_id}/snapshot",
    responses={200: {"content": {"image/png": {}}, "description": "PNG still"},
               **CACHED, 404: {"model": ErrorBody}},
    response_class=Response,
    summary="The current webcam still of a station",
)
async def get_snapshot(
    state: State, station_id: Annotated[str, Path(pattern=ID_PATTERN)],
    if_none_match: IfNoneMatch = None,
) -> Response:
    async with state.db.read() as tx:
        row = await tx.fetchone("SELECT webcam FROM stations WHERE station_id = ?", (station_id,))
    if row is None or not row[0]:
        raise ApiError(404, "no_stream", f"station {station_id!r} has no webcam stream; "
                       "GET /v1/streams lists the stations that have one")
    now_s = snapshots.wall_clock_s()
    slot = snapshots.slot_at(now_s)
    # Cacheable only until the slot ends (docs/service.md): never a still from a past slot.
    headers = snapshots.still_headers(slot, now_s)
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    key = (station_id, slot)
    png = state.snapshots.get(key)
    if png is None:
        if len(state.snapshots) > 10_000:
            state.snapshots.clear()  # older slots are never asked for again
        png = state.snapshots[key] = snapshots.snapshot_png(station_id, slot)
    return Response(png, media_type="image/png", headers=headers)


@router.get("/healthz", response_model=Health,
            responses={503: {"model": Health, "description": "the store cannot write now"}},
            summary="Health for a load balancer: 200 only while the database takes writes")
async def healthz(state: State) -> Response:
    """A real write is committed (a probe row): 503 with the cause while it fails, so a load
    balancer stops sending check-ins that could not be stored."""
    problem = await state.db.check_writable()
    if problem is not None:
        return AsciiJSONResponse(
            {"status": "unavailable", "database": state.db.dialect, "detail": problem},
            status_code=503, headers={"Retry-After": "1", "Cache-Control": "no-store"})
    return AsciiJSONResponse({"status": "ok", "database": state.db.dialect},
                             headers={"Cache-Control": "no-store"})
