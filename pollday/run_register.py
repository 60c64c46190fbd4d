"""The voter register a run's target needs: every station, voters of the replayed ones only.

A national register is millions of lines; a run that replays a share of the stations only
needs those stations' voters. Stations and constituencies are all there, so published
results still count every station.
"""

from __future__ import annotations

from pathlib import Path

from loadtests.plan import kept_stations
from loadtests.register import (
    DEFAULT_WEBCAM_SHARE,
    build_name_pools,
    header_lines,
    voter_lines,
)
from simulation import Scenario, build_stations


def write_run_register(scenario: Scenario, out: Path, station_share: float) -> int:
    """Write the register to ``out``; return the number of voters written."""
    election = scenario.election
    stations = build_stations(scenario)
    kept = kept_stations(len(stations), station_share, election.seed)
    pools = build_name_pools(election.locale, election.seed)
    voters = 0
    with out.open("w", encoding="utf-8") as f:
        for line in header_lines(scenario, DEFAULT_WEBCAM_SHARE):
            f.write(line)
        for s in kept.tolist():
            count = int(stations.registered[s])
            f.write(voter_lines(s, count, election.seed, pools, election.date))
            voters += count
    return voters
