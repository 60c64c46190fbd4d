"""Recommended hardware against current, per station group and nationally."""

from __future__ import annotations

import numpy as np

from pollday.report.plots.common import SIMULATED, Image, new_figure, styled, to_image
from pollday.report.sizing_data import GroupSizing

NATIONAL = "all stations"
_NOW = "#bdbdbd"


def sizing_figure(groups: list[GroupSizing], resources: list[str]) -> Image:
    """Per resource: mean units per station, now and recommended, per group and nationally."""
    names = [NATIONAL, *(g.name for g in groups)]
    stations = np.array([sum(g.stations for g in groups), *(g.stations for g in groups)])
    y = np.arange(len(names))
    with styled():
        fig = new_figure(1.3 + 0.42 * len(names))
        axes = fig.subplots(1, len(resources), sharey=True, squeeze=False)[0]
        for ax, resource in zip(axes, resources, strict=True):
            now = (
                np.array(
                    [sum(g.current[resource] for g in groups)]
                    + [g.current[resource] for g in groups]
                )
                / stations
            )
            needed = (
                np.array(
                    [sum(g.recommended[resource] for g in groups)]
                    + [g.recommended[resource] for g in groups]
                )
                / stations
            )
            ax.barh(y - 0.2, now, height=0.38, color=_NOW, label="now")
            ax.barh(y + 0.2, needed, height=0.38, color=SIMULATED, label="recommended")
            for k, value in enumerate(needed):
                ax.annotate(
                    f"{value:.2f}",
                    (value, y[k] + 0.2),
                    xytext=(2, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7.5,
                )
            ax.set_title(resource)
            ax.set_xlabel("per station (mean)")
            ax.set_xlim(0, max(float(now.max()), float(needed.max())) * 1.22)
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(y, names)
        axes[0].get_yticklabels()[0].set_fontweight("bold")
        axes[0].invert_yaxis()
        axes[0].legend(loc="lower right")
        return to_image(
            fig,
            "Bars of the mean number of "
            + ", ".join(resources)
            + " per station, now and recommended, for all stations and for each group.",
        )
