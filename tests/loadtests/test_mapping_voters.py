"""The target's own voters (a CSV per station) and the kinds a mapping declares absent, through
the real replay (JobRunner, a fake transport)."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from loadtests.adapter import AdapterContext, HttpRequest
from loadtests.adapter_spec import adapter_class
from loadtests.mapping import OwnVoters, OwnVotersError, read_own_voters
from loadtests.options import from_namespace
from loadtests.plan import JobKind
from loadtests.replay import JobRunner, Loaded, Response, load, worker_plan
from simulation import build_stations, station_code

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"

MAPPING = """\
voters = "ids.csv"
absent = ["batch", "protocol", "results", "streams"]
retry = [503]

[checkin]
path = "/v/{station_id}/{voter_id}"
accepted = [200]
already_voted = [409]
checkin_id = "/id"
"""


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return load(SMOKE, None)


def ids_csv(path: Path, loaded: Loaded, spare: int = 3, shuffle: int | None = None) -> Path:
    rows = [(station_code(s), f"T-{s}-{k:05d}")
            for s, n in enumerate(build_stations(loaded.scenario).registered.tolist())
            for k in range(n + spare)]
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    path.write_text("station_id,voter_id\n" + "".join(f"{s},{v}\n" for s, v in rows))
    return path


def own(path: Path, loaded: Loaded) -> OwnVoters:
    voters = read_own_voters(path)
    voters.check(loaded.scenario)
    return voters


def test_the_mapping_is_a_seeded_permutation_whatever_the_rows_order(
        tmp_path: Path, loaded: Loaded) -> None:
    a = own(ids_csv(tmp_path / "a.csv", loaded), loaded)
    b = own(ids_csv(tmp_path / "b.csv", loaded, shuffle=5), loaded)
    n = int(build_stations(loaded.scenario).registered[4])
    got = [a.voter_id(4, v) for v in range(n)]
    assert got == [b.voter_id(4, v) for v in range(n)]
    assert len(set(got)) == n and all(i.startswith("T-4-") for i in got)
    assert got != sorted(got)  # a permutation, not the file's order
    other_seed = OwnVoters(a.file, a.ids, seed=a.seed + 1)
    assert [other_seed.voter_id(4, v) for v in range(n)] != got
    spare = len(a.ids["PS00005"])  # ids_csv writes 3 more than the register
    with pytest.raises(OwnVotersError) as caught:
        a.voter_id(4, spare)
    assert str(caught.value) == (
        f"{a.file}: PS00005 has {spare} voter ids, the replay names voter {spare + 1} there; "
        "add ids (pollday capacity against --host checks in a fresh block of each station's "
        "voters per level)")


def test_too_few_ids_and_missing_stations_say_how_many_are_needed(
        tmp_path: Path, loaded: Loaded) -> None:
    registered = build_stations(loaded.scenario).registered.tolist()
    path = tmp_path / "ids.csv"
    lines = ["station_id,voter_id"] + [f"PS00001,x{k}" for k in range(registered[0] - 1)]
    lines += [f"PS00002,y{k}" for k in range(registered[1])]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(OwnVotersError) as caught:
        own(path, loaded)
    assert str(caught.value) == (
        f"{path}: no voter ids for 18 of the scenario's 20 stations (PS00003, PS00004, "
        "PS00005, PS00006, PS00007 and 13 more): add rows 'station_id,voter_id' for them; "
        f"too few voter ids at 1 station(s) (PS00001 has {registered[0] - 1}, needs "
        f"{registered[0]}): a station needs one id per voter the scenario registers there")


@pytest.mark.parametrize(("text", "message"), [
    ("station,voter\nPS00001,a\n", ":1: the header must name the columns station_id and "
                                   "voter_id, got station,voter"),
    ("station_id,voter_id\nPS00001,a\nPS00002,a\n", ":3: voter id 'a' is already on line 2: "
                                                   "an id names one voter"),
    ("station_id,voter_id\nPS00001,\n", ":2: empty station_id or voter_id"),
    ("voter_id,station_id\nPS00001\n", ":2: 1 column(s), the header has 2"),
])
def test_a_malformed_csv_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(text)
    with pytest.raises(OwnVotersError) as caught:
        read_own_voters(path)
    assert str(caught.value) == f"{path}{message}"


class Target:
    """Accepts each of its own voters once (409 after), 404 for ids it does not hold."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.accepted: dict[str, str] = {}
        self.calls: list[HttpRequest] = []

    def __call__(self, req: HttpRequest) -> Response:
        self.calls.append(req)
        _, _, station, voter = req.path.split("/")
        if voter in self.accepted:
            return Response(409, b"{}")
        if voter not in self.known:
            return Response(404, b"{}")
        self.accepted[voter] = station
        return Response(200, json.dumps({"id": f"c{len(self.accepted)}"}).encode())


