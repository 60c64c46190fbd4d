"""The planner's verdict on the 30-minute standard in the CLI table and the report headline,
one set of wait columns, lost votes by cause."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pollday.cli import main
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "smoke.toml"


def _failing_smoke(tmp_path: Path) -> Path:
    """Smoke with frequent terminal failures: 6 of its 20 stations go over the standard."""
    text = SMOKE.read_text().replace("mtbf_h = 40", "mtbf_h = 8")
    assert tomllib.loads(text)["failures"]["mtbf_h"] == 8
    path = tmp_path / "failing.toml"
    path.write_text(text)
    return path


def test_table_and_report_say_whether_the_standard_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    out = tmp_path / "run"
    assert main(["simulate", str(_failing_smoke(tmp_path)), "--out", str(out),
                 "--workers", "1"]) == 0
    table = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "The standard FAILS at" in table and "worst: PS" in table
    report = (out / "report.html").read_text()
    assert '<div class="page-verdict bad" id="verdict" data-subject="page" ' in report
    assert 'data-subject="stations" data-verdict="bad"' in report
    assert "the standard FAILS at" in report
    assert "Worst station&#39;s own p95 time in line" in report
    header = (out / "stations.csv").read_text().splitlines()[0].split(",")
    waits = [h for h in header if h.startswith("wait_")]
    assert waits == ["wait_p50_min", "wait_p95_min", "wait_p99_min", "wait_max_min"]


def test_shipped_scenarios_name_per_station_figures() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        rules = load_scenario(path).thresholds
        assert any(r.startswith(("stations.worst_station_p95_wait_min",
                                 "stations.national_p95_wait_min")) for r in rules), path
        # the standard, whole or by part (smoke.toml says why it leaves lost votes out)
        assert any(r.startswith("stations.stations_failing_") for r in rules), path


def test_an_old_threshold_name_is_a_validation_error_naming_the_new_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.toml"
    old.write_text(SMOKE.read_text().replace("stations.worst_station_p95_wait_min",
                                             "stations.p95_wait_min"))
    assert main(["validate", str(old)]) == 2
    err = capsys.readouterr().err
    k = load_scenario(SMOKE).thresholds.index("stations.worst_station_p95_wait_min <= 30")
    assert f"thresholds[{k}]" in err and "stations.national_p95_wait_min" in err
    assert "Traceback" not in err
