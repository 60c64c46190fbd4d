"""Old outcome names in a scenario are refused with the new name; the central call's stage
is checked (one stage, at or after identification)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.thresholds import check_figure
from simulation import ScenarioError, load_scenario
from simulation.sizing.targets import TargetError, parse_target
from tests.simulation.conftest import ROOT, SMOKE

US_DESK = ROOT / "scenarios" / "us-registration-desk.toml"


def _problems(text: str, tmp_path: Path) -> ScenarioError:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad, check_figure=check_figure)
    return caught.value


@pytest.mark.parametrize("old", ["stations.lost_refused", "stations.refused_biometric"])
def test_an_old_outcome_name_in_a_threshold_is_refused_with_the_new_one(
        tmp_path: Path, old: str) -> None:
    text = SMOKE.read_text(encoding="utf-8").replace(
        '    "checkin.p95_ms < 300",', f'    "{old} < 5",', 1)
    error = _problems(text, tmp_path)
    (problem,) = [p for p in error.problems if p.path == "thresholds[0]"]
    assert problem.suggestion == "stations.refused_not_identified < 5"
    assert "named by stage and cause" in str(error)


def test_the_cli_refuses_an_old_name_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "old.toml"
    bad.write_text(SMOKE.read_text(encoding="utf-8").replace(
        '    "checkin.p95_ms < 300",', '    "stations.lost_refused < 5",', 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pollday", "validate", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "did you mean 'stations.refused_not_identified < 5'?" in done.stdout + done.stderr


@pytest.mark.parametrize(("edit", "message"), [
    # the calling stage moved before identification
    (('name = "check_in"', 'name = "check_in"\ncentral_call = true'),
     "central_call = true on stages [0, 2]"),
    (('name = "registration"\npool = "registration"',
      'name = "registration"\npool = "registration"\ncentral_call = false'),
     "only the identification stage calls by default"),
])
def test_the_calling_stage_is_checked(tmp_path: Path, edit: tuple[str, str],
                                      message: str) -> None:
    text = US_DESK.read_text(encoding="utf-8")
    old, new = edit
    assert old in text
    text = text.replace(old, new, 1)
    if "central_call = true" in new:  # drop the pad's own "false", keep two stages true
        text = text.replace("central_call = false              # the pad looks", "# the pad", 1)
    assert message in str(_problems(text, tmp_path))


def test_an_old_outcome_name_as_a_sizing_target_is_refused_with_the_new_one() -> None:
    with pytest.raises(TargetError, match="'refused_biometric' is now 'refused_not_identified'"):
        parse_target("refused_biometric <= 5")
