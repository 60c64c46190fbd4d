"""A mapping file's adapter: the exact requests of each kind, and answers told apart."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest

import simulation
from loadtests.adapter import AdapterContext, Answer, CheckinItem, HttpRequest, ProtocolCounts
from loadtests.adapter_spec import adapter_class
from loadtests.mapping import MappedAdapter, json_pointer
from loadtests.register import synthetic as register

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"
SECRET = "s3"

FULL = """\
retry = [429, 503]

[station_headers]
Authorization = "Bearer {station_token}"
X-Api-Key = "{env:SVC_KEY}"

[checkin]
method = "PUT"
path = "/api/v2/stations/{station_id}/voters/{voter_id}/checkin"
accepted = [200, 201]
already_voted = [409]
refused = [403, 404]
checkin_id = "/data/checkin/id"
headers = { Idempotency-Key = "{idempotency_key}" }
body = { scan = { at = "{scanned_at}", template = "{template}" }, dup = "{duplicate}" }

[batch]
path = "/api/v2/stations/{station_id}/sync"
body = { station = "{station_id}", records = "{items}" }
item = { voter = "{voter_id}", key = "{idempotency_key}" }
results = "/outcomes"
item_status = "/code"
item_checkin_id = "/id"

[protocol]
path = "/api/v2/stations/{station_id}/protocol"
failed_attempt = [400]

[protocol.body]
issued = "{ballots_issued}"
valid = "{ballots_valid}"
invalid = "{ballots_invalid}"
votes = "{votes}"
try = "{attempt}"

[results]
path = "/api/v2/results"
headers = { Accept = "application/json" }

