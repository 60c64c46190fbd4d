"""Load-test pictures: request rate scheduled against achieved, latency per endpoint."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter

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
