"""One report image checked against the data it must show: the bars in the PNG's pixels
stand as high as the arrivals per hour they draw."""

from __future__ import annotations

import base64
import io

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from pollday.report.day_data import DayProfile
from pollday.report.plots import arrivals as arrivals_plot
from pollday.report.plots.common import SIMULATED

ARRIVALS_RGB = (0x9E, 0xCA, 0xE1)  # the arrivals bars' colour in arrivals_figure
CHECKINS_RGB = tuple(int(SIMULATED[i:i + 2], 16) for i in (1, 3, 5))


def _profile() -> DayProfile:
    hours = np.array([0.0, 60.0, 120.0, 180.0])
    return DayProfile(
        opening_min=480.0, day_min=240.0, hour_start_min=hours,
        arrivals=np.array([1200.0, 300.0, 0.0, 2400.0]),
        checkins=np.array([1000.0, 600.0, 150.0, 1800.0]),
        expected_arrivals=np.array([900.0, 900.0, 900.0, 900.0]),
        turnout_time_min=np.array([0.0, 60.0, 120.0, 180.0, 240.0]),
        turnout=np.array([0.0, 0.1, 0.16, 0.175, 0.355]),
        expected_time_min=np.array([0.0, 240.0]), expected_turnout=np.array([0.0, 0.36]),
        official_time_min=np.zeros(0), official_turnout=np.zeros(0), official_source="",
    )


def _render(monkeypatch: pytest.MonkeyPatch) -> tuple[Figure, np.ndarray]:
    """The figure as built and the PNG the report embeds, as RGB 0-255 pixels."""
    built: list[Figure] = []
    real = arrivals_plot.to_image

    def keep(fig: Figure, alt: str) -> arrivals_plot.Image:
        built.append(fig)
        return real(fig, alt)

    monkeypatch.setattr(arrivals_plot, "to_image", keep)
    image = arrivals_plot.arrivals_figure(_profile())
    png = base64.b64decode(image.src.split(",", 1)[1])
    pixels = np.round(matplotlib.image.imread(io.BytesIO(png))[:, :, :3] * 255).astype(int)
    assert pixels.shape[:2] == (image.height_px, image.width_px)
    return built[0], pixels


def _bar_top(pixels: np.ndarray, fig: Figure, x: float, rgb: tuple[int, ...]) -> float | None:
    """The data height of the bar of colour ``rgb`` drawn at ``x`` in the hourly axes, read
    from the pixels (None: no bar there)."""
    ax = fig.axes[0]
    height_px = pixels.shape[0]
    col = round(ax.transData.transform((x, 0))[0])
    bottom_row = height_px - round(ax.transData.transform((x, 0))[1])
    top_row = height_px - round(ax.transAxes.transform((0, 1))[1])
    rows = [r for r in range(top_row, bottom_row)
            if tuple(pixels[r, col]) == rgb]
    if not rows:
        return None
    y_display = height_px - min(rows)
    return float(ax.transData.inverted().transform((0, y_display))[1])


def test_the_arrivals_bars_in_the_png_are_as_high_as_the_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fig, pixels = _render(monkeypatch)
    profile = _profile()
    hourly = fig.axes[0]
    arrivals, checkins = hourly.containers[0], hourly.containers[1]
    assert [p.get_height() for p in arrivals] == profile.arrivals.tolist()
    assert [p.get_height() for p in checkins] == profile.checkins.tolist()
    # One pixel in data units: the tolerance of reading a height back from the image.
    y0 = hourly.transData.inverted().transform((0, 0))[1]
    px = hourly.transData.inverted().transform((0, 1))[1] - y0
    centres = profile.hour_start_min + 30
    for x, value in zip(centres - 13, profile.arrivals, strict=True):
        top = _bar_top(pixels, fig, float(x), ARRIVALS_RGB)
        if value == 0:
            assert top is None  # no bar drawn for an empty hour
        else:
            assert top == pytest.approx(value, abs=1.5 * px)
    for x, value in zip(centres + 13, profile.checkins, strict=True):
        assert _bar_top(pixels, fig, float(x), CHECKINS_RGB) == pytest.approx(value, abs=1.5 * px)
    # The cumulative turnout line holds the simulated points, in order.
    line = next(ln for ln in fig.axes[1].get_lines() if ln.get_marker() == "o")
    assert list(line.get_ydata()) == profile.turnout.tolist()
