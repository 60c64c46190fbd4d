"""Station and admin authentication.

A station's bearer token is the hex HMAC-SHA256 of its station id under the service secret,
so a harness that knows the secret can act as any station, and only as that station, without
a token table to distribute.
"""

from __future__ import annotations

import hashlib
import hmac

from service.errors import ApiError


def station_token(secret: str, station_id: str) -> str:
    """The bearer token of ``station_id`` under ``secret``."""
    return hmac.new(secret.encode(), station_id.encode(), hashlib.sha256).hexdigest()


def bearer_token(authorization: str | None) -> str:
    """Extract the token of an ``Authorization: Bearer ...`` header or raise 401."""
    if not authorization:
        raise ApiError(
            401,
            "missing_token",
            "send 'Authorization: Bearer <token>' (a station's token is the hex "
            "HMAC-SHA256 of its station id under the service secret)",
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "malformed_token", "the Authorization header must be 'Bearer <token>'")
    return token.strip()


def check_station(secret: str, authorization: str | None, station_id: str) -> None:
    """Raise 401 without a token, 403 when the token is not that of ``station_id``."""
    token = bearer_token(authorization)
    # compare_digest: no timing side channel on the token comparison.
    if not hmac.compare_digest(token, station_token(secret, station_id)):
        raise ApiError(
            403,
            "wrong_station",
            f"this token is not the token of station {station_id!r}: a station may act "
            "only for itself",
        )


def check_admin(admin_token: str | None, authorization: str | None) -> None:
    """Raise unless ``authorization`` carries the configured admin token."""
    if not admin_token:
        raise ApiError(
            403,
            "admin_disabled",
            "admin endpoints are disabled: start the service with POLLDAY_ADMIN_TOKEN set",
        )
    token = bearer_token(authorization)
    if not hmac.compare_digest(token, admin_token):
        raise ApiError(403, "not_admin", "this token is not the admin token (POLLDAY_ADMIN_TOKEN)")
