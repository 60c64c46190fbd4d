"""POST /v1/checkins/batch: per-item results, never all-or-nothing per batch."""

from __future__ import annotations

import json
from typing import Any

from tests.service.service_support import (
    Register,
    Server,
    admin_headers,
    checkin_body,
    station_headers,
)

# Stations 30-34 belong to this module.


def item(register: Register, voter: str, key: str, **kw: Any) -> dict[str, Any]:
    body = checkin_body(register, voter, register.station_id(30))
    body.pop("station_id")
    return {"idempotency_key": key, **body, **kw}


def test_batch_gives_one_result_per_item(server: Server, register: Register) -> None:
    station = register.station_id(30)
    with server.client() as client:
        # Voter (31, 0) already voted elsewhere: that item is 409, the others still pass.
        done = checkin_body(register, register.voter_id(31, 0), register.station_id(31))
        assert (
            client.post(
                "/v1/checkins", json=done, headers=station_headers(register.station_id(31))
            ).status_code
            == 201
        )
        items = [
            item(register, register.voter_id(30, 0), "b0"),
            item(register, register.voter_id(31, 0), "b1"),
            {**item(register, register.voter_id(30, 4), "b2"), "voter_id": "NOBODY"},
            item(
                register,
                register.voter_id(30, 1),
                "b3",
                template=register.rescan(register.voter_id(30, 2)),
            ),
            item(register, register.voter_id(30, 3), "b4"),
        ]
        payload = {"station_id": station, "items": items}
        response = client.post("/v1/checkins/batch", json=payload, headers=station_headers(station))
        assert response.status_code == 200, response.text
        statuses = [r["status"] for r in response.json()["results"]]
        assert statuses == [201, 409, 404, 422, 201]
        # Syncing the same batch again (a retry) returns the same answers, none "already voted".
        again = client.post("/v1/checkins/batch", json=payload, headers=station_headers(station))
        assert [r["status"] for r in again.json()["results"]] == statuses
        assert again.json()["results"][0]["body"] == response.json()["results"][0]["body"]


def test_batch_limits(server: Server, register: Register) -> None:
    station = register.station_id(32)
    with server.client() as client:
        too_many = {
            "station_id": station,
            "items": [item(register, register.voter_id(32, 0), f"k{n}") for n in range(501)],
        }
        response = client.post(
            "/v1/checkins/batch", json=too_many, headers=station_headers(station)
        )
        # 501 realistic items are over 64 KiB but under the batch limit: refused as malformed.
        assert response.status_code == 422
        assert (
            client.post(
                "/v1/checkins/batch",
                json={"station_id": station, "items": []},
                headers=station_headers(station),
            ).status_code
            == 422
        )
        other = client.post(
            "/v1/checkins/batch",
            json={"station_id": station, "items": [item(register, register.voter_id(32, 0), "x")]},
            headers=station_headers(register.station_id(33)),
        )
        assert other.status_code == 403
        huge = b'{"station_id": "PS00032", "items": [' + b" " * (600 * 1024) + b"]}"
        assert (
            client.post(
                "/v1/checkins/batch",
                content=huge,
                headers={**station_headers(station), "Content-Type": "application/json"},
            ).status_code
            == 413
        )


def test_a_malformed_item_is_its_own_422_and_never_refuses_the_batch(
        server: Server, register: Register) -> None:
    station = register.station_id(34)
    good = [{**item(register, register.voter_id(34, v), f"t{v}"),
             "scanned_at": "2026-11-28T09:30Z"} for v in range(3)]
    bad = [
        {**good[1], "scanned_at": "9999-12-31T23:59:59Z"},  # outside 2000-2100
        {**good[1], "scanned_at": "0001-01-01T00:00:00+05:00"},
        {k: v for k, v in good[1].items() if k != "template"},  # missing field
        {**good[1], "colour": "blue"},  # unknown field
        {**good[1], "idempotency_key": 7},  # wrong type: no usable key
    ]
    with server.client() as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
        for malformed in bad:
            response = client.post("/v1/checkins/batch", json={"station_id": station,
                                   "items": [good[0], malformed, good[2]]},
                                   headers=station_headers(station))
            assert response.status_code == 200, response.text
            first, middle, last = response.json()["results"]
            assert middle["status"] == 422 and middle["body"]["error"] == "malformed_item"
            assert middle["body"]["detail"][0]["loc"][:2] == ["items", 1]
            key = malformed["idempotency_key"]
            assert middle["idempotency_key"] == (key if isinstance(key, str) else None)
            assert first["status"] == last["status"] == 201  # the first time; replays after
            if "scanned_at" in malformed and malformed["scanned_at"][0] in "90":
                assert "2000-01-01T00:00:00Z to 2100" in middle["body"]["detail"][0]["msg"]
        # Nothing was stored for the malformed item: its voter and key are still free.
        ok = client.post("/v1/checkins/batch", json={"station_id": station, "items": [
            {**good[1], "scanned_at": "2100-12-31T23:59Z"}]}, headers=station_headers(station))
        assert [r["status"] for r in ok.json()["results"]] == [201]
        counters = client.get("/admin/counters", headers=admin_headers()).json()
    assert counters["checkins_accepted"] - before["checkins_accepted"] == 3


def test_a_lone_surrogate_in_an_item_is_that_items_422(server: Server, register: Register) -> None:
    station = register.station_id(33)
    good = {**item(register, register.voter_id(33, 5), "s5"), "scanned_at": "2026-11-28T09:30Z"}
    raw = (b'{"station_id": "' + station.encode() + b'", "items": [' + json.dumps(good).encode()
           + b', {"idempotency_key": "\\ud800", "voter_id": "x"}'
           + b', {"idempotency_key": "k", "\\ud800": 1}]}')
    headers = {**station_headers(station), "Content-Type": "application/json"}
    with server.client() as client:
        response = client.post("/v1/checkins/batch", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 422]
    assert [r["idempotency_key"] for r in results] == ["s5", None, "k"]
