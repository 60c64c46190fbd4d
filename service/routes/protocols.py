"""POST /v1/protocols."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse

from service.auth import check_station
from service.models import ErrorBody, ProtocolAccepted, ProtocolRequest
from service.protocols import submit_protocol
from service.routes.checkins import Credentials, _authorization
from service.state import ServiceState, get_state

router = APIRouter(tags=["protocols"])


@router.post(
    "/v1/protocols",
    status_code=201,
    response_model=ProtocolAccepted,
    responses={
        200: {"model": ProtocolAccepted, "description": "the same protocol again"},
        **{s: {"model": ErrorBody} for s in (401, 403, 404, 409, 413, 422, 503)},
    },
    summary="Submit a station's count after closing (station token)",
)
async def post_protocol(
    body: ProtocolRequest,
    credentials: Credentials,
    state: Annotated[ServiceState, Depends(get_state)],
) -> JSONResponse:
    """422 if the protocol does not add up or has more ballots than check-ins at the
    station; the same protocol again is 200, a different one for the same station 409."""
    check_station(state.settings.secret, _authorization(credentials), body.station_id)
    status, result = await submit_protocol(state.db, body)
    return JSONResponse(result, status_code=status)
