"""The capacity section: the headline, the levels, throughput and latency against load."""

from __future__ import annotations

from pollday.report.plots.capacity import capacity_figure
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section


def capacity_section(folder: RunFolder) -> Section | None:
    doc = folder.capacity
    if not doc:
        return None
    # Levels not run (not measurable at their multiple) have no figures for the table; the
    # headline and capacity.json say why.
    levels = [r for r in doc.get("levels", []) if r.get("achieved_rps") is not None]
    return Section(
        id="capacity",
        title="Capacity",
        template="sections/capacity.html.j2",
        context={
            "doc": doc,
            "levels": sorted(levels, key=lambda r: float(r["multiple"])),
            "image": capacity_figure(levels, doc["capacity"].get("multiple"))
            if levels else None,
        },
    )

