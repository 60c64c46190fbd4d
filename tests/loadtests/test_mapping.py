"""Mapping files: read, validated in one pass (file:line, did you mean), templates."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulation
from loadtests.adapter import AdapterError
from loadtests.adapter_spec import adapter_class, check_adapter_spec, needs_station_secret
from loadtests.mapping import MappingError, load_mapping
from loadtests.mapping.templates import TemplateProblem, compile_text, render_body

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "plain_service" / "pollday-adapter.toml"

MINIMAL = """\
absent = ["batch", "protocol", "results", "streams"]

[checkin]
path = "/c/{voter_id}"
accepted = [200]
already_voted = [409]
"""


def write(tmp_path: Path, text: str, name: str = "m.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_mapping(path, env=env or {})
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: invalid adapter mapping ({len(lines) - 1} problem(s))"
    return [line.removeprefix(f"{path}") for line in lines[1:]]


def test_a_minimal_mapping_loads_with_the_defaults(tmp_path: Path) -> None:
    m = load_mapping(write(tmp_path, MINIMAL), env={})
    assert m.spec.retry == [502, 503, 504] and m.voters is None
    req = m.requests["checkin"]
    assert (req.method, req.name, req.path.render({"voter_id": "a/b c"})) == \
        ("POST", "/c/[voter_id]", "/c/a%2Fb%20c")


def test_every_problem_is_said_at_once_with_its_line_and_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, """\
retry = [503]
absent = ["streams", "batchh"]

[station_headers]
X-Api-Key = "{env:NOPE_KEY}"

[checkin]
path = "/api/{station_id}/{voterid}"
acepted = [200]
already_voted = [409, 503]
retry = 3

[checkin.body]
when = "{scanned_at"
deep = { list = ["{votes}", 3] }
""")
    fields = ("{duplicate}, {idempotency_key}, {scanned_at}, {station_id}, {station_index}, "
              "{station_token}, {template}, {voter_id}")
    assert problems(path) == [
        ":2:22: absent[1]: 'batchh': Input should be 'batch', 'protocol', 'results' or "
        "'streams' (did you mean 'batch'?)",
        ":5:1: station_headers.X-Api-Key: '{env:NOPE_KEY}': {env:NOPE_KEY}: the environment "
        "variable NOPE_KEY is not set; export it before the run (the key stays out of the "
        "file)",
        ":7:1: checkin.accepted: (missing): Field required",
        ":8:1: checkin.path: '/api/{station_id}/{voterid}': unknown field {voterid} (did you "
        f"mean {{voter_id}}?); this request has: {fields}",
        ":9:1: checkin.acepted: [200]: not a key of [checkin] (did you mean 'accepted'?)",
        ":10:1: checkin.already_voted: 503: already listed in retry: a status means one thing",
        ":11:1: checkin.retry: 3: not a key of [checkin]; retry is a top-level key (write it "
        "before any [table])",
        ":14:1: checkin.body.when: '{scanned_at': a lone '{': write '{{' for a literal brace",
        ":15:18: checkin.body.deep.list[0]: '{votes}': unknown field {votes} (did you mean "
        f"{{voter_id}}?); this request has: {fields}",
        ": batch: (missing): no [batch] table: describe the target's batch request, or add "
        "'batch' to absent = [...] (offline stations' syncs are then sent as single "
        "check-ins)",
        ": protocol: (missing): no [protocol] table: describe the target's protocol request, "
        "or add 'protocol' to absent = [...] (protocol uploads are then skipped and counted, "
        "not sent)",
        ": results: (missing): no [results] table: describe the target's results request, or "
        "add 'results' to absent = [...] (results reads are then skipped and counted, not "
        "sent)",
    ]


def test_a_kind_both_described_and_absent_and_a_failed_upload_like_a_good_one(
        tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + """
