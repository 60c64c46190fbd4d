"""Figures as embedded PNG images: one look for every plot, no pyplot, no display needed.

Figures are built with :class:`matplotlib.figure.Figure` directly (the Agg canvas), so
rendering neither needs nor changes a global backend and works in any process.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

DPI = 110
WIDTH_IN = 9.6
WAIT_STANDARD_COLOUR = "#c0392b"
SIMULATED = "#1f5f99"
EXPECTED = "#7f7f7f"
OFFICIAL = "#d35400"
STYLE: dict[str, Any] = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
}


@dataclass(frozen=True)
class Image:
    """An embedded figure: a ``data:`` URI plus what an ``<img>`` tag needs."""

    src: str
    alt: str
    width_px: int
    height_px: int


@contextmanager
def styled() -> Iterator[None]:
    """The report's look, for the figures built inside; global settings are left alone."""
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        yield


def new_figure(height_in: float, *, width_in: float = WIDTH_IN) -> Figure:
    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


def to_image(fig: Figure, alt: str) -> Image:
    """Render ``fig`` as PNG and wrap it for the page."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (round(v) for v in fig.get_size_inches() * DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Image(f"data:image/png;base64,{encoded}", alt, width, height)


def clock(minutes_of_day: float) -> str:
    m = round(minutes_of_day) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def clock_axis(ax: Axes, opening_min: float, *, step_min: float = 60) -> None:
    """Label an x axis given in minutes after local opening with the local clock time."""
    ax.xaxis.set_major_locator(MultipleLocator(step_min))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: clock(opening_min + x)))
    ax.set_xlabel("local time at the station")


def thousands(ax: Axes, axis: str = "y") -> None:
    """Group digits on an axis: 12,000 rather than 12000 or 1.2e4."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
