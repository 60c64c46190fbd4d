"""One section of the report: what a section builder returns (see ``sections.py``).

Its own module so that the builders (day.py, sizing.py, ...) and the list of builders
(sections.py) do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pollday.report.run_folder import RunFolder

__all__ = ["Section", "SectionBuilder"]


@dataclass(frozen=True)
class Section:
    id: str  # HTML anchor, unique in the page
    title: str  # heading and table-of-contents entry
    template: str  # path under templates/, e.g. "sections/day.html.j2"
    context: Mapping[str, object] = field(default_factory=dict)


SectionBuilder = Callable[[RunFolder], Section | None]
