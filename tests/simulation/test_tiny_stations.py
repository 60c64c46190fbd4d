"""Tiny, empty and all-refused stations: every command's library path finishes and accounts
for everyone. A 1-voter station at 30 % turnout draws nobody on most days; it once ended the
whole run with ``IndexError`` in the identification draw (issue 23)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from simulation import national_summary, parse_scenario, simulate
from simulation.sizing.search import SizingRequest, size_stations

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "smoke.toml"


def _tiny(**biometrics: Any) -> Any:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    for group in data["station_groups"]:
        group["registered"] = {"kind": "uniform", "low": 1, "high": 3}
        group["registered_min"] = 1
    data["arrivals"]["turnout"] = 0.3
    data["biometrics"].update(biometrics)
    data["election"]["replications"] = 3
    return parse_scenario(data)


@pytest.mark.parametrize("biometrics", [{}, {"success_probability": 0.0, "fallback": "refuse"}],
                         ids=["tiny", "all-refused"])
def test_tiny_stations_simulate_and_size(biometrics: dict[str, Any]) -> None:
    scenario = _tiny(**biometrics)
    result = simulate(scenario, workers=1)
    summary = national_summary(result)
    rows = result.station_rows
    assert summary["stations"] == len(rows) == 20
    assert any(int(r["arrived"]) == 0 for r in rows)  # some stations drew nobody
    for r in rows:
        ended = sum(int(r[k]) for k in ("voted", "duplicates_voted", "reneged",
                                         "not_served_at_close", "refused_not_identified",
                                         "refused_duplicates"))
        assert ended == int(r["arrived"])  # everyone accounted for exactly once
    if biometrics:  # nobody is recognised and there is no fallback: nobody votes
        assert sum(int(r["voted"]) for r in rows) == 0
    answers = size_stations(scenario, SizingRequest(replications=2), workers=1)
    assert sorted(s for a in answers for s in a.stations) == list(range(20))
