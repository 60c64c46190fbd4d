"""``turnout_by_hour`` is read at full local clock hours, as docs/outputs.md says, whatever
the opening: 09:00, 10:00 ... after an 08:30 opening (it said 09:30, 10:30 ...; issue 23)."""

from __future__ import annotations

import tomllib

import numpy as np

from simulation import Status, build_stations, national_summary, parse_scenario, simulate
from tests.simulation.conftest import SMOKE
from tests.simulation.test_summary import _raw_day


def test_turnout_at_full_hours_after_a_half_hour_opening() -> None:
    data = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    data["election"].update(opening="08:30", closing="19:00", replications=1)
    data["arrivals"]["intervals"][0]["start"] = "08:30"
    scenario = parse_scenario(data)
    summary = national_summary(simulate(scenario, workers=1))
    times = [h["time"] for h in summary["turnout_by_hour"]]
    assert times == [f"{h:02d}:00" for h in range(9, 20)]
    day = _raw_day(scenario)
    registered = int(build_stations(scenario).registered.sum())
    for k, point in enumerate(summary["turnout_by_hour"]):
        cut_s = 1800 + 3600 * k  # seconds from the 08:30 opening to 09:00, 10:00 ...
        voted = sum(int(np.sum(out.checkin_end_s[out.status == Status.VOTED] <= cut_s))
                    for _, out in day)
        assert point["cumulative_turnout"] == round(voted / registered, 5), point
