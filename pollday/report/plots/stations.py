"""Station-level pictures: waits against the 30-minute standard, lost votes, failures."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from pollday.report.plots.common import (
    SIMULATED,
    WAIT_STANDARD_COLOUR,
    Image,
    new_figure,
    styled,
    thousands,
    to_image,
)
from pollday.report.run_folder import FloatArray
from pollday.report.station_data import LOST_KINDS, FailureBucket, GroupRow
from simulation.national.summary import WAIT_STANDARD_MIN

_LOG_SCALE_FROM = 200  # stations: above this the histogram's count axis is logarithmic
_LOST_COLOURS = ("#e6550d", "#fdae6b", "#756bb1")


def _standard_line(ax: Axes, *, vertical: bool = True,
                   limit_min: float = WAIT_STANDARD_MIN) -> None:
    line = ax.axvline if vertical else ax.axhline
    line(limit_min, color=WAIT_STANDARD_COLOUR, linestyle="--", linewidth=1.3)


def waits_figure(station_p95_min: FloatArray, national_min: dict[str, float], *,
                 limit_min: float = WAIT_STANDARD_MIN, p95_colour: str = "neutral") -> Image:
    """Left: each station's own p95 wait. Right: the pooled waits of every voter.

    ``limit_min`` is the standard's wait limit (the dashed lines); ``p95_colour`` the pooled
    p95's colour by the catalogue's rule (only that bar is a judged figure: the others are
    drawn plain)."""
    n = len(station_p95_min)
    top = max(float(station_p95_min.max(initial=0.0)), limit_min * 1.2)
    width = 1.0 if top <= 40 else 2.0 if top <= 120 else 5.0
    with styled():
        fig = new_figure(3.6)
        hist, pooled = fig.subplots(1, 2, width_ratios=(1.6, 1))
        hist.hist(
            station_p95_min,
            bins=np.arange(0, top + width, width),
            color=SIMULATED,
            log=n > _LOG_SCALE_FROM,
        )
        _standard_line(hist, limit_min=limit_min)
        over = int((station_p95_min > limit_min).sum())
        hist.set_title(f"Stations by their 95th-percentile wait ({over:,} of {n:,} over "
                       f"{limit_min:g} min)")
        hist.set_xlabel("95th-percentile wait at the station, minutes")
        hist.set_ylabel("stations" + (" (log scale)" if n > _LOG_SCALE_FROM else ""))
        if n <= _LOG_SCALE_FROM:
            hist.yaxis.get_major_locator().set_params(integer=True)
        else:
            thousands(hist)

        labels = ["mean", "p50", "p95", "p99", "max"]
        values = [float(national_min.get(k, 0.0)) for k in labels]
        colours = [WAIT_STANDARD_COLOUR if k == "p95" and p95_colour == "bad" else SIMULATED
                   for k in labels]
        pooled.barh(labels, values, color=colours)
        pooled.invert_yaxis()
        for k, value in enumerate(values):
            pooled.annotate(
                f"{value:.1f}",
                (value, k),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        _standard_line(pooled, limit_min=limit_min)
        pooled.set_xlim(0, max(max(values), limit_min) * 1.18)
        pooled.set_title("Every voter's wait, pooled nationally")
        pooled.set_xlabel("minutes in line, every stage")
        return to_image(
            fig,
            f"Histogram of the stations' 95th-percentile waits with the {limit_min:g}-minute "
            "standard wait marked, and bars of the national mean, median, 95th and 99th "
            "percentile and maximum wait.",
        )


def lost_votes_figure(groups: list[GroupRow]) -> Image:
    names = [g.name for g in groups]
    with styled():
        fig = new_figure(1.5 + 0.35 * len(groups))
        counts, rates = fig.subplots(1, 2)
        left_counts = np.zeros(len(groups))
        left_rates = np.zeros(len(groups))
        for colour, (kind, label) in zip(_LOST_COLOURS, LOST_KINDS.items(), strict=True):
            people = np.array([g.lost[kind] for g in groups], dtype=np.float64)
            rate = np.array([1000 * g.lost[kind] / g.arrived if g.arrived else 0.0 for g in groups])
            counts.barh(names, people, left=left_counts, color=colour, label=label)
            rates.barh(names, rate, left=left_rates, color=colour)
            left_counts += people
            left_rates += rate
        for ax in (counts, rates):
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
        counts.set_title("Lost votes by station group")
        counts.set_xlabel("people")
        thousands(counts, "x")
        rates.set_title("Per 1,000 people arriving")
        rates.set_xlabel("lost per 1,000 arrivals")
        rates.set_yticklabels([])
        fig.legend(loc="outside lower center", ncols=3)
        return to_image(
            fig,
            "Stacked bars of lost votes per station group, by reason, in people and per "
            "1,000 arrivals.",
        )


def failures_figure(buckets: list[FailureBucket]) -> Image:
    with styled():
        fig = new_figure(3.4)
        box, lost = fig.subplots(1, 2, width_ratios=(1.6, 1))
        labels = [f"{b.label}\n({b.stations:,} stations)" for b in buckets]
        box.boxplot(
            [b.p95_wait_min for b in buckets],
            tick_labels=labels,
            showfliers=True,
            flierprops={"markersize": 2.5, "alpha": 0.5},
            medianprops={"color": SIMULATED},
        )
        _standard_line(box, vertical=False)
        box.set_title("95th-percentile wait by terminal failures at the station")
        box.set_xlabel("terminal failures during the day")
        box.set_ylabel("p95 wait at the station, minutes")
        lost.bar([b.label for b in buckets], [b.lost_per_1000 for b in buckets], color="#e6550d")
        lost.set_title("Lost votes per 1,000 arrivals")
        lost.set_xlabel("terminal failures during the day")
        return to_image(
            fig,
            "Box plots of the stations' 95th-percentile waits grouped by how many terminal "
            "failures each station had, and lost votes per 1,000 arrivals for each group.",
        )
