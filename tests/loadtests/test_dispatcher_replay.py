"""Jobs to requests (no locust, a fake transport): retries, duplicates, protocols, outputs."""

from __future__ import annotations

import itertools
import json
import sys
import types
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from loadtests.adapter import Adapter, AdapterContext, HttpRequest
from loadtests.adapter_spec import load_adapter
from loadtests.latency import Recorder
from loadtests.ledger import read_ledger
from loadtests.options import OptionsError, from_namespace
from loadtests.output import figure_aliases, summarize, worker_notes, write_outputs
from loadtests.plan import JobKind
from loadtests.register import synthetic as register
from loadtests.replay import JobRunner, Loaded, Response, load, worker_plan
from loadtests.results import LoadTestOutput
from pollday.verdicts.run_verdict import replay_notes
from simulation import station_code

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"


def options(**kw: object) -> object:
    base = {"scenario": str(SMOKE), "secret": "s", "compress": 60.0, "results_rps": 0.0,
            "webcam_rps": 0.0}
    return from_namespace(SimpleNamespace(**{**base, **kw}))


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return load(SMOKE, None)


class FakeService:
    """Accepts each voter once (409 after), times out the first ``timeouts`` attempts."""

    def __init__(self, timeouts: int = 0, failures: tuple[int, ...] = ()) -> None:
        self.timeouts = timeouts
        self.failures = list(failures)  # statuses answered, in order, before serving
        self.accepted: dict[str, str] = {}
        self.calls: list[HttpRequest] = []

    def __call__(self, req: HttpRequest) -> Response:
        self.calls.append(req)
        if self.timeouts > 0:
            self.timeouts -= 1
            return Response(0, error="timeout")
        if self.failures:
            return Response(self.failures.pop(0), b'{"error": "injected"}')
        body = json.loads(req.body or b"{}")
        if req.path == "/v1/checkins":
            return self._one(body["voter_id"], body["station_id"])
        if req.path == "/v1/checkins/batch":
            results = []
            for item in body["items"]:
                r = self._one(item["voter_id"], body["station_id"])
                results.append({"idempotency_key": item["idempotency_key"],
                                "status": r.status, "body": json.loads(r.body)})
            return Response(200, json.dumps({"results": results}).encode())
        return Response(201, b"{}")

    def _one(self, voter_id: str, station_id: str) -> Response:
        if voter_id in self.accepted:
            return Response(409, b'{"error": "already_checked_in"}')
        self.accepted[voter_id] = station_id
        return Response(201, json.dumps({"checkin_id": f"c{len(self.accepted)}"}).encode())


def runner(loaded: Loaded, service: FakeService, **kw: object) -> JobRunner:
    opts = options(**kw)
    plan = worker_plan(loaded, opts, 0, 1)  # type: ignore[arg-type]
    clock = itertools.count()
    return JobRunner(loaded, plan, opts, Adapter(AdapterContext(loaded.scenario, "s")),  # type: ignore[arg-type]
                     service, lambda: next(clock) / 1000, lambda s: None)


def test_a_timed_out_checkin_is_retried_with_the_same_idempotency_key(loaded: Loaded) -> None:
    service = FakeService(timeouts=2)  # smoke: central.retries = 2, so the third try answers
    r = runner(loaded, service)
    j = next(j for j in range(len(r.plan)) if r.plan.kind[j] == JobKind.CHECKIN)
    r.run_job(j)
    keys = [c.headers["Idempotency-Key"] for c in service.calls]
    assert len(keys) == 3 and len(set(keys)) == 1
    assert [c.body for c in service.calls].count(service.calls[0].body) == 3
    ep = r.recorder.endpoints["POST /v1/checkins"]
    assert ep.requests == 1 and ep.retries == 2 and ep.send.get_total_count() == 3
    assert dict(ep.statuses) == {"201": 1} and not ep.errors
    assert [e[6] for e in r.ledger.entries] == [201]


