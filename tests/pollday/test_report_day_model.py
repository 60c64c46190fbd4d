"""The report's day section reads summary.json through SimulationSummary: the model read
from the folder is the one the writer made, and a file older than the models (no format)
draws the same day from its parts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from pollday.report.day_data import day_profile
from pollday.report.run_folder import read_run_folder
from pollday.scenario.file import load_scenario
from pollday.simulate.outputs import simulate_day_into_folder
from simulation import RunOptions
from tests.simulation.conftest import SMOKE


def test_the_day_section_reads_the_model_the_writer_made(tmp_path: Path) -> None:
    _, written = simulate_day_into_folder(tmp_path, load_scenario(SMOKE), SMOKE, workers=1,
                                          options=RunOptions(schedule=False))
    simulation = read_run_folder(tmp_path).simulation
    assert simulation is not None and simulation.day == written
    older = dataclasses.replace(simulation, summary={
        k: v for k, v in simulation.summary.items() if k != "format"})
    assert older.day is None
    typed, parts = day_profile(simulation), day_profile(older)
    for field in dataclasses.fields(typed):
        a, b = getattr(typed, field.name), getattr(parts, field.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, field.name
