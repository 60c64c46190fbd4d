"""Protocols, results (= sum of accepted protocols), ETag/304, turnout by hour."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.service.service_support import (
    CANDIDATES,
    Register,
    Server,
    checkin_body,
    station_headers,
    wait_out_public_cache,
)

# Stations 20-29 are this module's: other modules' tests never touch them.
NO_CACHE = {"Cache-Control": "no-cache"}


def check_in_voters(
    client: httpx.Client, register: Register, s: int, n: int, hour_utc: int = 6
) -> None:
    for i in range(n):
        body = checkin_body(
            register,
            register.voter_id(s, i),
            register.station_id(s),
            scanned_at=datetime(2026, 11, 28, hour_utc, 15, tzinfo=UTC).isoformat(),
        )
        response = client.post(
            "/v1/checkins", json=body, headers=station_headers(register.station_id(s))
        )
        assert response.status_code == 201, response.text


def protocol(
    station_id: str, votes: list[int], invalid: int = 0, issued: int | None = None
) -> dict[str, Any]:
    valid = sum(votes)
    return {
        "station_id": station_id,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "ballots_issued": valid + invalid if issued is None else issued,
        "votes": dict(zip(CANDIDATES, votes, strict=True)),
    }


def submit(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/v1/protocols", json=body, headers=station_headers(str(body["station_id"])))


def results(client: httpx.Client, path: str = "/v1/results") -> dict[str, Any]:
    response = client.get(path, headers=NO_CACHE)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_protocol_rules(server: Server, register: Register) -> None:
    with server.client() as client:
        station = register.station_id(20)
        check_in_voters(client, register, 20, 5)
        too_many = submit(client, protocol(station, [3, 2, 1]))
        assert too_many.status_code == 422
        assert too_many.json()["error"] == "more_ballots_than_checkins"
        votes_off = protocol(station, [2, 1, 1])
        votes_off["ballots_valid"] = 5
        assert submit(client, votes_off).json()["error"] == "protocol_does_not_add_up"
        box_overfull = protocol(station, [2, 1, 1], invalid=1, issued=4)
        assert submit(client, box_overfull).json()["error"] == "protocol_does_not_add_up"
        unknown = protocol(station, [2, 1, 1])
        unknown["votes"]["Nobody"] = 0
        assert submit(client, unknown).json()["error"] == "unknown_candidate"
        good = protocol(station, [2, 1, 1], invalid=1)
        first = submit(client, good)
        assert first.status_code == 201, first.text
        # Same content again (keys in another order): 200, the original acceptance time.
        reordered = {**good, "votes": dict(reversed(list(good["votes"].items())))}
        again = submit(client, reordered)
        assert again.status_code == 200
        assert again.json()["accepted_at"] == first.json()["accepted_at"]
        different = submit(client, protocol(station, [1, 2, 1], invalid=1))
        assert different.status_code == 409
        other_token = client.post(
            "/v1/protocols", json=good, headers=station_headers(register.station_id(21))
        )
        assert other_token.status_code == 403
        unknown_station = submit(client, protocol("PS99999", [0, 0, 0]))
        assert unknown_station.status_code == 404


def test_results_are_the_sum_of_accepted_protocols(server: Server, register: Register) -> None:
    with server.client() as client:
        before = results(client)
        before_c = {c: results(client, f"/v1/results/constituencies/{c}") for c in (1, 2, 3)}
        accepted = {22: [4, 3, 1], 23: [0, 2, 5], 24: [6, 0, 0]}
        for s, votes in accepted.items():
            check_in_voters(client, register, s, 9)
            assert (
                submit(client, protocol(register.station_id(s), votes, invalid=1)).status_code
                == 201
            )
        # A refused protocol must not count.
        check_in_voters(client, register, 25, 2)
        assert submit(client, protocol(register.station_id(25), [5, 5, 5])).status_code == 422
        after = results(client)
        assert after["stations_reported"] - before["stations_reported"] == 3
        assert after["stations_total"] == register.stations
        assert after["ballots_invalid"] - before["ballots_invalid"] == 3
        delta = {c["name"]: c["votes"] for c in after["candidates"]}
        old = {c["name"]: c["votes"] for c in before["candidates"]}
        assert [delta[n] - old.get(n, 0) for n in CANDIDATES] == [10, 5, 6]
        total_valid = after["ballots_valid"]
        assert total_valid == sum(delta.values())
        for c in after["candidates"]:
            assert abs(c["share"] - c["votes"] / total_valid) < 1e-6
        assert after["checkins_accepted"] - before["checkins_accepted"] == 29
        # Per constituency: each station's votes land in its own constituency only.
        for c in (1, 2, 3):
            mine = [s for s in accepted if register.constituency_of(s) == c]
            now = results(client, f"/v1/results/constituencies/{c}")
            gained = {x["name"]: x["votes"] for x in now["candidates"]}
            had = {x["name"]: x["votes"] for x in before_c[c]["candidates"]}
            for k, name in enumerate(CANDIDATES):
                assert gained[name] - had[name] == sum(accepted[s][k] for s in mine)
        assert client.get("/v1/results/constituencies/999").status_code == 404


def test_results_etag_and_304(server: Server, register: Register) -> None:
    with server.client() as client:
        first = client.get("/v1/results", headers=NO_CACHE)
        etag = first.headers["ETag"]
        assert "max-age" in first.headers["Cache-Control"]
        assert "public" in first.headers["Cache-Control"]
        not_modified = client.get("/v1/results", headers={"If-None-Match": etag})
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified.headers["ETag"] == etag
        assert client.get("/v1/results", headers={"If-None-Match": '"other"'}).status_code == 200
        # A new protocol changes the results: the old ETag no longer matches.
        check_in_voters(client, register, 26, 2)
        assert submit(client, protocol(register.station_id(26), [1, 1, 0])).status_code == 201
        changed = client.get("/v1/results", headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag


def test_turnout_by_station_local_hour(server: Server, register: Register) -> None:
    with server.client() as client:
        before = client.get("/v1/turnout", headers=NO_CACHE).json()
        # Stations are at UTC+4: 03:15Z is 07:15 local, 05:15Z is 09:15 local.
        check_in_voters(client, register, 27, 3, hour_utc=3)
        check_in_voters(client, register, 28, 4, hour_utc=5)
        wait_out_public_cache()
        after = client.get("/v1/turnout").json()

    def by_hour(series: dict[str, Any]) -> dict[str, int]:
        return {h["hour_local"]: h["checkins"] for h in series["hours"]}

    gained = by_hour(after["national"])
    had = by_hour(before["national"])
    assert gained["2026-11-28T07:00"] - had.get("2026-11-28T07:00", 0) == 3
    assert gained["2026-11-28T09:00"] - had.get("2026-11-28T09:00", 0) == 4
    hours = after["national"]["hours"]
    assert [h["hour_local"] for h in hours] == sorted(h["hour_local"] for h in hours)
    running = 0
    for h in hours:
        running += h["checkins"]
        assert h["cumulative"] == running
    assert after["national"]["registered"] == register.stations * register.voters_per_station
    constituency = next(
        c for c in after["constituencies"] if c["constituency_id"] == register.constituency_of(27)
    )
    assert by_hour(constituency)["2026-11-28T07:00"] >= 3
    assert constituency["name"] == f"District {register.constituency_of(27)}"


def test_streams_and_snapshots(server: Server, register: Register) -> None:
    with server.client() as client:
        streams = client.get("/v1/streams").json()["streams"]
        ids = {s["station_id"] for s in streams}
        assert ids == {register.station_id(s) for s in range(0, register.stations, 2)}
        snap = client.get(streams[0]["snapshot_url"])
        assert snap.status_code == 200
        assert snap.headers["content-type"] == "image/png"
        assert snap.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert client.get(f"/v1/streams/{register.station_id(1)}/snapshot").status_code == 404