def test_after_the_last_retry_the_timeout_is_an_error_and_not_in_the_ledger(
        loaded: Loaded) -> None:
    service = FakeService(timeouts=3)
    r = runner(loaded, service)
    j = next(j for j in range(len(r.plan)) if r.plan.kind[j] == JobKind.CHECKIN)
    r.run_job(j)
    ep = r.recorder.endpoints["POST /v1/checkins"]
    assert dict(ep.errors) == {"timeout": 1} and r.ledger.entries == []


@pytest.mark.parametrize(
    ("failures", "statuses", "retries"),
    [((503, 502), {"201": 1}, 2), ((500,), {"500": 1}, 0), ((503, 503, 503), {"503": 1}, 2)],
)
def test_only_retryable_statuses_are_retried_and_the_final_answer_counts(
        loaded: Loaded, failures: tuple[int, ...], statuses: dict[str, int], retries: int) -> None:
    r = runner(loaded, FakeService(failures=failures))
    j = next(j for j in range(len(r.plan)) if r.plan.kind[j] == JobKind.CHECKIN)
    r.run_job(j)
    ep = r.recorder.endpoints["POST /v1/checkins"]
    assert ep.requests == 1 and ep.retries == retries and dict(ep.statuses) == statuses
    assert dict(ep.errors) == ({} if statuses == {"201": 1} else statuses)


def test_the_whole_day_duplicates_are_refused_and_protocols_add_up(loaded: Loaded) -> None:
    service = FakeService()
    r = runner(loaded, service)
    for j in range(len(r.plan)):  # in time order, one at a time
        r.run_job(j)
    entries = [dict(zip(("kind", "station", "station_id", "voter", "home_station", "voter_id",
                         "status"), e[:7], strict=True)) for e in r.ledger.entries]
    dups = [e for e in entries if e["kind"] in ("duplicate", "sync_duplicate")]
    assert dups and all(e["status"] == 409 for e in dups)
    assert all(e["home_station"] != e["station"] for e in dups)
    assert all(e["voter_id"] == register.voter_id(e["home_station"], e["voter"]) for e in dups)
    genuine = [e for e in entries if e["kind"] in ("checkin", "sync_checkin")]
    assert all(e["status"] == 201 for e in genuine)
    assert len(genuine) == int(np.isin(loaded.schedule["kind"], (0, 2)).sum())
    protocols = [e for e in r.ledger.entries if e[0] == "protocol"]
    assert len(protocols) == len(loaded.stations)
    names = {c.name for c in loaded.scenario.election.candidates}
    for p in protocols:
        counts = p[9]
        at_station = sum(1 for e in genuine if e["station"] == p[1])
        assert counts["ballots_issued"] == at_station
        assert counts["ballots_valid"] + counts["ballots_invalid"] == at_station
        assert sum(counts["votes"].values()) == counts["ballots_valid"]
        assert set(counts["votes"]) == names
    # The same station's protocol is the same content every time (safe to resubmit).
    assert r.protocol_counts(0) == r.protocol_counts(0)
    assert r.adapter.protocol(r.protocol_counts(0)).body == \
        r.adapter.protocol(r.protocol_counts(0)).body


def test_outputs_have_the_documented_fields(loaded: Loaded, tmp_path: Path) -> None:
    service = FakeService()
    r = runner(loaded, service)
    for j in range(300):
        r.run_job(j)
    rec = Recorder.from_wire(r.recorder.to_wire())  # through the wire format
    rec.merge(Recorder())
    rec.counters.update({"scheduled_events": 5, "fired_events": 4})
    summary = write_outputs(tmp_path, rec, r.ledger.entries, workers=1, options={})
    on_disk = json.loads((tmp_path / "loadtest.json").read_text())
    assert on_disk == json.loads(json.dumps(summary.as_json()))
    ep = on_disk["endpoints"]["POST /v1/checkins"]
    for key in ("requests", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms",
                "p50_ms_intended", "p95_ms_intended", "p99_ms_intended", "max_ms_intended",
                "hdr_send", "hdr_intended"):
        assert key in ep
    assert ep["p50_ms"] <= ep["p95_ms"] <= ep["p99_ms"] <= ep["max_ms"]
    assert on_disk["generator"]["dropped_events"] == 1
    lat = on_disk["checkin_latency_ms"]
    assert lat["percentiles"] == list(range(1, 100)) and lat["values_ms"] == sorted(
        lat["values_ms"])
    lines = list(read_ledger(tmp_path / "ledger.ndjson"))
    assert len(lines) == len(r.ledger.entries) == on_disk["ledger"]["lines"]
    assert lines[0]["station_id"] == station_code(lines[0]["station"])


