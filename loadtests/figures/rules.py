"""Which way is good for a figure, when it alarms, and the one function that colours it.

Every figure of the catalogue (:mod:`loadtests.figures`) carries a :class:`Direction` and,
when a value alone can say something is wrong, an :class:`Alarm` (``> 0`` for duplicates
that voted anyway). The report, and anything else that colours a figure, asks
:func:`figure_colour`; nothing colours a figure by hand, so two places on one page cannot
disagree about the same figure.

A scenario's thresholds are its own alarms: when the page shows verdicts of thresholds on a
figure, those verdicts colour it (the scenario's word replaces the catalogue's default), so
a figure is never red in one table and green in the thresholds above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from simulation.scenario.rules import OPS

Direction = Literal["lower_is_better", "higher_is_better", "neutral"]
Colour = Literal["good", "bad", "neutral"]
DIRECTIONS: dict[Direction, str] = {
    "lower_is_better": "lower is better",
    "higher_is_better": "higher is better",
    "neutral": "neither",
}
# An alarm's operator points the bad way: '>' or '>=' for a lower-is-better figure.
_BAD_WAY = {"lower_is_better": (">", ">="), "higher_is_better": ("<", "<=")}


@dataclass(frozen=True)
class Alarm:
    """The figure alarms when ``value op limit`` is true.

    ``limit_key`` names where the limit is read from a run's summary when the scenario sets
    it (the standard's wait limit: ``standard.rule.wait_p95_max_min``); ``limit`` is the
    value used when the summary does not say (the documented default).
    """

    op: str
    limit: float
    limit_key: str = ""
    why: str = ""  # the reason, for the docs

    def __post_init__(self) -> None:
        if self.op not in OPS or self.op in ("==", "!="):
            raise ValueError(f"an alarm compares one way, not {self.op!r}")

    def limit_in(self, limits: Callable[[str], Any] | None) -> float:
        """The limit: the scenario's (read with ``limits(limit_key)``) or the default."""
        if self.limit_key and limits is not None:
            found = limits(self.limit_key)
            if _number(found) is not None:
                return float(found)
        return self.limit

    def rings(self, value: float, limits: Callable[[str], Any] | None = None) -> bool:
        return OPS[self.op](value, self.limit_in(limits))

    def text(self) -> str:
        """``> 0``, or ``> 30 (standard.rule.wait_p95_max_min)``, for the docs."""
        limit = f"{self.limit:g}"
        return f"{self.op} {limit}" + (f" (the scenario's `{self.limit_key}`)"
                                       if self.limit_key else "")


def check_rule(name: str, direction: Direction, alarm: Alarm | None) -> None:
    """A catalogue entry's rule must make sense: an alarm points the bad way; a neutral
    figure (turnout, request counts) never alarms."""
    if alarm is None:
        return
    if direction == "neutral":
        raise ValueError(f"{name}: a neutral figure has no alarm")
    if alarm.op not in _BAD_WAY[direction]:
        raise ValueError(f"{name}: {direction} alarms with {_BAD_WAY[direction]}, "
                         f"not {alarm.op!r}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def colour(
    direction: Direction,
    alarm: Alarm | None,
    value: Any,
    *,
    limits: Callable[[str], Any] | None = None,
    verdicts: Iterable[str] = (),
) -> Colour:
    """Good, bad or neutral for ``value`` of a figure with this rule.

    ``verdicts`` are the page's threshold verdicts on the figure ("met"/"failed"): any
    failed is bad, all met is good; a "not-measured" one says nothing (neither met nor
    failed). Without them the alarm decides: ringing is bad, quiet is good; a figure
    without an alarm, or without a value, is neutral."""
    verdicts = [v for v in verdicts if v != "not-measured"]
    if verdicts:
        return "bad" if any(v != "met" for v in verdicts) else "good"
    number = _number(value)
    if alarm is None or number is None or direction == "neutral":
        return "neutral"
    return "bad" if alarm.rings(number, limits) else "good"


def verdict_colours(thresholds: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The thresholds' verdicts by figure name (``summary.json`` ``thresholds``)."""
    out: dict[str, list[str]] = {}
    for t in thresholds:
        out.setdefault(str(t["name"]), []).append(str(t["verdict"]))
    return out
