"""The capacity section: the headline, the levels, throughput and latency against load."""

from __future__ import annotations

from pollday.report.capacity_data import capacity_model
from pollday.report.plots.capacity import capacity_figure
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section


def capacity_section(folder: RunFolder) -> Section | None:
    if not folder.capacity:
        return None
    doc = capacity_model(folder.capacity)
    if doc is None:  # older than the model: its headline only
        return Section(id="capacity", title="Capacity", template="sections/capacity.html.j2",
                       context={"headline": str(folder.capacity["headline"]), "doc": None,
                                "levels": [], "image": None})
    # Levels not run (not measurable at their multiple) have no figures for the table; the
    # headline and capacity.json say why.
    levels = sorted((r for r in doc.levels if r.achieved_rps is not None),
                    key=lambda r: r.multiple)
    return Section(
        id="capacity",
        title="Capacity",
        template="sections/capacity.html.j2",
        context={
            "headline": doc.headline,
            "doc": doc,
            "levels": levels,
            "image": capacity_figure(levels, doc.capacity.multiple)
            if levels else None,
        },
    )
