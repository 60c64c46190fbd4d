"""A pure-replacement fault model (``repair_probability = 0``): no repair time to give, no
warning, every failure a replacement drawn from ``replacement_time_min`` (issue 23)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulation import ScenarioError, parse_scenario
from simulation.scenario.lint import scenario_warnings
from simulation.scenario.sections import Failures
from simulation.station.plan_flow import _unit_faults

ROOT = Path(__file__).resolve().parents[2]
THIRTY_MIN: dict[str, Any] = {"kind": "fixed", "value": 30}


def _scenario(name: str, **sections: Any) -> Any:
    data = tomllib.loads((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
    data.update(sections)
    return parse_scenario(data)


def test_replaced_terminals_need_no_repair_time_and_raise_no_warning() -> None:
    scenario = _scenario("smoke.toml", failures={
        "mtbf_h": 8, "repair_probability": 0, "replacement_time_min": THIRTY_MIN})
    assert not [w for w in scenario_warnings(scenario) if w.startswith("failures.")]
    with pytest.raises(ScenarioError, match="unless repair_probability = 0"):
        _scenario("smoke.toml", failures={"mtbf_h": 8, "repair_probability": 0.5,
                                          "replacement_time_min": THIRTY_MIN})


def test_replaced_devices_need_no_repair_time_and_raise_no_warning() -> None:
    data = tomllib.loads((ROOT / "scenarios" / "india-evm-booth.toml").read_text("utf-8"))
    fault = data["device_faults"][0]
    fault.pop("repair_time_min", None)
    fault.update(repair_probability=0, replacement_time_min=THIRTY_MIN)
    scenario = parse_scenario(data)
    assert not [w for w in scenario_warnings(scenario) if w.startswith("device_faults")]
    fault["repair_probability"] = 0.5
    with pytest.raises(ScenarioError, match="needs repair_time_min"):
        parse_scenario(data)


def test_every_failure_is_a_replacement_of_the_given_length() -> None:
    f = Failures(mtbf_h=2, repair_probability=0, replacement_time_min=THIRTY_MIN)
    assert f.mtbf_h is not None
    ups, downs, swaps = _unit_faults(f.mtbf_h, f.repair_time_min, f.repair_probability,
                                     f.replacement_time_min, 3, 11 * 3600.0,
                                     rng=np.random.default_rng(5))
    assert len(ups) == len(downs) == len(swaps) == 3
    for up, down, swap in zip(ups, downs, swaps, strict=True):
        assert len(up) == len(down) == len(swap) and all(swap)
        assert down == [1800.0] * len(up)