def test_a_whole_day_sends_only_the_targets_ids_and_does_without_absent_kinds(
        tmp_path: Path, loaded: Loaded) -> None:
    csv = ids_csv(tmp_path / "ids.csv", loaded)
    (tmp_path / "m.toml").write_text(MAPPING)
    adapter = adapter_class(str(tmp_path / "m.toml"))(AdapterContext(loaded.scenario, "s"))
    opts = from_namespace(SimpleNamespace(scenario=str(SMOKE), secret="s", compress=60.0,
                                          results_rps=1.0, webcam_rps=0.0))
    plan = worker_plan(loaded, opts, 0, 1)
    target = Target({v for ids in read_own_voters(csv).ids.values() for v in ids})
    clock = itertools.count()
    r = JobRunner(loaded, plan, opts, adapter, target, lambda: next(clock) / 1000,
                  lambda s: None)
    for j in range(len(plan)):
        r.run_job(j)
    ledger = [dict(zip(("kind", "station", "station_id", "voter", "home_station", "voter_id",
                        "status", "checkin_id"), e[:8], strict=True)) for e in r.ledger.entries]
    kinds = Counter(e["kind"] for e in ledger)
    rows = loaded.schedule
    assert kinds == +Counter({"checkin": int((rows["kind"] == 0).sum()),
                              "duplicate": int((rows["kind"] == 1).sum()),
                              "sync_checkin": int((rows["kind"] == 2).sum()),
                              "sync_duplicate": int((rows["kind"] == 3).sum())})
    genuine = [e for e in ledger if e["kind"] in ("checkin", "sync_checkin")]
    assert all(e["status"] == 201 and e["checkin_id"] for e in genuine)
    assert {e["voter_id"] for e in genuine} == set(target.accepted)
    assert len(target.accepted) == len(genuine)
    # A duplicate attempt sends an id accepted before at its home station.
    first_at = {e["voter_id"]: e["station_id"] for e in genuine}
    for e in ledger:
        if e["kind"] in ("duplicate", "sync_duplicate"):
            assert e["status"] == 409
            assert first_at[e["voter_id"]] == station_code(e["home_station"])
    # No batch endpoint: each synced item went as a check-in of its own.
    synced = kinds["sync_checkin"] + kinds["sync_duplicate"]
    assert r.recorder.counters["sync_items_sent_single"] == synced > 0
    assert len(target.calls) == len(ledger)
    # No protocol or results endpoint: skipped and counted, nothing sent.
    protocols = int((plan.kind == JobKind.PROTOCOL).sum())
    reads = int((plan.kind == JobKind.RESULTS).sum())
    assert r.recorder.counters["protocol_skipped_absent"] == protocols > 0
    assert r.recorder.counters["results_skipped_absent"] == reads > 0


def test_a_retry_status_of_the_mapping_is_retried_with_the_same_request(
        tmp_path: Path, loaded: Loaded) -> None:
    ids_csv(tmp_path / "ids.csv", loaded)
    (tmp_path / "m.toml").write_text(MAPPING)
    adapter = adapter_class(str(tmp_path / "m.toml"))(AdapterContext(loaded.scenario, "s"))
    opts = from_namespace(SimpleNamespace(scenario=str(SMOKE), secret="s", compress=60.0,
                                          results_rps=0.0, webcam_rps=0.0))
    plan = worker_plan(loaded, opts, 0, 1)
    answers = [Response(503, b""), Response(200, b'{"id": "c1"}')]
    sent: list[HttpRequest] = []

    def target(req: HttpRequest) -> Response:
        sent.append(req)
        return answers.pop(0)

    clock = itertools.count()
    r = JobRunner(loaded, plan, opts, adapter, target, lambda: next(clock) / 1000,
                  lambda s: None)
    r.run_job(next(j for j in range(len(plan)) if plan.kind[j] == JobKind.CHECKIN))
    assert len(sent) == 2 and sent[0] == sent[1]
    ep = r.recorder.endpoints["POST /v/[station_id]/[voter_id]"]
    assert ep.retries == 1 and dict(ep.statuses) == {"200": 1} and not ep.errors
    assert [e[6:8] for e in r.ledger.entries] == [(201, "c1")]
