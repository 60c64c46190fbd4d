"""`pollday station --json` on a flow scenario: the pools' units and the faults that apply
(not terminals/desks/booths = 1), and lost votes and refusals by stage and cause."""

from __future__ import annotations

import pytest

from tests.pollday.test_station import station
from tests.simulation.conftest import ROOT

INDIA = ROOT / "scenarios" / "india-roll-check.toml"


def test_a_roll_check_station_reports_its_pools_faults_and_named_refusals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = station(capsys, "--scenario", str(INDIA), "--replications", "3")
    inputs = result["inputs"]
    assert inputs["pools"] == {"roll_officer": 1, "ink_officer": 1, "evm": 1}
    assert not {"terminals", "desks", "booths"} & set(inputs)
    # No [failures]: the identification pool never fails, but the EVMs' device faults apply.
    assert inputs["mtbf_h"] is None
    assert [(f["pool"], f["source"], f["mtbf_h"]) for f in inputs["faults"]] == [
        ("evm", "device_faults", 2200.0)]
    lost = result["lost_votes_per_day"]
    by_stage = lost["by_stage_and_cause"]
    assert list(by_stage)[:2] == ["refused.roll_check.not_identified",
                                  "refused.roll_check.duplicate"]
    assert by_stage["refused.roll_check.not_identified"] == lost["refused_not_identified"] > 0
    assert "refused_biometric" not in lost
