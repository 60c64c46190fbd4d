"""Admin endpoints (admin token): register import, audit counters, check-in lookup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from service.auth import check_admin
from service.errors import ApiError
from service.importer import ImportError_, import_stream
from service.models import ID_PATTERN, AuditCounters, CheckinAccepted, ErrorBody, ImportSummary
from service.routes.checkins import Credentials, _authorization
from service.state import ServiceState, get_state

router = APIRouter(tags=["admin"], prefix="/admin")
State = Annotated[ServiceState, Depends(get_state)]
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (401, 403, 404, 422, 503)
}
# An import refused before its body is read would close the connection with the body still
# arriving; the kernel then resets it and the client may lose the answer. Reading (and
# dropping) up to this much of the rest first lets the 401 or 422 reach the client; a larger
# upload is still cut off, so a refused client cannot make the service read gigabytes.
DRAIN_AFTER_REFUSAL_BYTES = 8 * 1024 * 1024


async def _drain(stream: AsyncIterator[bytes], max_bytes: int) -> None:
    drained = 0
    async for chunk in stream:
        drained += len(chunk)
        if drained > max_bytes:
            return


@router.post(
    "/import",
    response_model=ImportSummary,
    responses=ADMIN_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-ndjson": {"schema": {"type": "string"}}}}},
    summary="Stream the register in (NDJSON, as written by 'pollday register')",
)
async def import_register(request: Request, credentials: Credentials,
                          state: State) -> dict[str, int]:
    stream = request.stream()
    try:
        check_admin(state.settings.admin_token, _authorization(credentials))
    except ApiError:
        await _drain(stream, DRAIN_AFTER_REFUSAL_BYTES)
        raise
    try:
        return await import_stream(state.db, stream)
    except ImportError_ as exc:
        await _drain(stream, DRAIN_AFTER_REFUSAL_BYTES)
        raise ApiError(422, "bad_register_line",
                       f"{exc}; lines before it were imported, and importing again is safe"
                       ) from None


@router.get("/counters", response_model=AuditCounters, responses=ADMIN_ERRORS,
            summary="Counters for audits")
async def counters(credentials: Credentials, state: State) -> dict[str, int]:
    check_admin(state.settings.admin_token, _authorization(credentials))
    async with state.db.read() as tx:
        accepted, distinct = await tx.fetchone(
            "SELECT count(*), count(DISTINCT voter_id) FROM checkins") or (0, 0)
        events: dict[str, int] = dict(await tx.fetchall(
            "SELECT kind, count(*) FROM audit_events GROUP BY kind"))
        protocols = await tx.fetchone("SELECT count(*) FROM protocols")
        voters = await tx.fetchone("SELECT count(*) FROM voters")
        stations = await tx.fetchone("SELECT count(*) FROM stations")
    return {
        "checkins_accepted": int(accepted),
        "distinct_voters_accepted": int(distinct),
        "refused_duplicates": int(events.get("duplicate", 0)),
        "idempotent_replays": int(events.get("replay", 0)),
        "checkins_away_from_home": int(events.get("away_from_home", 0)),
        "protocols_accepted": int(protocols[0]) if protocols else 0,
        "voters_registered": int(voters[0]) if voters else 0,
        "stations": int(stations[0]) if stations else 0,
    }


@router.get("/checkins/{checkin_id}", response_model=CheckinAccepted, responses=ADMIN_ERRORS,
            summary="One accepted check-in, by id (for audits)")
async def get_checkin(credentials: Credentials, state: State,
                      checkin_id: Annotated[str, Path(pattern=ID_PATTERN)]) -> dict[str, str]:
    check_admin(state.settings.admin_token, _authorization(credentials))
    async with state.db.read() as tx:
        row = await tx.fetchone(
            "SELECT checkin_id, voter_id, station_id, accepted_at FROM checkins "
            "WHERE checkin_id = ?", (checkin_id,))
    if row is None:
        raise ApiError(404, "unknown_checkin", f"no accepted check-in has id {checkin_id!r}")
    return dict(zip(("checkin_id", "voter_id", "station_id", "accepted_at"), row, strict=True))