def test_loadtest_json_says_what_the_figures_leave_out(tmp_path: Path) -> None:
    """A lost worker and the kinds a target lacks (a mapping's ``absent``): their counters
    and notes in loadtest.json, which pollday run's summary notes repeat."""
    rec = Recorder()
    rec.counters.update({"sync_items_sent_single": 12, "protocol_skipped_absent": 3,
                         "failed_protocol_skipped_absent": 1, "results_skipped_absent": 7,
                         "missing_workers": 2})
    lost = {1: {"worker": 1, "client": "gen-b_2f", "lost_at_s": 4.5, "stations": 9,
                "state": "missing"}}
    notes = worker_notes(lost, {1, 2}, {0: 10, 1: 9, 2: 8}, 3)
    assert notes == [
        "worker 2/3 (gen-b_2f) lost 4.5 s into the replay (no heartbeat): its 9 stations' "
        "answers are missing from the ledger and the figures (counted in "
        "generator.missing_workers; see loadtest/locust.log)",
        "worker 3/3 sent no final report: its 8 stations' answers are missing from the ledger "
        "and the figures (counted in generator.missing_workers; see loadtest/locust.log)"]
    write_outputs(tmp_path, rec, [], workers=3, options={}, notes=notes)
    on_disk = LoadTestOutput.read(tmp_path / "loadtest.json")
    gen = on_disk.generator
    assert gen is not None
    assert (gen.sync_items_sent_single, gen.protocol_skipped_absent,
            gen.failed_protocol_skipped_absent, gen.results_skipped_absent) == (12, 3, 1, 7)
    assert on_disk.notes[:2] == notes
    assert on_disk.notes[2:] == [
        "12 check-ins of offline stations' syncs sent one by one (the target has no batch "
        'endpoint: absent "batch"): no batch.* figures; they count as checkin.* and '
        "duplicate.*",
        '7 results reads not sent (absent "results"): no results.* figures',
        '3 protocol uploads not sent (absent "protocol"): no protocol.* figures',
        '1 failed protocol upload attempts not sent (absent "protocol"): no '
        "protocol_failed.* figures"]
    # pollday run's summary notes carry them (a missing worker: no deadline note besides).
    assert replay_notes(on_disk.as_json()) == on_disk.notes
    # A replay without any: no notes, every counter 0 (and a file without them reads as 0).
    clean = summarize(Recorder(), workers=1, ledger_lines=0, options={})
    assert clean.notes == [] and clean.generator is not None
    assert clean.generator.sync_items_sent_single == 0


def test_adapter_specs_and_bad_options_say_what_is_wrong(loaded: Loaded) -> None:
    ctx = AdapterContext(loaded.scenario, "s")
    assert type(load_adapter("loadtests.adapter:Adapter", ctx)) is Adapter
    for spec in ("nocolon", "no_such_module:X", "loadtests.adapter:HttpRequest"):
        with pytest.raises(ValueError, match="adapter"):
            load_adapter(spec, ctx)
    with pytest.raises(OptionsError, match="--station-share"):
        options(station_share=1.5)
    with pytest.raises(OptionsError, match="--secret"):
        from_namespace(SimpleNamespace(scenario=str(SMOKE)))


