"""The simulated day's console table reads the typed summary (SimulationSummary): the model
and summary.json's content print the same table."""

from __future__ import annotations

from typing import Any

import pytest

from pollday.console import print_simulation_table
from simulation import load_scenario, simulate
from simulation.national.summary import national_summary
from simulation.national.summary_model import SimulationSummary
from tests.simulation.conftest import SMOKE


@pytest.fixture(scope="module")
def content() -> dict[str, Any]:
    return national_summary(simulate(load_scenario(SMOKE), workers=1))


def test_model_and_content_print_the_same_table(content: dict[str, Any],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    print_simulation_table(SimulationSummary.model_validate(content), "runs/x")
    typed = capsys.readouterr().out
    print_simulation_table(content, "runs/x")
    assert capsys.readouterr().out == typed
    assert "simulated election day" in typed and "outputs written to runs/x" in typed
    assert f"{content['stations']:,}" in typed


def test_counted_elsewhere_is_said_not_zero(content: dict[str, Any],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    day = SimulationSummary.model_validate(
        {**content, "counted_elsewhere": True, "protocols_never_uploaded": None,
         "protocol_upload_attempts": None})
    print_simulation_table(day, "runs/x")
    assert "counted elsewhere" in capsys.readouterr().out
