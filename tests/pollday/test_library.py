"""Every command's work is a library call taking typed options; the CLI only parses. These
call the library directly, as a Python user would, and check it does what the command does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pollday.cli import main
from pollday.init_command import InitError, InitOptions, write_scenario
from pollday.scenario_schema import SCHEMA_FILE
from pollday.simulate_run import SimulateOptions, simulate_to_folder
from pollday.station_inputs import StationInputError
from pollday.station_run import StationOptions, station_answer
from pollday.validate_run import ValidateOptions, validate_scenario_file
from simulation import ScenarioError
from tests.pollday.report_support import SMOKE


def test_validate_returns_the_scenario_and_strict_fails_only_on_warnings(tmp_path: Path) -> None:
    done = validate_scenario_file(ValidateOptions(SMOKE))
    assert done.scenario.election.name == "Smoke test election"
    assert done.stations == 20 and not done.failed
    assert validate_scenario_file(ValidateOptions(SMOKE, strict=True)).failed == bool(
        done.warnings)
    bad = tmp_path / "bad.toml"
    bad.write_text(SMOKE.read_text().replace('"checkin.error_rate', '"checkin.eror_rate'))
    with pytest.raises(ScenarioError, match=r"checkin\.eror_rate"):
        validate_scenario_file(ValidateOptions(bad))


def test_simulate_writes_the_folder_the_command_writes(tmp_path: Path) -> None:
    done = simulate_to_folder(SimulateOptions(SMOKE, tmp_path / "lib", workers=1))
    assert main(["simulate", str(SMOKE), "--out", str(tmp_path / "cli"), "--workers", "1",
                 "--quiet"]) == 0
    written = {p: json.loads((tmp_path / p / "summary.json").read_text()) for p in ("lib", "cli")}
    timing = ("wall_s", "simulation_wall_s")
    same = [{k: v for k, v in s.items() if k not in timing} for s in written.values()]
    assert same[0] == same[1]
    assert done.summary["voted"] == written["lib"]["voted"] > 0
    assert done.removed == []
    for name in ("stations.csv", "schedule.npy", "report.html"):
        assert (tmp_path / "lib" / name).is_file(), name


def test_station_answer_takes_the_inputs_as_typed() -> None:
    two = station_answer(StationOptions(inputs={"terminals": "2"}, replications=3, seed=7))
    one = station_answer(StationOptions(inputs={"terminals": "1"}, replications=3, seed=7))
    assert two["inputs"]["terminals"] == 2 and one["inputs"]["terminals"] == 1
    assert one["wait_min"]["p95"] > two["wait_min"]["p95"]
    with pytest.raises(StationInputError, match="--group needs --scenario"):
        station_answer(StationOptions(group="urban"))


def test_write_scenario_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    file = tmp_path / "mine.toml"
    assert write_scenario(InitOptions(file)) is None
    assert file.read_text().startswith(f"#:schema ./{SCHEMA_FILE}")
    assert (tmp_path / SCHEMA_FILE).is_file()
    with pytest.raises(InitError, match="already exists"):
        write_scenario(InitOptions(file, like="azerbaijan-2024"))
    write_scenario(InitOptions(file, like="azerbaijan-2024", force=True))
    assert "azerbaijan-2024" in file.read_text()
    with pytest.raises(InitError, match=r"folder .* does not exist"):
        write_scenario(InitOptions(tmp_path / "nowhere" / "x.toml"))
    with pytest.raises(InitError, match="--like 'kenya'"):
        write_scenario(InitOptions(tmp_path / "y.toml", like="kenya"))