class FakeV2Service:
    """The dialect of the adapter example in docs/loadtests.md."""

    def __init__(self) -> None:
        self.accepted: set[str] = set()
        self.paths: set[str] = set()

    def __call__(self, req: HttpRequest) -> Response:
        short = "voters" if req.path.startswith("/api/v2/voters/") else req.path
        self.paths.add(f"{req.method} {short}")
        if req.path.startswith("/api/v2/voters/"):
            assert "X-Station-Key" in req.headers and "Idempotency-Key" in req.headers
            voter = req.path.split("/")[4]
            if voter in self.accepted:
                return Response(409, b"{}")
            self.accepted.add(voter)
            return Response(200, json.dumps({"receipt": f"r-{voter}"}).encode())
        if req.path == "/api/v2/sync":
            out = []
            for item in json.loads(req.body or b"[]"):
                ok = item["voter"] not in self.accepted
                self.accepted.add(item["voter"])
                out.append({"key": item["key"], "ok": ok, "receipt": f"r-{item['voter']}"})
            return Response(200, json.dumps(out).encode())
        if req.path == "/v1/protocols":  # "as in the reference service", its auth included
            assert req.headers.get("Authorization", "").startswith("Bearer ")
            assert "X-Station-Key" not in req.headers
        return Response(201, b"{}")


def test_the_documented_adapter_example_works(loaded: Loaded) -> None:
    doc = (REPO / "docs" / "loadtests.md").read_text()
    code = next(block.split("```", 1)[0] for block in doc.split("```python\n")[1:]
                if "class EVotingV2" in block)
    module = types.ModuleType("myadapters")
    exec(compile(code, "docs/loadtests.md", "exec"), module.__dict__)
    sys.modules["myadapters"] = module
    try:
        adapter = load_adapter("myadapters:EVotingV2", AdapterContext(loaded.scenario, "s"))
        service = FakeV2Service()
        r = runner(loaded, service)
        r.adapter = adapter
        for j in range(len(r.plan)):
            r.run_job(j)
    finally:
        del sys.modules["myadapters"]
    assert service.paths >= {"PUT voters", "POST /api/v2/sync", "POST /v1/protocols"}
    statuses = Counter((e[0], e[6]) for e in r.ledger.entries)
    assert statuses[("checkin", 201)] == int((loaded.schedule["kind"] == 0).sum())
    assert statuses[("sync_checkin", 201)] == int((loaded.schedule["kind"] == 2).sum())
    assert statuses[("duplicate", 409)] == int((loaded.schedule["kind"] == 1).sum())
    eps = r.recorder.endpoints
    assert not eps["PUT /api/v2/voters/[id]/checkin"].errors
    assert dict(eps["PUT /api/v2/voters/[id]/checkin (duplicate)"].statuses) == {
        "409": statuses[("duplicate", 409)]}
    # The adapter's own aliases: thresholds and the closed loop measure its endpoints.
    summary = summarize(r.recorder, workers=1, ledger_lines=0, options={},
                        figures=figure_aliases(type(adapter).figures)).as_json()
    figures = {k: e["figure"] for k, e in summary["endpoints"].items()}
    assert figures["PUT /api/v2/voters/[id]/checkin"] == "checkin"
    assert figures["POST /api/v2/sync"] == "batch"
    assert figures["POST /v1/protocols"] == "protocol"
    latency = summary["checkin_latency_ms"]
    assert latency["endpoint"] == "PUT /api/v2/voters/[id]/checkin"
    assert latency["count"] == eps["PUT /api/v2/voters/[id]/checkin"].send.get_total_count() > 0
    # Without the aliases the reference key is measured, and it had no traffic.
    plain = summarize(r.recorder, workers=1, ledger_lines=0, options={}).as_json()
    assert plain["checkin_latency_ms"]["count"] == 0
    assert plain["endpoints"]["POST /api/v2/sync"]["figure"] == "POST /api/v2/sync"


def test_rescans_match_the_enrolled_template_and_no_one_else() -> None:
    from loadtests.register import rescan
    from service.biometrics import decode_template, matches

    for station, voter in [(0, 0), (3, 17), (6536, 1999)]:
        enrolled = register.enrolled_template(station, voter, 42)
        scans = {rescan(station, voter, 42, attempt) for attempt in range(3)}
        assert len(scans) == 3  # each attempt is a different scan
        for scan in scans:
            raw = decode_template(scan)
            assert max(abs(a - b) for a, b in zip(raw, enrolled, strict=True)) <= \
                register.RESCAN_NOISE
            assert matches(raw, enrolled)
            assert not matches(raw, register.enrolled_template(station, voter + 1, 42))
