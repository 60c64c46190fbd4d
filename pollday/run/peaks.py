"""The national peak of a simulated day, and which multiple of it a replay is.

The **national peak** is the highest count of check-ins (online and offline-synced, each
station weighted by how many real stations it stands for) in any ``PEAK_SPAN_MIN``-minute span
of the simulated day, on a one-minute grid, per minute (docs/capacity.md). ``pollday run``
reports its replay as a multiple of it; ``pollday capacity`` picks its window and levels by it.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
from numpy.typing import NDArray

from loadtests.plan import kept_stations
from simulation import EventKind, NationalResult
from simulation.outputs.schedule import PROTOCOL_KINDS

PEAK_SPAN_MIN = 60
CHECKIN_KINDS = (EventKind.CHECKIN, EventKind.SYNC_CHECKIN)


def weights_or_ones(n_stations: int, weights: NDArray[np.float64] | None) -> NDArray[np.float64]:
    return np.ones(n_stations) if weights is None else np.asarray(weights, dtype=np.float64)


def checkins_per_minute(
    rows: NDArray[np.void], n_stations: int, weights: NDArray[np.float64] | None = None,
    kinds: tuple[int, ...] = CHECKIN_KINDS,
) -> NDArray[np.float64]:
    """Weighted events of ``kinds`` (check-ins by default) per schedule minute (minute k
    covers [60k, 60k + 60) s)."""
    checkin = np.isin(rows["kind"], kinds)
    minute = (rows["time_s"][checkin] // 60).astype(np.int64)
    w = weights_or_ones(n_stations, weights)[rows["station"][checkin]]
    return np.bincount(minute, weights=w, minlength=1).astype(np.float64)


def national_peak(
    rows: NDArray[np.void], n_stations: int, weights: NDArray[np.float64] | None = None,
    span_min: int = PEAK_SPAN_MIN, kinds: tuple[int, ...] = CHECKIN_KINDS,
) -> tuple[float, int]:
    """(check-ins (or ``kinds``) per minute in the busiest ``span_min`` minutes, first minute
    of that span)."""
    per_min = checkins_per_minute(rows, n_stations, weights, kinds)
    per_min = np.pad(per_min, (0, span_min - 1))  # a span may start at the last minute
    # Rounded so that equal spans compare equal.
    sums = np.round(np.convolve(per_min, np.ones(span_min), mode="valid"), 6)
    first = int(np.argmax(sums))  # the earliest of equal spans...
    # ...but one that starts with events: not an idle stretch before a short burst.
    while first + 1 < len(sums) and per_min[first] == 0 and sums[first + 1] == sums[first]:
        first += 1
    return float(sums[first] / span_min), first


def replay_multiples(rows: NDArray[np.void], n_stations: int, kept: NDArray[np.int64],
                     compress: float, weights: NDArray[np.float64] | None = None
                     ) -> dict[str, float | None]:
    """Which multiple of the national peak a replay of ``kept`` stations at ``compress`` is:
    the replay's busiest hour (in test time) over the nation's, for check-ins and protocols.
    Results reads have no real-time national rate in a scenario: None."""
    mine = rows[np.isin(rows["station"], kept)]
    out: dict[str, float | None] = {}
    for name, kinds in (("checkins", CHECKIN_KINDS), ("protocols", PROTOCOL_KINDS)):
        national, _ = national_peak(rows, n_stations, weights, kinds=kinds)
        # The replayed stations stand for themselves: the test sends them once each.
        replayed, _ = national_peak(mine, n_stations, None, kinds=kinds)
        out[name] = round(replayed * compress / national, 4) if national > 0 else None
    out["results_reads"] = None
    return out


class NationalMultiples(TypedDict):
    """``summary.json`` ``replay``'s national part (``pollday run``)."""

    national_peak_checkins_per_min: float
    national_multiple: dict[str, float | None]  # checkins, protocols, results_reads


def national_multiples(result: NationalResult, share: float, compress: float, seed: int
                       ) -> NationalMultiples:
    """What ``pollday run`` adds to ``summary.json``'s ``replay``: the national check-in
    peak and which multiple of the national peaks its own replay was."""
    rows, n = result.schedule, len(result.stations)
    kept = kept_stations(n, share, seed)
    weights = station_weights(result)
    peak, _ = national_peak(rows, n, weights)
    return NationalMultiples(
        national_peak_checkins_per_min=round(peak, 2),
        national_multiple=replay_multiples(rows, n, kept, compress, weights))


def station_weights(result: NationalResult) -> NDArray[np.float64]:
    """Each station's weight (``station_groups[].weight``: real stations it stands for)."""
    per_group = np.array([g.weight for g in result.scenario.station_groups], dtype=np.float64)
    weights: NDArray[np.float64] = per_group[np.asarray(result.stations.group)]
    return weights
