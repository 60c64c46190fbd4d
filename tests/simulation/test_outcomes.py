"""Refusals and lost votes named by stage and cause, from one station to summary.json."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from simulation import EventKind, national_summary, parse_scenario, simulate
from simulation.station.flow_input import FlowInput, StageInput
from simulation.station.input import Status
from simulation.station.model import run_station
from simulation.station.outcomes import station_outcomes
from tests.simulation.conftest import ROOT, station_input

US_DESK = ROOT / "scenarios" / "us-registration-desk.toml"
INDIA = ROOT / "scenarios" / "india-roll-check.toml"


def test_each_voter_who_did_not_vote_is_named_by_stage_and_cause() -> None:
    # identify (30 s) -> pollbook (calls) or registration (100 s, reneging) -> booth.
    stages = [
        StageInput("identify", 0, np.zeros(0), identification=True),
        StageInput("pollbook", 1, np.full(4, 20.0), central_call=True),
        StageInput("registration", 2, np.full(4, 100.0), reneging=True),
        StageInput("booth", 3, np.full(4, 60.0)),
    ]
    flow = FlowInput(pools=[("terminal", 1), ("pollbook", 1), ("registration", 1), ("booth", 3)],
                     stages=stages, routes=[(0, 1, 3), (0, 2, 3)],
                     route=np.asarray([0, 0, 1, 1], dtype=np.int64))
    # 0: not identified; 1: a duplicate the pollbook's call catches; 2: registered (60-90
    # identify, 90-190 desk); 3: joins the desk's line at 120 with 10 s of patience.
    inp = station_input([0, 0, 0, 0], biometric_ok=[False, True, True, True],
                        duplicate=[False, True, False, False],
                        patience_s=[np.inf, np.inf, np.inf, 10.0], flow=flow)
    out = run_station(inp)
    assert out.status.tolist() == [Status.REFUSED_BIOMETRIC, Status.REFUSED_DUPLICATE,
                                   Status.VOTED, Status.RENEGED]
    assert station_outcomes(flow, out) == {
        "refused.identify.not_identified": 1,
        "refused.pollbook.duplicate": 1,
        "lost.registration.patience": 1,
        "lost.identify.closing": 0, "lost.pollbook.closing": 0,
        "lost.registration.closing": 0, "lost.booth.closing": 0,
    }


def _small(path: Path, stations: int) -> dict[str, object]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["station_groups"] = [{**data["station_groups"][0], "count": stations}]
    return data


def test_a_registration_desk_route_makes_no_central_call() -> None:
    scenario = parse_scenario(_small(US_DESK, 3))
    result = simulate(scenario, workers=1)
    checkins = int(np.sum(result.schedule["kind"] == EventKind.CHECKIN))
    summary = national_summary(result)
    # Not on the roll: 5 % of voters, plus on-roll IDs read by neither means (0.1 * 0.05^2).
    arrived = summary["arrived"]
    through_desk = summary["voted"] - checkins
    share = 0.05 + 0.95 * 0.1 * 0.05 ** 2
    assert abs(through_desk - share * arrived) < 4 * np.sqrt(share * (1 - share) * arrived)
    assert summary["outcomes"]["refused.voter_card.duplicate"] == 0
    assert "refused.check_in.duplicate" not in summary["outcomes"]  # the pad does not call


def test_outcomes_in_summary_and_stations_csv_add_up_to_the_totals() -> None:
    scenario = parse_scenario(_small(INDIA, 4))
    result = simulate(scenario, workers=1)
    summary = national_summary(result)
    rows = result.station_rows
    names = [k for k in rows[0] if k.startswith(("refused.", "lost."))]
    assert names == list(summary["outcomes"])
    assert names[0] == "refused.roll_check.not_identified"  # never "refused_biometric"
    assert all("refused_biometric" not in row for row in rows)
    refused = sum(int(r["refused.roll_check.not_identified"]) for r in rows)  # type: ignore[call-overload]
    assert refused == summary["refused_not_identified"] == summary["outcomes"][names[0]] > 0
    lost = sum(v for k, v in summary["outcomes"].items() if k.startswith("lost."))
    assert lost == summary["lost_votes"]