[protocol]
method = "PUT"
path = "/count"
accepted = [200]
failed_attempt = [200, 422]
""")
    assert problems(path) == [
        ":1:1: absent: 'protocol': [protocol] is described below, yet declared absent: remove "
        "one of them",
        ":12:1: protocol.failed_attempt: 200: also in protocol.accepted: a failed upload must "
        "be told apart",
    ]


def test_syntax_errors_missing_files_and_missing_voters_are_bad_input(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "x = \n")) == [
        ":1:5: (syntax): -: TOML syntax error: Invalid value (at line 1, column 5)"]
    missing = tmp_path / "nope.toml"
    assert problems(missing) == [
        f": (file): -: cannot read: No such file or directory; the path is relative to the "
        f"current folder ({Path.cwd()})"]
    assert problems(write(tmp_path, 'voters = "ids.csv"\n' + MINIMAL)) == [
        f":1:1: voters: 'ids.csv': no such file ({tmp_path / 'ids.csv'}); the path is relative "
        "to the mapping file"]


def test_a_toml_spec_is_a_mapping_file_checked_before_anything_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, MINIMAL.replace("accepted", "acepted"))
    with pytest.raises(AdapterError, match=r"m.toml:5:1: checkin.acepted"):
        check_adapter_spec(str(path))
    with pytest.raises(AdapterError, match=r"checkin.acepted"):
        adapter_class(str(path))
    monkeypatch.setenv("PLAIN_API_KEY", "k")
    check_adapter_spec(str(EXAMPLE))
    assert adapter_class(str(EXAMPLE)).__name__ == "MappedAdapter[pollday-adapter.toml]"


def test_text_templates_render_fields_env_and_literal_braces() -> None:
    fields = frozenset({"station_id", "voter_id"})
    t = compile_text("Key {env:K} {{{station_id}}}-{voter_id}", fields, env={"K": "s3cret"})
    assert t.render({"station_id": "PS00001", "voter_id": 7}) == "Key s3cret {PS00001}-7"
    assert t.fields == fields
    with pytest.raises(TemplateProblem, match=r"^\{env:1X\}: not an environment variable"):
        compile_text("{env:1X}", fields, env={})
    with pytest.raises(TemplateProblem, match=r"^\{a b\} is not a placeholder"):
        compile_text("{a b}", fields, env={})
    with pytest.raises(TemplateProblem, match=r"^a lone '\}'"):
        compile_text("x}", fields, env={})


def test_a_body_string_that_is_one_placeholder_keeps_the_value_type() -> None:
    fields = frozenset({"votes", "ballots_valid", "station_id"})
    body = {"v": compile_text("{votes}", fields), "n": compile_text("{ballots_valid}", fields),
            "t": compile_text("n={ballots_valid}", fields), "fixed": [1, True, None],
            "nested": [{"s": compile_text("{station_id}", fields)}]}
    values = {"votes": {"A": 3}, "ballots_valid": 3, "station_id": "PS00002"}
    assert render_body(body, values) == {"v": {"A": 3}, "n": 3, "t": "n=3",
                                         "fixed": [1, True, None], "nested": [{"s": "PS00002"}]}


def test_the_orchestrator_checks_the_voters_csv_against_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "ids.csv").write_text("station_id,voter_id\nPS00001,a\n")
    path = write(tmp_path, 'voters = "ids.csv"\n' + MINIMAL)
    check_adapter_spec(str(path))  # without a scenario: the file and the CSV's syntax only
    with pytest.raises(AdapterError, match=r"ids.csv: no voter ids for 19 of the scenario's 20 "
                                           r"stations \(PS00002, .*PS00001 has 1, needs \d+\)"):
        check_adapter_spec(str(path), simulation.load_scenario(REPO / "scenarios" / "smoke.toml"))


def test_only_a_mapping_naming_station_token_needs_the_station_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAIN_API_KEY", "k")
    assert load_mapping(EXAMPLE).fields_used >= {"station_id", "voter_id", "idempotency_key"}
    assert not needs_station_secret(str(EXAMPLE))  # an API key from the environment
    signed = EXAMPLE.read_text().replace('X-Api-Key = "{env:PLAIN_API_KEY}"',
                                         'Authorization = "Bearer {station_token}"')
    assert signed != EXAMPLE.read_text()
    copy = tmp_path / "signed.toml"
    copy.write_text(signed)
    (tmp_path / "voters.csv").write_text((EXAMPLE.parent / "voters.csv").read_text())
    assert needs_station_secret(str(copy))
    assert needs_station_secret(None) and needs_station_secret("mymodule:Mine")
