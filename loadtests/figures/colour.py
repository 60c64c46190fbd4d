"""The colour of a catalogue figure on a page: the one function every coloured figure uses.

The rule is the catalogue's (direction and alarm, :mod:`loadtests.figures.rules`); the limit
the scenario sets for it (the standard's wait limit) is read from the run's summary; the
page's thresholds on the figure, when there are any, decide instead (see
:func:`loadtests.figures.rules.colour`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loadtests.figures.catalogue import BY_NAME
from loadtests.figures.measured import lookup
from loadtests.figures.rules import Colour, colour


def figure_colour(
    name: str,
    value: Any,
    *,
    summary: Mapping[str, Any] | None = None,
    thresholds: Iterable[Mapping[str, Any]] = (),
) -> Colour:
    """``good``, ``bad`` or ``neutral`` for ``value`` of the catalogue figure ``name``.

    ``summary``: the run's ``summary.json`` (where a scenario's limits are read);
    ``thresholds``: the verdicts the page shows (``summary.json`` ``thresholds``)."""
    figure = BY_NAME[name]
    verdicts = [str(t["verdict"]) for t in thresholds if t.get("name") == name]
    limits = None if summary is None else (lambda key: lookup(summary, key))
    return colour(figure.direction, figure.alarm, value, limits=limits, verdicts=verdicts)


def alarm_limit(name: str, summary: Mapping[str, Any] | None = None) -> float | None:
    """The limit at which ``name`` alarms on this run (None: it has no alarm)."""
    alarm = BY_NAME[name].alarm
    if alarm is None:
        return None
    return alarm.limit_in(None if summary is None else (lambda key: lookup(summary, key)))
