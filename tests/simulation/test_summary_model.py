"""summary.json is a model from where it is made: ``simulation_summary`` returns
:class:`SimulationSummary`, ``national_summary`` is its dict view, the file its dump."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from simulation import parse_scenario, simulate
from simulation.national.runner import NationalResult
from simulation.national.summary import national_summary, simulation_summary
from simulation.national.summary_model import SimulationSummary
from tests.simulation.conftest import SMOKE


@pytest.fixture(scope="module")
def result() -> NationalResult:
    return simulate(parse_scenario(tomllib.loads(SMOKE.read_text(encoding="utf-8"))), workers=1)


def test_the_summary_is_its_model(result: NationalResult) -> None:
    summary = simulation_summary(result)
    assert isinstance(summary, SimulationSummary)
    assert summary.format == SimulationSummary.FORMAT
    assert summary.voted > 0 and summary.registered > 0
    assert summary.turnout == round(summary.voted / summary.registered, 5)
    assert summary.standard.stations_failing == summary.stations_failing_standard
    assert summary.outputs is None  # only the folder writer knows which files it wrote


def test_the_dict_view_is_the_file_without_format(result: NationalResult,
                                                  tmp_path: Path) -> None:
    summary = simulation_summary(result)
    summary.write(tmp_path / "summary.json")
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert written.pop("format") == SimulationSummary.FORMAT
    assert national_summary(result) == written
    assert list(national_summary(result)) == list(written)  # the file's key order too
    # Reading the file back gives the same model.
    assert SimulationSummary.read(tmp_path / "summary.json") == summary


def test_a_day_without_check_ins_has_no_peak_time() -> None:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data["arrivals"]["turnout"] = 1e-9  # must be > 0: no one comes all the same
    data["arrivals"]["turnout_sd"] = 0.0
    summary = simulation_summary(simulate(parse_scenario(data), workers=1))
    assert summary.voted == 0
    assert summary.checkins_per_minute.peak == 0
    assert summary.checkins_per_minute.peak_time is None
    assert summary.as_json()["checkins_per_minute"] == {"peak": 0, "peak_time": None}
