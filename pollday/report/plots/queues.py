"""Queue length over the day: a heat map of the worst stations and lines for the 20 worst."""

from __future__ import annotations

import matplotlib
from matplotlib.axes import Axes

from pollday.report.plots.common import (
    SIMULATED,
    Image,
    clock_axis,
    new_figure,
    styled,
    to_image,
)
from pollday.report.queue_data import MIN_VISIBLE, WORST_LINES, QueueView


def _mark_closing(ax: Axes, day_min: float) -> None:
    ax.axvline(day_min, color="#333333", linestyle=":", linewidth=1.2)
    ax.annotate(
        "closing",
        (day_min, 1),
        xycoords=("data", "axes fraction"),
        xytext=(-3, -10),
        textcoords="offset points",
        ha="right",
        fontsize=8,
        color="#333333",
    )


def queue_heatmap(v: QueueView) -> Image:
    rows = len(v.worst)
    with styled():
        fig = new_figure(min(1.6 + 0.055 * rows, 7.2))
        ax = fig.subplots()
        end_min = v.worst.shape[1] * v.bin_min
        shown = ax.imshow(
            v.worst,
            aspect="auto",
            interpolation="nearest",
            cmap=matplotlib.colormaps["YlOrRd"].with_extremes(under="white"),
            vmin=MIN_VISIBLE,
            vmax=max(float(v.worst.max(initial=0.0)), 1.0),
            extent=(0, end_min, rows, 0),
        )
        ax.grid(False)
        step = 1 if rows <= 25 else 10
        ticks = list(range(0, rows, step))
        ax.set_yticks([t + 0.5 for t in ticks])
        ax.set_yticklabels([f"#{t + 1} {v.worst_codes[t]}" for t in ticks], fontsize=7.5)
        _mark_closing(ax, v.day_min)
        clock_axis(ax, v.opening_min)
        what = (
            f"all {v.stations:,} stations"
            if rows == v.stations
            else (f"the {rows} worst of {v.stations:,} stations")
        )
        ax.set_title(f"People in line, {v.bin_min:.0f}-minute averages: {what}, worst on top")
        fig.colorbar(shown, ax=ax, label="people in line", shrink=0.9, pad=0.01)
        return to_image(
            fig,
            f"Heat map of the line length at {what} over the day, one row per station, "
            "ranked by their longest line.",
        )


def worst_queue_lines(v: QueueView) -> Image:
    lines = min(WORST_LINES, len(v.worst))
    t = v.bin_start_min + v.bin_min / 2
    with styled():
        fig = new_figure(6.6)
        worst, everyone = fig.subplots(2, 1, sharex=True)
        colours = [matplotlib.colormaps["tab20"](k) for k in range(20)]
        for k in range(lines):
            worst.plot(
                t,
                v.worst[k],
                color=colours[k % len(colours)],
                linewidth=1.6 if k < 3 else 1.0,
                zorder=3 + lines - k,  # the worst drawn on top
                label=f"#{k + 1} {v.worst_codes[k]}",
            )
        worst.set_title(f"People in line at the {lines} worst stations")
        worst.set_ylabel("people in line")
        worst.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5, ncols=1)
        worst.set_ylim(bottom=0)

        pct = v.percentiles
        everyone.fill_between(t, 0, pct[50], color="#c6dbef", label="median station")
        everyone.fill_between(t, pct[50], pct[90], color="#9ecae1", label="50th–90th percentile")
        everyone.plot(t, pct[99], color=SIMULATED, linewidth=1.2, label="99th percentile")
        everyone.plot(t, v.maximum, color="#b30000", linewidth=1.0, label="longest anywhere")
        everyone.set_title(f"People in line across all {v.stations:,} stations, per time bin")
        everyone.set_ylabel("people in line")
        everyone.set_ylim(bottom=0)
        everyone.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
        for ax in (worst, everyone):
            _mark_closing(ax, v.day_min)
            ax.set_xlim(0, v.worst.shape[1] * v.bin_min)
        clock_axis(everyone, v.opening_min)
        return to_image(
            fig,
            f"Line charts of the line length at the {lines} worst stations, and percentile "
            "bands of the line length across all stations over the day.",
        )
