"""Every command's work is a library call taking typed options; the CLI only parses. These
call the library directly, as a Python user would, and check it does what the command does."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from pollday.cli import main
from pollday.scenario.init_command import InitError, InitOptions, write_scenario
from pollday.scenario.schema import SCHEMA_FILE
from pollday.scenario.validate import ValidateOptions, validate_scenario_file
from pollday.simulate.api import SimulateOptions, simulate_to_folder
from pollday.station.api import StationOptions, station_answer
from pollday.station.catalog import INPUT_NAMES
from pollday.station.defaults import StationInputError
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
    two = station_answer(StationOptions(terminals=2, replications=3, seed=7))
    one = station_answer(StationOptions(inputs={"terminals": "1"}, replications=3, seed=7))
    assert two.inputs.terminals == 2 and one.inputs.terminals == 1
    assert one.wait_min.p95 > two.wait_min.p95
    with pytest.raises(StationInputError, match="--group needs --scenario"):
        station_answer(StationOptions(group="urban"))


def test_typed_fields_are_checked_as_the_flags_are() -> None:
    with pytest.raises(StationInputError, match="terminals: set both"):
        StationOptions(terminals=2, inputs={"terminals": "3"}).given()
    with pytest.raises(StationInputError, match="--turnout"):
        station_answer(StationOptions(turnout=-0.5, replications=1))
    given = StationOptions(opening=dt.time(7, 30), hourly_shares=(1, 2.5), pools={"desk": 2})
    assert given.given() == {"opening": "07:30", "hourly_shares": "1,2.5", "pool.desk": "2"}


def test_every_calculator_input_is_a_typed_field() -> None:
    assert set(INPUT_NAMES) <= {f.name for f in fields(StationOptions)}


PLAIN_SCRIPT = """
from pollday import StationAnswer, StationOptions, station_answer

answer = station_answer(StationOptions(registered=1400, terminals=2, replications=2, seed=3))
assert isinstance(answer, StationAnswer)
print(answer.inputs.registered, answer.inputs.terminals, answer.standard.holds,
      answer.wait_min.p95 >= answer.wait_min.p50, answer.inputs.pools["terminal"],
      type(answer.lost_votes_per_day.total).__name__, answer.last_voter_left.count(":"))
"""


def test_a_plain_script_gets_a_typed_station_answer(tmp_path: Path) -> None:
    script = tmp_path / "plan.py"
    script.write_text(PLAIN_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    registered, terminals, holds, ordered, pool, total, colons = done.stdout.split()
    assert (registered, terminals, ordered, pool, total, colons) == (
        "1400", "2", "True", "2", "float", "1")
    assert holds in ("True", "False")


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
