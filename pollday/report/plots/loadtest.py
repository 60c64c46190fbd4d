"""Load-test pictures: request rate scheduled against achieved, latency per endpoint, and
latency per endpoint over the test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from pollday.report.plots.common import (
    EXPECTED,
    OFFICIAL,
    SIMULATED,
    Image,
    new_figure,
    styled,
    to_image,
)

_QUANTILES = ("p50", "p95", "p99")
# (series key, label, colour, line style) of the over-time panels: the send's tail, and the
# intended time's p99, whose distance above the send's is time spent waiting in the generator
_OVER_TIME_LINES = (
    ("p95_ms", "p95 from send", SIMULATED, ":"),
    ("p99_ms", "p99 from send", SIMULATED, "-"),
    ("p99_ms_intended", "p99 from intended time", OFFICIAL, "-"),
)
_LOG_Y_SPREAD = 20.0  # a log axis once the highest value is this many times the lowest
_PANEL_COLUMNS = 2
_MARKERS_UP_TO_BINS = 30  # with few bins, isolated points between gaps need a marker to show


def rate_figure(rate: dict[str, Any], compress: float) -> Image:
    bin_s = float(rate["bin_s"])
    scheduled = np.asarray(rate.get("scheduled_rps", []), dtype=np.float64)
    achieved = np.asarray(rate.get("achieved_rps", []), dtype=np.float64)
    n = max(len(scheduled), len(achieved))
    scheduled = np.pad(scheduled, (0, n - len(scheduled)))
    achieved = np.pad(achieved, (0, n - len(achieved)))
    edges = np.arange(n + 1) * bin_s
    with styled():
        fig = new_figure(3.2)
        ax = fig.subplots()
        ax.stairs(
            scheduled,
            edges,
            color=EXPECTED,
            linestyle="--",
            linewidth=1.6,
            label="scheduled (from the simulated day)",
        )
        ax.stairs(achieved, edges, color=SIMULATED, linewidth=1.6, label="achieved (sent)")
        ax.set_title(
            f"Requests per second, {bin_s:g}-second bins (the day compressed {compress:,.0f}×)"
        )
        ax.set_xlabel("seconds into the load test")
        ax.set_ylabel("requests per second")
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, max(float(edges[-1]), bin_s))
        ax.legend(loc="upper right")
        return to_image(
            fig, "Step chart of the scheduled and the achieved request rate over the load test."
        )


def latency_figure(endpoints: dict[str, dict[str, Any]], checkin: dict[str, Any]) -> Image:
    names = [n for n, e in endpoints.items() if e.get("p50_ms") is not None]
    y = np.arange(len(names))
    with styled():
        fig = new_figure(1.6 + 0.5 * max(len(names), 3))
        bars, curve = fig.subplots(1, 2, width_ratios=(1.5, 1))
        shades = {"p50": 0.35, "p95": 0.65, "p99": 1.0}
        height = 0.4 / len(_QUANTILES)
        for k, q in enumerate(_QUANTILES):
            send = [float(endpoints[n][f"{q}_ms"]) for n in names]
            intended = [float(endpoints[n][f"{q}_ms_intended"] or 0) for n in names]
            offset = (k - 1) * height
            bars.barh(
                y - 0.2 + offset,
                send,
                height=height,
                color=SIMULATED,
                alpha=shades[q],
                label=f"{q} from send",
            )
            bars.barh(
                y + 0.2 + offset,
                intended,
                height=height,
                color=OFFICIAL,
                alpha=shades[q],
                label=f"{q} from intended time",
            )
        bars.set_xscale("log")
        bars.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        bars.set_yticks(y, names, fontsize=8)
        bars.invert_yaxis()
        bars.grid(axis="y", visible=False)
        bars.set_xlabel("latency, ms (log scale)")
        bars.set_title("Latency per endpoint")
        fig.legend(
            *bars.get_legend_handles_labels(), loc="outside lower center", ncols=6, fontsize=7.5
        )

        values = checkin.get("values_ms") or []
        if values:
            curve.plot(values, checkin["percentiles"], color=SIMULATED)
            curve.set_xscale("log")
            curve.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        curve.set_title("Check-in latency, from send")
        curve.set_xlabel("latency, ms (log scale)")
        curve.set_ylabel("percentile")
        curve.set_ylim(0, 100)
        return to_image(
            fig,
            "Bars of the 50th, 95th and 99th percentile latency per endpoint, measured from the "
            "actual send and from the intended send time, and the check-in latency percentile "
            "curve.",
        )


def _has_traffic(series: dict[str, Any]) -> bool:
    return bool(sum(series.get("count", [])) + sum(series.get("count_intended", [])) > 0)


def _values(series: dict[str, Any], key: str, n: int) -> np.ndarray:
    """A quantile series as floats, NaN where a bin had no request (a gap in the line)."""
    raw = list(series.get(key, []))[:n]
    values = [math.nan if v is None else float(v) for v in raw]
    return np.asarray(values + [math.nan] * (n - len(values)), dtype=np.float64)


def _over_time_panel(ax: Axes, name: str, series: dict[str, Any]) -> None:
    bin_s = float(series["bin_s"])
    n = len(series["t_s"])
    minutes = (np.asarray(series["t_s"], dtype=np.float64) + bin_s / 2) / 60.0
    marker = "o" if n <= _MARKERS_UP_TO_BINS else ""
    drawn: list[np.ndarray] = []
    for key, label, colour, style in _OVER_TIME_LINES:
        values = _values(series, key, n)
        drawn.append(values[np.isfinite(values)])
        ax.plot(
            minutes,
            values,
            color=colour,
            linestyle=style,
            linewidth=1.3,
            marker=marker,
            markersize=2.5,
            label=label,
        )
    finite = np.concatenate(drawn)
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > _LOG_Y_SPREAD:
        ax.set_yscale("log")
        # 1-2-5 labels in plain numbers: a panel often spans less than two decades
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_ylim(bottom=0)
    ax.set_title(f"{name} ({sum(series['count']):,} attempts)", fontsize=9)
    ax.set_ylabel("ms")


def latency_over_time_figure(over_time: dict[str, dict[str, Any]]) -> Image | None:
    """One panel per endpoint with traffic: p95/p99 from send and p99 from the intended time
    per bin; None when no endpoint has any (an older loadtest.json has no per-bin data)."""
    names = [n for n, series in over_time.items() if _has_traffic(series)]
    if not names:
        return None
    rows = math.ceil(len(names) / _PANEL_COLUMNS)
    with styled():
        fig = new_figure(0.6 + 1.9 * rows)
        axes = fig.subplots(rows, _PANEL_COLUMNS, sharex=True, squeeze=False).ravel()
        for ax, name in zip(axes, names, strict=False):
            _over_time_panel(ax, name, over_time[name])
        for ax in axes[len(names) :]:
            ax.set_visible(False)
        for ax in axes[max(0, len(names) - _PANEL_COLUMNS) : len(names)]:
            # the lowest panel of each column, which may sit above a hidden slot
            ax.set_xlabel("minutes into the load test")
            ax.xaxis.set_tick_params(labelbottom=True)
        ax0 = axes[0]
        ax0.set_xlim(left=0)
        bin_s = float(over_time[names[0]]["bin_s"])
        fig.suptitle(
            f"Latency over the test per endpoint, {bin_s:g}-second bins",
            x=0.01,
            ha="left",
            fontsize=10.5,
            fontweight="bold",
        )
        fig.legend(*ax0.get_legend_handles_labels(), loc="outside lower center", ncols=3)
        return to_image(
            fig,
            "Small line charts, one per endpoint, of the 95th and 99th percentile latency from "
            "the send and the 99th percentile from the intended send time, per bin of the test.",
        )
