"""Arrivals and check-ins per hour, and cumulative turnout, against the scenario and reality."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from pollday.report.day_data import DayProfile
from pollday.report.plots.common import (
    EXPECTED,
    OFFICIAL,
    SIMULATED,
    Image,
    clock,
    clock_axis,
    new_figure,
    styled,
    thousands,
    to_image,
)


def arrivals_figure(p: DayProfile) -> Image:
    with styled():
        fig = new_figure(6.4)
        hourly, cumulative = fig.subplots(2, 1)
        _draw_hourly(hourly, p)
        _draw_cumulative(cumulative, p)
        for ax in (hourly, cumulative):
            ax.set_xlim(0, p.day_min)
            clock_axis(ax, p.opening_min)
        return to_image(
            fig,
            "Bar chart of simulated arrivals and check-ins per hour against the scenario's "
            "expected arrival profile, and a line chart of cumulative turnout against the "
            "expected curve and the official intraday turnout points.",
        )


def _draw_hourly(hourly: Axes, p: DayProfile) -> None:
    """Simulated arrivals and check-ins per hour against the scenario's arrival profile."""
    centre = p.hour_start_min + 30
    hourly.bar(centre - 13, p.arrivals, width=25, color="#9ecae1", label="arrivals (simulated)")
    hourly.bar(
        centre + 13, p.checkins, width=25, color=SIMULATED, label="check-ins (simulated)"
    )
    hourly.stairs(
        p.expected_arrivals,
        [*p.hour_start_min, p.hour_start_min[-1] + 60] if len(p.hour_start_min) else [0],
        color=EXPECTED,
        linestyle="--",
        linewidth=1.6,
        label="arrivals expected from the scenario's profile",
    )
    hourly.set_title("People arriving and voters checked in, per hour")
    hourly.set_ylabel("people per hour")
    thousands(hourly)
    hourly.legend(loc="upper right")


def _draw_cumulative(cumulative: Axes, p: DayProfile) -> None:
    """Cumulative turnout: expected curve, simulated points, official intraday points."""
    cumulative.plot(
        p.expected_time_min,
        p.expected_turnout,
        color=EXPECTED,
        linestyle="--",
        label="expected from the scenario (turnout × arrival profile)",
    )
    cumulative.plot(
        p.turnout_time_min,
        p.turnout,
        color=SIMULATED,
        marker="o",
        markersize=3.5,
        label="simulated (voters checked in)",
    )
    if len(p.official_time_min):
        cumulative.scatter(
            p.official_time_min,
            p.official_turnout,
            color=OFFICIAL,
            zorder=5,
            s=36,
            marker="D",
            label="official intraday turnout (scenario reference)",
        )
        for t, v in zip(p.official_time_min, p.official_turnout, strict=True):
            cumulative.annotate(
                f"{v:.1%} at {clock(p.opening_min + t)}",
                (t, v),
                xytext=(-6, 7),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color=OFFICIAL,
            )
    cumulative.set_title("Cumulative turnout over the day")
    cumulative.set_ylabel("share of registered voters")
    cumulative.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    cumulative.set_ylim(bottom=0)
    cumulative.legend(loc="lower right")
