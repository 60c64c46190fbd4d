"""Hostile Authorization headers: non-ASCII bytes and over-long tokens are a 401, never a 500,
on every authenticated endpoint, on both backends (hmac.compare_digest raises TypeError on
non-ASCII str, so tokens are checked and compared as ASCII bytes)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from service.auth import MAX_TOKEN_CHARS, bearer_token, station_token
from service.errors import ApiError
from tests.service.service_support import Register, Server, checkin_body

ENDPOINTS = [
    ("POST", "/v1/checkins"),
    ("POST", "/v1/checkins/batch"),
    ("POST", "/v1/protocols"),
    ("POST", "/admin/import"),
    ("GET", "/admin/counters"),
    ("GET", "/admin/checkins/abc"),
]
HOSTILE_TOKENS: list[bytes] = [
    b"Bearer \xff\xfe" + b"a" * 62,                      # latin-1 bytes
    "Bearer ünïcödé-tøken".encode(),                     # UTF-8 multi-byte
    b"Bearer " + b"a" * (MAX_TOKEN_CHARS + 1),           # longer than any token we issue
    b"Bearer " + b"f" * 16_000,                          # a huge header line
    b"Bearer \x7fcontrol",  # DEL: the HTTP parser may refuse it first (400)
]


def _raw_request(url: str, method: str, path: str, authorization: bytes, body: bytes) -> int:
    """Send bytes exactly as given (no client-side header validation); return the status."""
    parts = urlsplit(url)
    head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: k1\r\n"
            f"Content-Length: {len(body)}\r\n").encode()
    request = head + b"Authorization: " + authorization + b"\r\n\r\n" + body
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def _body_for(path: str, register: Register) -> bytes:
    import json

    station = register.station_id(1)
    if path == "/v1/checkins":
        return json.dumps(checkin_body(register, register.voter_id(1, 0), station)).encode()
    if path == "/v1/checkins/batch":
        return json.dumps({"station_id": station, "items": [{"idempotency_key": "k"}]}).encode()
    if path == "/v1/protocols":
        # An unregistered station: the good token below then gets a 404, and no registered
        # station of the shared server is closed by an accepted protocol.
        return json.dumps({"station_id": "PSHOSTILE", "ballots_issued": 0, "ballots_valid": 0,
                           "ballots_invalid": 0, "votes": {}}).encode()
    return b""


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_hostile_tokens_are_401_on_every_authenticated_endpoint(
    server: Server, register: Register, method: str, path: str
) -> None:
    body = _body_for(path, register)
    statuses = [_raw_request(server.url, method, path, token, body) for token in HOSTILE_TOKENS]
    # Huge header lines may be refused by the HTTP parser itself (431/400): a 4xx, never 5xx.
    assert statuses[:3] == [401, 401, 401], statuses
    assert all(400 <= s < 500 for s in statuses), statuses
    # The right station token still works on the same server (no state broken).
    if path == "/v1/protocols":
        good = f"Bearer {station_token('test-secret', 'PSHOSTILE')}".encode()
        assert _raw_request(server.url, method, path, good, body) == 404


def test_bearer_token_rules() -> None:
    assert bearer_token("Bearer abc") == b"abc"
    for bad in ("Bearer \u00e9", "Bearer " + "a" * (MAX_TOKEN_CHARS + 1), "Basic abc", "Bearer "):
        with pytest.raises(ApiError) as caught:
            bearer_token(bad)
        assert caught.value.status_code == 401
