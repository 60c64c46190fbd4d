"""Capacity: achieved throughput and latency against the offered load, the knee marked."""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter, LogLocator

from pollday.models.capacity import CapacityLevel
from pollday.report.plots.common import (
    EXPECTED,
    OFFICIAL,
    SIMULATED,
    WAIT_STANDARD_COLOUR,
    Image,
    new_figure,
    styled,
    to_image,
)

_VERDICT_MARKERS = {"held": "o", "failed": "x", "generator-bound": "s"}


def _checkin_ms(level: CapacityLevel, key: str) -> float | None:
    """The level's check-in latency figure ``key`` (``p95_ms``...), if it called check-ins."""
    checkin = level.endpoints.get("checkin")
    return None if checkin is None else getattr(checkin, key)


def capacity_figure(levels: list[CapacityLevel], knee: float | None) -> Image:
    """Two panels over the multiple of real time: requests/s offered and achieved; check-in
    p95 from the send and from the intended time. ``knee``: the highest multiple that held.
    The multiple's axis is logarithmic: a search ramps by factors, so its levels are evenly
    spaced there. Levels that were not run (not measurable at their multiple) have no
    figures to draw."""
    ordered = sorted((r for r in levels if r.achieved_rps is not None),
                     key=lambda r: r.multiple)
    m = [r.multiple for r in ordered]
    with styled():
        fig = new_figure(3.4)
        rate_ax, lat_ax = fig.subplots(1, 2)
        rate_ax.plot(m, [r.offered_rps for r in ordered], color=EXPECTED, linestyle="--",
                     label="offered")
        rate_ax.plot(m, [r.achieved_rps for r in ordered], color=SIMULATED, label="achieved")
        rate_ax.set_title("Throughput (requests per second)")
        for key, label, colour in (("p95_ms", "check-in p95 from send", SIMULATED),
                                   ("p95_ms_intended", "p95 from intended time", OFFICIAL)):
            values = [_checkin_ms(r, key) for r in ordered]
            lat_ax.plot(m, [v if v is not None else float("nan") for v in values],
                        color=colour, label=label)
        lat_ax.set_title("Check-in latency (ms)")
        for r in ordered:
            marker = _VERDICT_MARKERS.get(r.verdict, "o")
            rate_ax.scatter([r.multiple], [r.achieved_rps], marker=marker, color=SIMULATED,
                            zorder=3)
        for ax in (rate_ax, lat_ax):
            if knee:  # 0: nothing held (no knee on a log axis)
                ax.axvline(knee, color=WAIT_STANDARD_COLOUR, linestyle=":", linewidth=1.2,
                           label=f"knee: held at {knee:g}x")
            if len(set(m)) == 1:  # one level: a factor of two either side, not a point
                ax.set_xlim(m[0] / 2, m[0] * 2)
            ax.set_xscale("log")
            # Multiples as written in the table (2000x), not powers of ten.
            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
            ax.set_xlabel("multiple of real time (log scale)")
            ax.legend(loc="upper left")
        rate_ax.set_xlabel("multiple, log scale (o held, x failed, square generator-bound)")
        return to_image(fig, "throughput and check-in latency against the offered multiple")
