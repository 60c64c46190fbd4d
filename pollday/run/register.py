"""The voter register a run's target needs: every station, voters of the replayed ones only.

A national register is millions of lines; a run that replays a share of the stations only
needs those stations' voters. Stations and constituencies are all there, so published
results still count every station.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from loadtests.plan import kept_stations
from loadtests.register import (
    DEFAULT_WEBCAM_SHARE,
    build_name_pools,
    header_lines,
    voter_lines,
)
from pollday.console import progress_bar
from simulation import Scenario, build_stations

# The bar advances once per this many stations: per station would take its lock thousands
# of times for a national register (the same batch size loadtests.register renders in).
BAR_STATIONS = 40


def write_run_register(
    scenario: Scenario,
    out: Path,
    station_share: float,
    *,
    quiet: bool = True,
    stations_kept: NDArray[np.int64] | None = None,
) -> int:
    """Write the register to ``out``; return the number of voters written.

    Voters of the stations kept by ``station_share``, or of ``stations_kept`` when given.

    A progress bar (voters written, rate, time remaining) on stderr unless ``quiet``; quiet by
    default so that a caller that does not pass its ``--quiet`` never prints a stray bar.
    """
    election = scenario.election
    stations = build_stations(scenario)
    kept_index = (
        kept_stations(len(stations), station_share, election.seed)
        if stations_kept is None
        else stations_kept
    )
    total = int(stations.registered[kept_index].sum())
    kept: list[int] = kept_index.tolist()
    pools = build_name_pools(election.locale, election.seed)
    voters = 0
    with (
        out.open("w", encoding="utf-8") as f,
        progress_bar("writing register", total, quiet=quiet, unit="voters") as advance,
    ):
        for line in header_lines(scenario, DEFAULT_WEBCAM_SHARE):
            f.write(line)
        for first in range(0, len(kept), BAR_STATIONS):
            written = 0
            for s in kept[first : first + BAR_STATIONS]:
                count = int(stations.registered[s])
                f.write(voter_lines(s, count, election.seed, pools, election.date))
                written += count
            advance(written)
            voters += written
    return voters
