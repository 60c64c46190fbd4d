"""Every figure a run measures, defined once: the catalogue (:mod:`~loadtests.figures.
catalogue`), which way is good for each and when it alarms (:mod:`~loadtests.figures.rules`),
and the one colour function pages use (:mod:`~loadtests.figures.colour`, which reads run
figures, so it is imported from its module)."""

from loadtests.figures.catalogue import (
    BY_NAME,
    CATALOGUE,
    ENDPOINT_GROUPS,
    ENDPOINTS,
    RENAMED,
    SOURCES,
    Figure,
    known_figures,
    label,
    of_group,
)

__all__ = ["BY_NAME", "CATALOGUE", "ENDPOINTS", "ENDPOINT_GROUPS", "RENAMED", "SOURCES",
           "Figure", "known_figures", "label", "of_group"]
