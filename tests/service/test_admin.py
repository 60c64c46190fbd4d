"""Admin endpoints: token, streaming register import, counters; the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from tests.service.service_support import ADMIN_TOKEN, Register, Server, admin_headers


def test_admin_endpoints_need_the_admin_token(server: Server) -> None:
    with server.client() as client:
        assert client.get("/admin/counters").status_code == 401
        wrong = client.get("/admin/counters", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        assert client.get("/admin/counters", headers=admin_headers()).status_code == 200
        assert client.post("/admin/import", content=b"{}").status_code == 401


def test_streaming_import_adds_stations_and_voters(server: Server) -> None:
    extra = Register(stations=2, voters_per_station=3, seed=99)
    lines = extra.lines()
    for line in lines:  # distinct ids from the module's register
        for key in ("station_id", "voter_id"):
            if key in line:
                line[key] = "X" + line[key]
    payload = "".join(json.dumps(x) + "\n" for x in lines).encode()

    def chunks() -> object:
        for i in range(0, len(payload), 100):  # odd boundaries: lines split across chunks
            yield payload[i : i + 100]

    with server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
        response = client.post(
            "/admin/import",
            content=chunks(),  # type: ignore[arg-type]
            headers={**admin_headers(), "Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["voters"] == 6 and response.json()["stations"] == 2
        after = client.get("/admin/counters", headers=admin_headers()).json()
        assert after["voters_registered"] - before["voters_registered"] == 6
        assert after["stations"] - before["stations"] == 2
        # Importing the same lines again is harmless.
        assert (
            client.post("/admin/import", content=payload, headers=admin_headers()).status_code
            == 200
        )
        again = client.get("/admin/counters", headers=admin_headers()).json()
        assert again["voters_registered"] == after["voters_registered"]


def test_bad_import_line_is_named(server: Server) -> None:
    payload = (
        b'{"kind": "constituency", "constituency_id": 77, "name": "Ok"}\n'
        b'{"kind": "voter", "voter_id": "Z1"}\n'
    )
    with server.client() as client:
        response = client.post("/admin/import", content=payload, headers=admin_headers())
        assert response.status_code == 422
        assert "line 2" in response.json()["detail"]
        assert "must be a non-empty str" in response.json()["detail"]


def _station_line(station_id: str) -> bytes:
    return json.dumps({"kind": "station", "station_id": station_id, "constituency_id": 1,
                       "registered": 10}).encode() + b"\n"


@pytest.mark.parametrize(
    ("bad_line", "words"),
    [
        # json.loads recurses per nesting level: this used to be a RecursionError (500).
        (b"[" * 2000, "line 2: JSON nested too deeply"),
        # A lone surrogate passed validation, then the driver refused it on insert (500).
        (b'{"kind": "voter", "voter_id": "XSV1", "station_id": "PS00001", "first_name": '
         b'"\\ud800", "last_name": "A", "birth_date": "1980-01-01", '
         b'"template": "' + b"A" * 64 + b'"}',
         "line 2: field 'first_name'"),
    ],
    ids=["deep-nesting", "lone-surrogate"],
)
def test_unstorable_import_line_is_422_naming_it(
    server: Server, bad_line: bytes, words: str
) -> None:
    tag = "R" if bad_line.startswith(b"[") else "S"
    payload = _station_line(f"XB{tag}1") + bad_line + b"\n" + _station_line(f"XB{tag}2")
    with server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
        response = client.post("/admin/import", content=payload, headers=admin_headers())
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "bad_register_line"
        assert words in response.json()["detail"]
        after = client.get("/admin/counters", headers=admin_headers()).json()
    # As the answer says: the line before the bad one is imported, the rest is not.
    assert after["stations"] - before["stations"] == 1
    assert after["voters_registered"] == before["voters_registered"]


def test_openapi_describes_every_endpoint(server: Server) -> None:
    with server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/checkins",
        "/v1/checkins/batch",
        "/v1/protocols",
        "/v1/results",
        "/v1/results/constituencies/{constituency_id}",
        "/v1/turnout",
        "/v1/streams",
        "/v1/streams/{station_id}/snapshot",
        "/admin/import",
        "/admin/counters",
        "/admin/checkins/{checkin_id}",
        "/healthz",
    } <= set(paths)
    assert {"201", "401", "403", "404", "409", "422"} <= set(
        paths["/v1/checkins"]["post"]["responses"]
    )
    assert ADMIN_TOKEN not in json.dumps(paths)


def _post_whole_then_read(url: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """Send the whole request before reading a byte, as a simple client does."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("authorised", [True, False])
def test_refused_import_answers_after_the_rest_of_the_body(server: Server,
                                                           authorised: bool) -> None:
    # 6 MB: more than loopback's socket buffers, so a service that answered and closed
    # without reading on would reset the connection and the client would never see why.
    body = b'{"kind": "voter", "voter_id": "Z1"}\n' + b"x" * 6_000_000
    headers = admin_headers() if authorised else {}
    answer = _post_whole_then_read(server.url, "/admin/import", headers, body)
    status = 422 if authorised else 401
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
