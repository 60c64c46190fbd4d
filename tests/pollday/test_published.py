"""The run outputs' models: published schemas equal the models, and real files written by the
real writers read back through their model unchanged (``format`` first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.figures import CATALOGUE
from loadtests.latency import Recorder
from loadtests.output import write_outputs
from loadtests.results import AuditOutput, LoadTestOutput
from pollday.harness.failure_outputs import write_failure_outputs
from pollday.models.failure import FailureSummary, SimulatedThenFailed
from pollday.models.run import RunSummary
from pollday.published.pages import ROOT, SCHEMAS, published, stale
from simulation.national.summary_model import SimulationSummary
from simulation.outputs.output_model import Output
from simulation.sizing.model import SizingOutput
from tests.pollday.report_support import write_smoke_run


def test_the_published_docs_and_schemas_equal_the_code() -> None:
    assert stale() == [], "run: python -m pollday.published.pages"
    for name, model in SCHEMAS.items():
        schema = json.loads((ROOT / "docs" / "schemas" / name).read_text())
        fresh = model.model_json_schema()
        assert schema["properties"].pop("format")["default"] == model.FORMAT
        del fresh["properties"]["format"]
        assert schema["properties"] == fresh["properties"]
        assert schema.get("required") == fresh.get("required")


def test_the_figures_page_lists_exactly_the_catalogue() -> None:
    page = published()["docs/figures.md"]
    listed = [line.split("`")[1] for line in page.splitlines()
              if line.startswith("| `") and "." in line.split("`")[1]]
    assert listed == [f.name for f in CATALOGUE]
    assert (ROOT / "docs" / "figures.md").read_text() == page


def _round_trip(model: type[Output], path: Path) -> dict[str, object]:
    on_disk = json.loads(path.read_text())
    again = model.read(path).as_json()
    assert again == on_disk
    assert next(iter(on_disk)) == "format" and on_disk["format"] == model.FORMAT
    return on_disk


def test_a_simulations_summary_reads_back_unchanged(tmp_path: Path) -> None:
    summary = _round_trip(SimulationSummary, write_smoke_run(tmp_path) / "summary.json")
    assert summary["scenario"] == "Smoke test election" and summary["weighted"] is None


def test_a_loadtest_json_reads_back_unchanged(tmp_path: Path) -> None:
    rec = Recorder()
    rec.schedule([0.0, 0.5, 12.0])
    for i, (status, ok) in enumerate([("201", True), ("409", False), ("timeout", False)]):
        rec.record_answer("POST /v1/checkins", status, ok, sent_s=i * 5.0,
                          answered_s=i * 5.0 + 0.02, intended_s=i * 5.0)
        rec.record_sent(i * 5.0)
    rec.note_span(0.0, 10.02)
    write_outputs(tmp_path, rec, [], workers=1, options={"compress": 60})
    doc = _round_trip(LoadTestOutput, tmp_path / "loadtest.json")
    checkin = doc["endpoints"]["POST /v1/checkins"]  # type: ignore[index]
    assert checkin["figure"] == "checkin" and checkin["errors"] == {"409": 1, "timeout": 1}
    assert doc["checkin_latency_ms"]["from"] == "send"  # type: ignore[index]


def test_a_failure_summary_reads_back_unchanged(tmp_path: Path) -> None:
    write_failure_outputs(tmp_path, command="capacity", suite="flat", code=2,
                          message="bad input", stage="preflight", elapsed_s=0.04)
    doc = _round_trip(FailureSummary, tmp_path / "summary.json")
    assert (doc["scenario"], doc["failure_stage"], doc["exit_code"]) == ("flat", "preflight", 2)
    assert doc["thresholds"] == [] and doc["run_wall_s"] == 0.0


def test_a_failure_after_the_simulation_keeps_its_figures(tmp_path: Path) -> None:
    base = json.loads((write_smoke_run(tmp_path / "sim") / "summary.json").read_text())
    write_failure_outputs(tmp_path, command="run", suite="smoke", code=3,
                          message="target died", stage="load test", elapsed_s=2.0, base=base)
    doc = _round_trip(SimulatedThenFailed, tmp_path / "summary.json")
    kept = [k for k in base if k not in ("scenario", "thresholds")]
    assert {k: doc[k] for k in kept} == {k: base[k] for k in kept}  # the figures, unchanged
    assert (doc["scenario"], doc["failure"]) == ("smoke", "target died")


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Extra inputs"):
        AuditOutput.model_validate({"lost_checkins": 0, "lost_checkin": 0})


def test_a_full_runs_outputs_read_back_unchanged(smoke_full_run: Path) -> None:
    """The shared smoke run of the report tests (a full run: load test, audit, loop)."""
    summary = _round_trip(RunSummary, smoke_full_run / "summary.json")
    assert summary["audit"]["lost_checkins"] == 0  # type: ignore[index]
    AuditOutput.model_validate(summary["audit"])
    _round_trip(LoadTestOutput, smoke_full_run / "loadtest" / "loadtest.json")
    _round_trip(SizingOutput, smoke_full_run / "sizing.json")