[streams]
path = "/cams"
array = "/cams"
station_id = "/station"
snapshot = "/cams/{station_id}/jpeg"
"""


@pytest.fixture(scope="module")
def scenario() -> simulation.Scenario:
    return simulation.load_scenario(SMOKE)


@pytest.fixture
def adapter(tmp_path: Path, scenario: simulation.Scenario,
            monkeypatch: pytest.MonkeyPatch) -> MappedAdapter:
    monkeypatch.setenv("SVC_KEY", "key-1")
    (tmp_path / "svc.toml").write_text(FULL)
    cls = adapter_class(str(tmp_path / "svc.toml"))
    made = cls(AdapterContext(scenario, SECRET))
    assert isinstance(made, MappedAdapter)
    return made


def token(station_id: str) -> str:
    return hmac.new(SECRET.encode(), station_id.encode(), hashlib.sha256).hexdigest()


def item(voter: int, duplicate: bool = False, key: str = "n-4-0") -> CheckinItem:
    return CheckinItem(station=3, station_id="PS00004", voter=voter, home_station=3,
                       voter_id=register.voter_id(3, voter), template_b64="QUJD",
                       scanned_at=dt.datetime(2024, 2, 7, 4, 0, 5, tzinfo=dt.UTC),
                       idempotency_key=key, duplicate=duplicate)


def station_headers(station_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(station_id)}", "X-Api-Key": "key-1"}


def test_a_checkin_and_a_duplicate_attempt(adapter: MappedAdapter) -> None:
    vid = register.voter_id(3, 17)
    body = {"scan": {"at": "2024-02-07T04:00:05+00:00", "template": "QUJD"}, "dup": False}
    name = "/api/v2/stations/[station_id]/voters/[voter_id]/checkin"
    headers = {**station_headers("PS00004"), "Idempotency-Key": "n-4-0",
               "Content-Type": "application/json"}
    assert adapter.checkin(item(17)) == HttpRequest(
        "PUT", f"/api/v2/stations/PS00004/voters/{vid}/checkin", name, headers,
        json.dumps(body, separators=(",", ":")).encode(), frozenset({200, 201}))
    dup = adapter.checkin(item(17, duplicate=True))
    assert (dup.name, dup.expected) == (name + " (duplicate)", frozenset({409}))
    assert json.loads(dup.body or b"")["dup"] is True


def test_answers_are_told_in_the_ledgers_words(adapter: MappedAdapter) -> None:
    i = item(17)
    assert adapter.parse_checkin(i, 200, b'{"data": {"checkin": {"id": 42}}}') == \
        Answer(201, "42")
    assert adapter.parse_checkin(i, 201, b"not json") == Answer(201, None)
    assert adapter.parse_checkin(i, 409, b"{}") == Answer(409)
    assert adapter.parse_checkin(i, 404, b"{}") == Answer(404)
    assert adapter.parse_checkin(i, 500, b"{}") == Answer(500)
    assert adapter.retry_statuses == frozenset({429, 503})


def test_a_refusal_answered_201_or_409_is_never_read_as_acceptance(
        tmp_path: Path, scenario: simulation.Scenario) -> None:
    (tmp_path / "odd.toml").write_text(
        'absent = ["batch", "protocol", "results", "streams"]\n[checkin]\npath = "/c"\n'
        "accepted = [200]\nalready_voted = [208]\nrefused = [201, 409]\n")
    odd = adapter_class(str(tmp_path / "odd.toml"))(AdapterContext(scenario, SECRET))
    assert [odd.parse_checkin(item(1), s, b"") for s in (200, 208, 201, 409)] == \
        [Answer(201), Answer(409), Answer(422), Answer(422)]


def test_a_batch_and_its_answers_per_item(adapter: MappedAdapter) -> None:
    items = [item(1, key="k1"), item(2, key="k2"), item(3, key="k3")]
    req = adapter.batch("PS00004", items)
    assert (req.method, req.path, req.name, req.expected) == (
        "POST", "/api/v2/stations/PS00004/sync", "/api/v2/stations/[station_id]/sync",
        frozenset({200}))
    assert json.loads(req.body or b"") == {"station": "PS00004", "records": [
        {"voter": register.voter_id(3, v), "key": f"k{v}"} for v in (1, 2, 3)]}
    answer = {"outcomes": [{"code": 201, "id": "a"}, {"code": 409}, {"nothing": 1}]}
    assert adapter.parse_batch(items, 200, json.dumps(answer).encode()) == \
        [Answer(201, "a"), Answer(409), Answer(0)]
    assert adapter.parse_batch(items, 503, b"") == [Answer(0)] * 3


def test_a_protocol_and_a_failed_attempt_that_does_not_add_up(adapter: MappedAdapter) -> None:
    counts = ProtocolCounts(3, "PS00004", 10, 9, 1, {"A": 6, "B": 3})
    req = adapter.protocol(counts)
    headers = {**station_headers("PS00004"), "Content-Type": "application/json"}
    assert req == HttpRequest(
        "POST", "/api/v2/stations/PS00004/protocol", "/api/v2/stations/[station_id]/protocol",
        headers, b'{"issued":10,"valid":9,"invalid":1,"votes":{"A":6,"B":3},"try":0}',
        frozenset({200, 201}))
    failed = adapter.failed_protocol(counts, 2)
    assert json.loads(failed.body or b"") == {"issued": 10, "valid": 10, "invalid": 1,
                                              "votes": {"A": 6, "B": 3}, "try": 2}
    assert (failed.name, failed.expected) == (
        "/api/v2/stations/[station_id]/protocol (failed attempt)", frozenset({400}))


def test_public_reads_carry_no_station_credentials(adapter: MappedAdapter) -> None:
    assert adapter.results() == HttpRequest("GET", "/api/v2/results", "/api/v2/results",
                                            {"Accept": "application/json"}, None,
                                            frozenset({200, 304}))
    assert adapter.streams() == HttpRequest("GET", "/cams", "/cams", {}, None,
                                            frozenset({200}))
    assert adapter.parse_streams(200, b'{"cams": [{"station": "PS00002"}, {"x": 1}]}') == \
        ["PS00002"]
    assert adapter.parse_streams(500, b"") == []
    assert adapter.snapshot("PS 2") == HttpRequest("GET", "/cams/PS%202/jpeg",
                                                   "/cams/[station_id]/jpeg", {}, None,
                                                   frozenset({200}))


def test_the_endpoints_are_measured_as_the_reference_figures(adapter: MappedAdapter) -> None:
    assert type(adapter).figures == {
        "PUT /api/v2/stations/[station_id]/voters/[voter_id]/checkin": "checkin",
        "PUT /api/v2/stations/[station_id]/voters/[voter_id]/checkin (duplicate)": "duplicate",
        "POST /api/v2/stations/[station_id]/sync": "batch",
        "POST /api/v2/stations/[station_id]/protocol": "protocol",
        "POST /api/v2/stations/[station_id]/protocol (failed attempt)": "protocol_failed",
        "GET /api/v2/results": "results",
        "GET /cams": "streams",
        "GET /cams/[station_id]/jpeg": "snapshot",
    }
    assert adapter.absent == frozenset()


def test_json_pointers_follow_rfc_6901() -> None:
    doc = {"a/b": {"m~n": [10, {"x": None}]}}
    assert json_pointer(doc, "") is doc
    assert json_pointer(doc, "/a~1b/m~0n/0") == 10
    assert json_pointer(doc, "/a~1b/m~0n/1/x") is None
    for missing in ("/a", "/a~1b/m~0n/2", "/a~1b/m~0n/-"):
        with pytest.raises(KeyError):
            json_pointer(doc, missing)
