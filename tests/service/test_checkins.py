"""POST /v1/checkins against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import httpx
import pytest

from service.auth import station_token
from tests.service.service_support import (
    SECRET,
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
    wait_out_public_cache,
)


def post(
    client: httpx.Client,
    body: dict[str, object],
    key: str | None = None,
    station: str | None = None,
) -> httpx.Response:
    station_id = station or str(body["station_id"])
    return client.post("/v1/checkins", json=body, headers=station_headers(station_id, key))


def counters(client: httpx.Client) -> dict[str, int]:
    response = client.get("/admin/counters", headers=admin_headers())
    assert response.status_code == 200, response.text
    data: dict[str, int] = response.json()
    return data


def test_first_checkin_201_then_409_names_first_station(server: Server, register: Register) -> None:
    with server.client() as client:
        before = counters(client)
        voter = register.voter_id(3, 1)
        first = post(client, checkin_body(register, voter, register.station_id(3)))
        assert first.status_code == 201, first.text
        accepted = first.json()
        assert accepted["voter_id"] == voter and len(accepted["checkin_id"]) == 32
        # The same person at another station, later, with a new key: refused.
        again = post(client, checkin_body(register, voter, register.station_id(8)))
        assert again.status_code == 409, again.text
        assert again.json()["first_station_id"] == register.station_id(3)
        assert again.json()["first_accepted_at"] == accepted["accepted_at"]
        assert counters(client)["refused_duplicates"] == before["refused_duplicates"] + 1


def test_voter_may_check_in_at_any_station(server: Server, register: Register) -> None:
    with server.client() as client:
        # Voter of station 0 checks in at station 5 (absentee): accepted once.
        response = post(
            client, checkin_body(register, register.voter_id(0, 4), register.station_id(5))
        )
        assert response.status_code == 201, response.text
        assert response.json()["station_id"] == register.station_id(5)


def test_idempotent_replay_returns_original_answer(server: Server, register: Register) -> None:
    with server.client() as client:
        before = counters(client)
        body = checkin_body(register, register.voter_id(1, 2), register.station_id(1))
        key = str(uuid.uuid4())
        first = post(client, body, key)
        assert first.status_code == 201
        for _ in range(3):
            replay = post(client, body, key)
            assert replay.status_code == 201
            assert replay.json() == first.json()
            assert replay.headers["Idempotent-Replayed"] == "true"
        after = counters(client)
        assert {k: after[k] - before[k] for k in after} == {
            "checkins_accepted": 1,
            "distinct_voters_accepted": 1,
            "idempotent_replays": 3,
            "checkins_away_from_home": 0,
            "refused_duplicates": 0,
            "protocols_accepted": 0,
            "voters_registered": 0,
            "stations": 0,
        }


def test_replay_of_a_refusal_returns_the_refusal(server: Server, register: Register) -> None:
    with server.client() as client:
        voter = register.voter_id(2, 0)
        assert (
            post(client, checkin_body(register, voter, register.station_id(2))).status_code == 201
        )
        body = checkin_body(register, voter, register.station_id(4))
        first = post(client, body, "dup-key-1")
        replay = post(client, body, "dup-key-1")
        assert first.status_code == replay.status_code == 409
        assert first.json() == replay.json()


def test_retry_after_client_timeout_is_counted_once(
    database_url: str, register_file: Path, register: Register
) -> None:
    # The service answers 1.5 s late (after committing): the client gives up at 0.3 s and
    # retries with the same key; it must get its 201, not "already voted".
    srv = Server(
        database_url,
        "--inject-latency-ms",
        "1500",
        "--inject-endpoints",
        "checkins",
        register=register_file,
    )
    try:
        with srv.client() as client:
            body = checkin_body(register, register.voter_id(6, 6), register.station_id(6))
            with pytest.raises(httpx.TimeoutException):
                client.post(
                    "/v1/checkins",
                    json=body,
                    headers=station_headers(register.station_id(6), "retry-key"),
                    timeout=0.3,
                )
            retry = client.post(
                "/v1/checkins",
                json=body,
                headers=station_headers(register.station_id(6), "retry-key"),
                timeout=10,
            )
            assert retry.status_code == 201, retry.text
            # The retry is answered from the first request's commit, not accepted afresh: if
            # the first had never been committed, the retry would be a new 201, no replay.
            assert retry.headers["Idempotent-Replayed"] == "true"
            assert retry.json()["voter_id"] == register.voter_id(6, 6)
            c = counters(client)
            assert c["checkins_accepted"] == 1 and c["distinct_voters_accepted"] == 1
            assert c["idempotent_replays"] == 1
            assert c["refused_duplicates"] == 0
    finally:
        srv.stop()


def test_key_reused_for_another_voter_is_422(server: Server, register: Register) -> None:
    with server.client() as client:
        station = register.station_id(9)
        assert (
            post(client, checkin_body(register, register.voter_id(9, 0), station), "k1").status_code
            == 201
        )
        other = post(client, checkin_body(register, register.voter_id(9, 1), station), "k1")
        assert other.status_code == 422
        assert other.json()["error"] == "idempotency_key_reused"


def test_auth_refusals(server: Server, register: Register) -> None:
    with server.client() as client:
        before = counters(client)
        body = checkin_body(register, register.voter_id(10, 0), register.station_id(10))
        missing = client.post("/v1/checkins", json=body, headers={"Idempotency-Key": "a"})
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        # A valid token of another station, and this station's token under a guessed secret.
        for case, token in (("other station", station_token(SECRET, register.station_id(11))),
                            ("wrong secret", station_token("guess", register.station_id(10)))):
            refused = client.post("/v1/checkins", json=body,
                                  headers={"Authorization": f"Bearer {token}",
                                           "Idempotency-Key": case})
            assert refused.status_code == 403, case
        assert counters(client)["checkins_accepted"] == before["checkins_accepted"]


def test_unknown_station_and_voter_are_404(server: Server, register: Register) -> None:
    with server.client() as client:
        body = checkin_body(register, register.voter_id(0, 0), register.station_id(0))
        body["station_id"] = "PS99999"
        unknown_station = post(client, body)
        assert unknown_station.status_code == 404
        assert unknown_station.json()["error"] == "unknown_station"
        body = checkin_body(register, register.voter_id(0, 0), register.station_id(0))
        body["voter_id"] = "NOBODY"
        unknown_voter = post(client, body)
        assert unknown_voter.status_code == 404
        assert unknown_voter.json()["error"] == "unknown_voter"


def test_template_of_another_person_is_refused(server: Server, register: Register) -> None:
    with server.client() as client:
        voter, impostor = register.voter_id(12, 0), register.voter_id(12, 1)
        body = checkin_body(
            register, voter, register.station_id(12), template=register.rescan(impostor)
        )
        refused = post(client, body)
        assert refused.status_code == 422
        assert refused.json()["error"] == "template_mismatch"
        # Heavier noise on the right thumb still passes: a re-scan, not a copy, is matched.
        rescan = checkin_body(
            register,
            voter,
            register.station_id(12),
            template=register.rescan(voter, noise=8, seed=3),
        )
        assert post(client, rescan).status_code == 201


@pytest.mark.parametrize(
    "patch",
    [
        {"template": "not base64!"},
        {"template": base64.b64encode(b"short").decode()},
        {"scanned_at": "yesterday"},
        {"voter_id": ""},
        {"voter_id": "a\x00b"},
        {"extra_field": 1},
    ],
)
def test_malformed_bodies_are_422(
    server: Server, register: Register, patch: dict[str, object]
) -> None:
    with server.client() as client:
        body = checkin_body(register, register.voter_id(13, 0), register.station_id(13))
        body.update(patch)
        response = post(client, body, station=register.station_id(13))
        assert response.status_code == 422, response.text
        assert "detail" in response.json()


def test_a_lone_surrogate_in_the_body_is_422_not_500(server: Server, register: Register) -> None:
    # Valid JSON that no UTF-8 encoder can write back: echoed in an error, it used to be a 500.
    body = json.dumps(checkin_body(register, register.voter_id(13, 1), register.station_id(13)))
    raw = body[:-1].encode() + b', "\\ud800": 1}'
    headers = {**station_headers(register.station_id(13), "surrogate-1"),
               "Content-Type": "application/json"}
    with server.client() as client:
        for path in ("/v1/checkins", "/v1/checkins?via=router"):
            response = client.post(path, content=raw, headers=headers)
            assert response.status_code == 422, response.text
            assert response.json()["error"] == "malformed_request"


@pytest.mark.parametrize(
    "scanned_at",
    [
        "9999-12-31T23:59:59Z",  # used to overflow into a 500 at a UTC+4 station
        "0001-01-01T00:00:00+05:00",  # used to overflow converting to UTC
        "1999-12-31T23:59:59.999999Z",
        "2000-01-01T03:59:59+04:00",  # 1999 in UTC
        "2101-01-01T00:00:00",  # no offset: UTC
        "2100-12-31T23:00:00-05:00",  # 2101 in UTC
    ],
)
def test_scan_time_outside_2000_2100_is_422(
    server: Server, register: Register, scanned_at: str
) -> None:
    with server.client() as client:
        before = counters(client)
        body = checkin_body(register, register.voter_id(16, 0), register.station_id(16),
                            scanned_at=scanned_at)
        # A query string skips the fast path (service/fastpath.py): both paths must refuse.
        for path in ("/v1/checkins", "/v1/checkins?via=router"):
            response = client.post(path, json=body, headers=station_headers(body["station_id"]))
            assert response.status_code == 422, response.text
            [problem] = response.json()["detail"]
            assert problem["loc"] == ["body", "scanned_at"]
            assert "2000-01-01T00:00:00Z to 2100-12-31T23:59:59.999999Z" in problem["msg"]
        assert counters(client)["checkins_accepted"] == before["checkins_accepted"]


@pytest.mark.parametrize(
    ("voter", "scanned_at", "hour_local"),
    [
        (1, "2000-01-01T00:00:00Z", "2000-01-01T04:00"),
        (2, "2100-12-31T23:59:59.999999+00:00", "2101-01-01T03:00"),  # UTC+4 station
    ],
)
def test_scan_times_at_the_range_ends_are_accepted(
    server: Server, register: Register, voter: int, scanned_at: str, hour_local: str
) -> None:
    with server.client() as client:
        body = checkin_body(register, register.voter_id(16, voter), register.station_id(16),
                            scanned_at=scanned_at)
        response = post(client, body)
        assert response.status_code == 201, response.text
        wait_out_public_cache()
        hours = client.get("/v1/turnout").json()
    assert hour_local in [h["hour_local"] for h in hours["national"]["hours"]]


def test_openapi_states_the_scan_time_range(server: Server) -> None:
    with server.client() as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    batch_item = schemas["BatchRequest"]["properties"]["items"]["items"]  # inlined
    for model in (schemas["CheckinRequest"], batch_item):
        description = model["properties"]["scanned_at"]["description"]
        assert "2000-01-01T00:00:00Z to 2100-12-31T23:59:59.999999Z" in description


def test_missing_idempotency_key_and_non_json_are_422(server: Server, register: Register) -> None:
    with server.client() as client:
        station = register.station_id(14)
        body = checkin_body(register, register.voter_id(14, 0), station)
        auth = {"Authorization": f"Bearer {station_token(SECRET, station)}"}
        no_key = client.post("/v1/checkins", json=body, headers=auth)
        assert no_key.status_code == 422
        assert no_key.json()["error"] == "missing_idempotency_key"
        garbage = client.post(
            "/v1/checkins",
            content=b"{not json",
            headers={**station_headers(station), "Content-Type": "application/json"},
        )
        assert garbage.status_code == 422


def test_oversized_bodies_are_413(server: Server, register: Register) -> None:
    with server.client() as client:
        station = register.station_id(15)
        big = b'{"pad": "' + b"x" * (65 * 1024) + b'"}'
        declared = client.post(
            "/v1/checkins",
            content=big,
            headers={**station_headers(station), "Content-Type": "application/json"},
        )
        assert declared.status_code == 413

        def chunks() -> object:
            for _ in range(80):
                yield b"x" * 1024

        chunked = client.post(
            "/v1/checkins",
            content=chunks(),  # type: ignore[arg-type]
            headers={**station_headers(station), "Content-Type": "application/json"},
        )
        assert chunked.status_code == 413
        assert client.get("/healthz").status_code == 200
