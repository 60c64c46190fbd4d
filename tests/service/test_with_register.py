"""The service with a real scenario register (``pollday register``'s output) imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loadtests.register import synthetic as reg
from loadtests.register.files import write_register
from simulation import build_stations, load_scenario, station_code
from tests.service.service_support import REPO, Server, admin_headers, station_headers

SMOKE = REPO / "scenarios" / "smoke.toml"


@pytest.fixture(scope="module")
def smoke_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("smoke")
    write_register(load_scenario(SMOKE), folder / "register.ndjson.gz", workers=1)
    srv = Server(f"sqlite:///{folder / 'db.sqlite'}", register=folder / "register.ndjson.gz")
    yield srv
    srv.stop()


def test_load_tester_identities_check_in(smoke_server: Server) -> None:
    scenario = load_scenario(SMOKE)
    seed = scenario.election.seed
    stations = build_stations(scenario)
    with smoke_server.client() as client:
        counters = client.get("/admin/counters", headers=admin_headers()).json()
        assert counters["voters_registered"] == int(stations.registered.sum())
        assert counters["stations"] == len(stations)
        s, v = 3, int(stations.registered[3]) - 1  # the station's last voter
        body = {"voter_id": reg.voter_id(s, v), "station_id": station_code(s),
                "template": reg.rescan(s, v, seed, 1),
                "scanned_at": datetime(2024, 2, 7, 5, 0, tzinfo=UTC).isoformat()}
        accepted = client.post("/v1/checkins", json=body,
                               headers=station_headers(station_code(s)))
        assert accepted.status_code == 201, accepted.text
        impostor = {**body, "voter_id": reg.voter_id(s, 0), "template": reg.rescan(s, 1, seed, 1)}
        refused = client.post("/v1/checkins", json=impostor,
                              headers=station_headers(station_code(s)))
        assert refused.status_code == 422
        results = client.get("/v1/results").json()
        assert [c["name"] for c in results["candidates"]] == [
            c.name for c in scenario.election.candidates]
        assert results["stations_total"] == len(stations)


def test_webcam_streams_match_the_register(smoke_server: Server) -> None:
    scenario = load_scenario(SMOKE)
    n = len(build_stations(scenario))
    webcam = reg.webcam_stations(n, scenario.election.seed, reg.DEFAULT_WEBCAM_SHARE)
    with smoke_server.client() as client:
        listed = {s["station_id"] for s in client.get("/v1/streams").json()["streams"]}
    assert listed == {station_code(s) for s in range(n) if webcam[s]}


def test_register_file_is_importable_twice(smoke_server: Server, tmp_path: Path) -> None:
    path = tmp_path / "again.ndjson"
    write_register(load_scenario(SMOKE), path, workers=1)
    with smoke_server.client(timeout=120) as client:
        before = client.get("/admin/counters", headers=admin_headers()).json()
        response = client.post("/admin/import", content=path.read_bytes(),
                               headers={**admin_headers(), "Content-Type": "application/x-ndjson"})
        assert response.status_code == 200, response.text
        after = client.get("/admin/counters", headers=admin_headers()).json()
    assert after["voters_registered"] == before["voters_registered"]
    assert after["checkins_accepted"] == before["checkins_accepted"]
