"""The report as a list of sections, each built from its own data or left out.

A section builder takes the :class:`RunFolder` and returns a :class:`Section`, or ``None``
when the folder holds none of that section's data. The page renders the sections in
:func:`build_sections` order (:class:`Section` is in ``section.py``, which the builders
import), each with its own template under ``templates/sections/``.

Adding a section takes three steps: read its files (a reader module like ``sizing_data.py``,
and a new optional field of :class:`RunFolder`, ``None`` when absent and counted in
``RunFolder.has_any_data``), write a builder module returning a Section with its template,
and add the builder here. Nothing else in the page changes.
"""

from __future__ import annotations

from pollday.report.capacity import capacity_section
from pollday.report.day import day_section
from pollday.report.headline import headline_section
from pollday.report.loadtest import loadtest_section, thresholds_section
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section, SectionBuilder
from pollday.report.sizing import sizing_section

__all__ = ["Section", "SectionBuilder", "build_sections"]


def build_sections(folder: RunFolder) -> list[Section]:
    builders: tuple[SectionBuilder, ...] = (
        thresholds_section,
        headline_section,
        day_section,
        sizing_section,
        loadtest_section,
        capacity_section,
    )
    sections = [s for s in (build(folder) for build in builders) if s is not None]
    ids = [s.id for s in sections]
    assert len(ids) == len(set(ids)), f"duplicate section ids: {ids}"
    return sections
