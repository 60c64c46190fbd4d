"""What a capacity level replays: the window of the day, the national peak, and the mapping
from a multiple of real time to the stations replayed and the compression.

Definitions (documented in docs/capacity.md):

* The **national peak** (:mod:`pollday.run.peaks`) is the busiest hour of check-ins.
* The **window** is a span of the schedule: by default (``auto``) that busiest check-in span;
  or ``HH:MM-HH:MM`` in the home country's local time.
* A level at **multiple m** replays the window's events of a set of stations S compressed by
  c, with ``c * f(S) = m``, where ``f(S)`` is S's (weighted) share of the window's check-ins
  nationally (of all its events when the window has no check-ins). So the level offers m
  times the real day's rate in that window: for the auto window, m times the national peak.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from loadtests.public_load import home_timeline
from pollday.run.peaks import CHECKIN_KINDS, PEAK_SPAN_MIN, national_peak, weights_or_ones
from simulation import Scenario
from simulation.errors import InputError

_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class WindowError(InputError, ValueError):
    """A ``--window`` that cannot be used; the message names the value and the rule."""


@dataclass(frozen=True)
class Window:
    start_s: float  # schedule seconds (since the earliest opening anywhere)
    end_s: float
    label: str  # "08:00-09:00" in home local time

    @property
    def span_s(self) -> float:
        return self.end_s - self.start_s


def _local_label(scenario: Scenario, start_s: float, end_s: float) -> str:
    opening_s, _ = home_timeline(scenario)
    base = dt.datetime.combine(scenario.election.date, scenario.election.opening)

    def hhmm(t_s: float) -> str:
        return (base + dt.timedelta(seconds=round(t_s - opening_s))).strftime("%H:%M")

    return f"{hhmm(start_s)}-{hhmm(end_s)}"


def auto_window(scenario: Scenario, rows: NDArray[np.void], n_stations: int,
                weights: NDArray[np.float64] | None = None) -> Window:
    """The busiest check-in span of the day (the national peak's span)."""
    _, first = national_peak(rows, n_stations, weights)
    start_s, end_s = first * 60.0, (first + PEAK_SPAN_MIN) * 60.0
    return Window(start_s, end_s, _local_label(scenario, start_s, end_s))


def parse_window(text: str, scenario: Scenario) -> Window:
    """``HH:MM-HH:MM`` in the home country's local time, on election day (an end before the
    start is past midnight, the night of protocols and results)."""
    match = _WINDOW.match(text.strip())
    if not match:
        raise WindowError(f"--window {text!r} is not 'auto' or 'HH:MM-HH:MM' (e.g. 08:00-09:00)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise WindowError(f"--window {text!r}: hours are 00-23 and minutes 00-59")
    opening = scenario.election.opening
    opening_min = opening.hour * 60 + opening.minute
    start_min, end_min = h1 * 60 + m1, h2 * 60 + m2
    if end_min <= start_min:
        end_min += 24 * 60
    if start_min < opening_min:
        raise WindowError(f"--window {text!r} starts before the polls open "
                          f"({opening.strftime('%H:%M')})")
    opening_s, _ = home_timeline(scenario)
    start_s = opening_s + (start_min - opening_min) * 60.0
    end_s = opening_s + (end_min - opening_min) * 60.0
    return Window(start_s, end_s, f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")


def window_rows(rows: NDArray[np.void], window: Window) -> NDArray[np.void]:
    keep = (rows["time_s"] >= window.start_s) & (rows["time_s"] < window.end_s)
    return rows[keep]


def station_load(
    in_window: NDArray[np.void], n_stations: int, weights: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Each station's events (check-ins; all events when the window has none) as a share of
    the window's national load, in which a station counts as many times as its weight: a
    replay sends a station's events once, so with weights the shares sum to less than 1."""
    checkin = np.isin(in_window["kind"], CHECKIN_KINDS)
    counted = in_window[checkin] if checkin.any() else in_window
    per_station = np.bincount(counted["station"], minlength=n_stations).astype(np.float64)
    total = float((per_station * weights_or_ones(n_stations, weights)).sum())
    return per_station / total if total > 0 else per_station


@dataclass(frozen=True)
class LevelLoad:
    """How a level offers ``multiple`` times real time: these stations, this compression."""

    multiple: float
    stations: NDArray[np.int64]
    share_of_load: float  # f(S)
    compress: float

    @property
    def n_stations(self) -> int:
        return len(self.stations)


def level_load(multiple: float, order: NDArray[np.int64], load: NDArray[np.float64],
               window_s: float, level_s: float) -> LevelLoad:
    """Stations (a prefix of ``order``) and compression for ``multiple``.

    The replay should last about ``level_s``: compression ``window_s / level_s`` with the
    fewest stations (in ``order``) whose share of the load reaches ``multiple / that``; the
    compression is then set so that ``c * f(S) = multiple`` exactly (stations come whole, so
    the level lasts a little longer than ``level_s``). When all of ``order`` is not enough,
    more compression: a shorter level.
    """
    if multiple <= 0:
        raise ValueError(f"multiple must be positive, got {multiple}")
    cumulative = np.cumsum(load[order])
    if len(order) == 0 or cumulative[-1] <= 0:
        raise ValueError("the window holds no events of these stations: nothing to replay")
    wanted = multiple * level_s / window_s
    k = int(np.searchsorted(cumulative, wanted - 1e-12)) + 1
    k = min(max(k, 1), len(order))
    # Stations with no events in the window add nothing: stop at the last one that does.
    while k > 1 and load[order[k - 1]] == 0:
        k -= 1
    share = float(cumulative[k - 1])
    return LevelLoad(multiple, np.sort(order[:k]), share, multiple / share)
