"""``pollday schema`` and ``pollday init``: the JSON Schema accepts every shipped scenario and
refuses the malformed ones it can judge; templates start with the ``#:schema`` line and are
valid scenarios; Taplo (the TOML editors' engine) reads that line and checks the file."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pollday.cli import main
from pollday.scenario.init_command import TEMPLATES
from pollday.scenario.schema import SCHEMA_FILE, scenario_schema, schema_text
from simulation import load_scenario
from tests.simulation.test_loading import CASES, SMOKE_TEXT

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
# Malformed files only `pollday validate` can refuse: rules across fields, TOML syntax, the
# tz database, and numbers JSON has no words for (inf, nan) or that are merely implausible.
BEYOND_A_SCHEMA = {
    "toml-syntax", "shares-not-summing-to-1", "min-greater-than-max", "closing-before-opening",
    "lognormal-p95-below-median", "uniform-reversed", "manual-fallback-without-time",
    "outage-unknown-group", "interval-outside-hours", "candidate-shares",
    "turnout-spread-too-wide", "constituency-out-of-range", "empirical-bad-histogram",
    "infinite-number", "nan-number",
    "infinite-distribution-parameter", "nan-distribution-parameter", "infinite-empirical-value",
    "implausibly-large-number", "implausibly-large-distribution-parameter",
    "unknown-time-zone", "time-zone-is-a-folder", "time-zone-disagrees-with-offset",
}


def as_json(value: Any) -> Any:
    """TOML data as an editor hands it to the schema: dates and times as text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())


def test_schema_is_a_valid_json_schema_and_printed_as_is(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    jsonschema.Draft202012Validator.check_schema(scenario_schema())
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()


def test_checked_in_schema_is_current() -> None:
    assert (ROOT / "scenarios" / SCHEMA_FILE).read_text() == schema_text(), (
        "regenerate it: pollday schema --out scenarios/scenario.schema.json"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_schema_accepts_every_shipped_scenario(path: Path) -> None:
    text = path.read_text()
    assert text.startswith(f"#:schema ./{SCHEMA_FILE}\n")
    errors = [e.message for e in VALIDATOR.iter_errors(as_json(tomllib.loads(text)))]
    assert errors == []


@pytest.mark.parametrize(("case", "old", "new"), [c[:3] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_schema_refuses_malformed_scenarios(case: str, old: str, new: str) -> None:
    try:
        data = tomllib.loads(SMOKE_TEXT.replace(old, new, 1))
    except tomllib.TOMLDecodeError:
        assert case in BEYOND_A_SCHEMA
        return
    refused = not VALIDATOR.is_valid(as_json(data))
    assert refused == (case not in BEYOND_A_SCHEMA), case


def test_schema_refuses_an_unknown_threshold_figure() -> None:
    data = as_json(tomllib.loads(SMOKE_TEXT))
    data["thresholds"] = ["checkin.p95 < 300"]
    assert not VALIDATOR.is_valid(data)
    data["thresholds"] = ["checkin.p95_ms < 3e2"]
    assert VALIDATOR.is_valid(data)


@pytest.mark.parametrize("like", TEMPLATES)
def test_init_writes_a_valid_template_with_the_schema_line(tmp_path: Path, like: str) -> None:
    file = tmp_path / "mine.toml"
    assert main(["init", "--like", like, str(file), "--quiet"]) == 0
    assert file.read_text().splitlines()[0] == f"#:schema ./{SCHEMA_FILE}"
    assert load_scenario(file) == load_scenario(ROOT / "scenarios" / f"{like}.toml")
    assert json.loads((tmp_path / SCHEMA_FILE).read_text()) == scenario_schema()


def test_init_never_overwrites_by_accident(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    file = tmp_path / "mine.toml"
    file.write_text("# my own work\n")
    assert main(["init", str(file)]) == 2
    assert "already exists (use --force" in capsys.readouterr().err
    assert file.read_text() == "# my own work\n"
    assert main(["init", str(file), "--force", "--quiet"]) == 0
    assert main(["init", str(tmp_path / "no" / "such.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "other" ).mkdir()
    (tmp_path / "other" / SCHEMA_FILE).write_text('{"title": "someone else"}')
    assert main(["init", str(tmp_path / "other" / "s.toml"), "--quiet"]) == 0
    assert "is not a pollday schema" in capsys.readouterr().err
    assert (tmp_path / "other" / SCHEMA_FILE).read_text() == '{"title": "someone else"}'


def _taplo() -> str:
    found = shutil.which("taplo") or str(Path(sys.executable).parent / "taplo")
    if not Path(found).exists():
        pytest.skip("taplo (pip install taplo) not installed")
    return found


def test_taplo_reads_the_schema_line(tmp_path: Path) -> None:
    """What an editor does: the #:schema line alone makes Taplo check the file."""
    taplo = _taplo()
    file = tmp_path / "mine.toml"
    assert main(["init", str(file), "--quiet"]) == 0

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run([taplo, "lint", str(file)], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60, check=False)

    assert lint().returncode == 0, lint().stderr
    file.write_text(file.read_text().replace("terminals = 1", "terminalz = 1", 1))
    typo = lint()
    assert typo.returncode != 0 and "'terminalz' was unexpected" in typo.stderr
