"""POST /v1/checkins and /v1/checkins/batch."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.responses import JSONResponse

from service.auth import check_station
from service.checkins import CheckinInput, Outcome, check_in
from service.errors import ApiError, AsciiJSONResponse
from service.models import (
    ID_PATTERN,
    BatchItem,
    BatchRequest,
    BatchResponse,
    CheckinAccepted,
    CheckinRequest,
    ErrorBody,
)
from service.state import ServiceState, get_state

router = APIRouter(tags=["check-in"])
bearer = HTTPBearer(auto_error=False, description="hex HMAC-SHA256 of the station id")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        401: "missing or malformed bearer token",
        403: "the token is not that of the station in the body",
        404: "unknown station or voter",
        409: "the voter already checked in (body names the first station and time), or the "
        "station's protocol was already accepted (protocol_already_accepted)",
        413: "body too large",
        422: "malformed body (including a scanned_at outside years 2000-2100 UTC), missing "
        "Idempotency-Key, or template mismatch",
        503: "database unavailable or injected fault; retry with the same Idempotency-Key",
    }.items()
}


def _authorization(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return None if credentials is None else f"{credentials.scheme} {credentials.credentials}"


def check_idempotency_key(key: str | None) -> str:
    if key is None:
        raise ApiError(
            422, "missing_idempotency_key",
            "send an Idempotency-Key header: a new unique key per check-in, the same key "
            "when retrying it",
        )
    if not re.match(ID_PATTERN, key):
        raise ApiError(
            422, "malformed_idempotency_key",
            "Idempotency-Key must be 1-64 characters of letters, digits and _.:- "
            "(a UUID works)",
        )
    return key


@router.post(
    "/v1/checkins",
    status_code=201,
    response_model=CheckinAccepted,
    responses=ERRORS,
    summary="Check a voter in (station token)",
)
async def post_checkin(
    body: CheckinRequest,
    credentials: Credentials,
    state: Annotated[ServiceState, Depends(get_state)],
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    outcome = await accept_checkin(state, _authorization(credentials), idempotency_key, body)
    return JSONResponse(outcome.body, status_code=outcome.status,
                        headers=replay_headers(outcome))


async def accept_checkin(state: ServiceState, authorization: str | None,
                         idempotency_key: str | None, body: CheckinRequest) -> Outcome:
    """POST /v1/checkins after the body parsed: the route's and the fast path's one logic.
    Raises ApiError (401/403/422) or DatabaseUnavailable."""
    check_station(state.settings.secret, authorization, body.station_id)
    key = check_idempotency_key(idempotency_key)
    return await check_in(
        state.db,
        CheckinInput(body.station_id, key, body.voter_id, body.template, body.scanned_at),
    )


def replay_headers(outcome: Outcome) -> dict[str, str] | None:
    return {"Idempotent-Replayed": "true"} if outcome.replayed else None


@router.post(
    "/v1/checkins/batch",
    response_model=BatchResponse,
    responses={k: v for k, v in ERRORS.items() if k in (401, 403, 413, 422, 503)},
    summary="Sync up to 500 check-ins of an offline station (station token)",
)
async def post_checkin_batch(
    body: BatchRequest,
    credentials: Credentials,
    state: Annotated[ServiceState, Depends(get_state)],
) -> JSONResponse:
    """Each item is decided on its own, in its own transaction, exactly as a single check-in:
    one refused item never undoes another's acceptance."""
    check_station(state.settings.secret, _authorization(credentials), body.station_id)
    results = []
    for k, raw in enumerate(body.items):
        try:
            item = BatchItem.model_validate(raw)
        except ValidationError as error:
            results.append(_malformed_item(k, raw, error))
            continue
        outcome = await check_in(
            state.db,
            CheckinInput(body.station_id, item.idempotency_key, item.voter_id, item.template,
                         item.scanned_at),
        )
        results.append(
            {"idempotency_key": item.idempotency_key, "status": outcome.status,
             "body": outcome.body}
        )
    return AsciiJSONResponse({"station_id": body.station_id, "results": results})


def _malformed_item(k: int, raw: dict[str, Any], error: ValidationError) -> dict[str, Any]:
    """A 422 result for item ``k`` alone: nothing was decided or stored for it."""
    key = raw.get("idempotency_key")
    usable = isinstance(key, str) and re.fullmatch(ID_PATTERN, key) is not None
    detail = [
        {"loc": ["items", k, *e["loc"]], "msg": str(e["msg"]), "type": str(e["type"])}
        for e in error.errors(include_url=False, include_input=False)
    ]
    return {"idempotency_key": key if usable else None, "status": 422,
            "body": {"error": "malformed_item", "detail": detail}}
