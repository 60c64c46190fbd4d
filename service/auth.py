"""Station and admin authentication.

A station's bearer token is the hex HMAC-SHA256 of its station id under the service secret,
so a harness that knows the secret can act as any station, and only as that station, without
a token table to distribute.

Tokens are compared as bytes: ``hmac.compare_digest`` raises ``TypeError`` on a ``str`` with
non-ASCII characters, and a client may send any byte in a header (servers decode headers as
latin-1). A token that is not printable ASCII, or longer than any token this service issues,
is refused as malformed (401) before any comparison.
"""

from __future__ import annotations

import hashlib
import hmac

from service.errors import ApiError

# Station tokens are 64 hex characters; admin tokens are the operator's choice, bounded so a
# multi-kilobyte header is refused cheaply rather than compared.
MAX_TOKEN_CHARS = 512


def station_token(secret: str, station_id: str) -> str:
    """The bearer token of ``station_id`` under ``secret``."""
    return hmac.new(secret.encode(), station_id.encode(), hashlib.sha256).hexdigest()


def _malformed(reason: str) -> ApiError:
    return ApiError(401, "malformed_token",
                    f"the Authorization header must be 'Bearer <token>' ({reason})")


def bearer_token(authorization: str | None) -> bytes:
    """The token of an ``Authorization: Bearer ...`` header as ASCII bytes, or raise 401."""
    if not authorization:
        raise ApiError(
            401,
            "missing_token",
            "send 'Authorization: Bearer <token>' (a station's token is the hex "
            "HMAC-SHA256 of its station id under the service secret)",
        )
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _malformed("no bearer token found")
    if len(token) > MAX_TOKEN_CHARS:
        raise _malformed(f"the token is longer than {MAX_TOKEN_CHARS} characters")
    if not token.isascii() or not token.isprintable():
        raise _malformed("the token must be printable ASCII")
    return token.encode("ascii")


def check_station(secret: str, authorization: str | None, station_id: str) -> None:
    """Raise 401 without a usable token, 403 when the token is not that of ``station_id``."""
    token = bearer_token(authorization)
    # compare_digest: no timing side channel on the token comparison.
    if not hmac.compare_digest(token, station_token(secret, station_id).encode("ascii")):
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
            "admin endpoints are disabled: start the service with POLLDAY_ADMIN_TOKEN "
            "(or --admin-token-file) set",
        )
    token = bearer_token(authorization)
    if not hmac.compare_digest(token, admin_token.encode("utf-8")):
        raise ApiError(403, "not_admin", "this token is not the admin token (POLLDAY_ADMIN_TOKEN)")
