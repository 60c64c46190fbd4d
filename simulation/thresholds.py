"""Thresholds, k6-style: ``checkin.p95_ms < 300``, ``audit.lost_checkins == 0``.

A scenario lists them; each names one figure of a run (load test, audit, simulation, closed
loop) and a rule. The catalog of figures lives here, as data, so a scenario naming an
unknown figure is rejected when it is validated, before anything runs.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulation.errors import InputError

ENDPOINT_FIGURES = ("checkin", "duplicate", "batch", "protocol", "results", "streams", "snapshot")
_LATENCIES = ("p50_ms", "p95_ms", "p99_ms", "max_ms")
ENDPOINT_STATS = (
    *_LATENCIES,
    *(f"{s}_intended" for s in _LATENCIES),
    "error_rate",
    "error_count",
    "requests",
)
FIXED_FIGURES = {
    "generator": ("lag_p50_ms", "lag_p99_ms", "lag_max_ms", "dropped_events",
                  "harness_errors", "missing_workers", "abandoned_in_flight"),
    "audit": ("lost_checkins", "double_acceptances", "duplicates_accepted", "results_mismatch",
              "ledger_unconfirmed"),
    # National pooled figures (every voter in one distribution) beside per-station ones
    # (each station's own p95): the names say which is which.
    "stations": ("national_p95_wait_min", "worst_station_p95_wait_min",
                 "share_waiting_over_30_min", "stations_over_30_min", "lost_votes",
                 "lost_left_line", "lost_not_served", "lost_refused", "turnout"),
    "loop": ("national_p95_wait_min", "worst_station_p95_wait_min", "lost_votes",
             "stations_over_30_min"),
    "capacity": ("multiple",),  # judged by `pollday capacity` only
}
# Names that no longer say what they measure: refused with the names to use instead.
RENAMED = {
    f"{group}.p95_wait_min": (
        "it was the national pooled p95 (every voter in one distribution), "
        f"not a station's own; write '{group}.national_p95_wait_min' for the pooled figure, "
        f"'{group}.worst_station_p95_wait_min' for the worst station's own p95, or "
        f"'{group}.stations_over_30_min == 0' for the 30-minute standard at every station"
    )
    for group in ("stations", "loop")
}
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
    "==": operator.eq, "!=": operator.ne,
}
_PATTERN = re.compile(r"^\s*([a-z_]+)\.([a-z0-9_.]+)\s*(<=|<|>=|>|==|!=)\s*(\S+)\s*$")


# Items inside batch requests: a 200 batch can still refuse some of its check-ins.
ITEM_STATS = ("item_error_rate", "item_error_count", "items")


def known_figures() -> list[str]:
    names = [f"{e}.{s}" for e in ENDPOINT_FIGURES for s in ENDPOINT_STATS]
    names += [f"batch.{s}" for s in ITEM_STATS]
    names += [f"{g}.{f}" for g, figures in FIXED_FIGURES.items() for f in figures]
    return names


_KNOWN = frozenset(known_figures())


@dataclass(frozen=True)
class Threshold:
    figure: str
    op: str
    value: float

    @property
    def rule(self) -> str:
        return f"{self.figure} {self.op} {self.value:g}"

    def holds(self, measured: float) -> bool:
        return _OPS[self.op](measured, self.value)


class ThresholdError(InputError, ValueError):
    """A rule that cannot be parsed: ``str()`` quotes the rule, ``reason`` does not (for a
    scenario file's error, which shows the rule as the value already)."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r}: {reason}")
        self.reason = reason


def _unknown_hint(figure: str, group: str) -> str:
    """The closest names first, then every name of the group (so the right one is there)."""
    groups = sorted({n.split(".")[0] for n in _KNOWN})
    if group not in groups:
        return f"; figure groups: {groups}"
    of_group = sorted(n for n in _KNOWN if n.startswith(group + "."))
    close = difflib.get_close_matches(figure, of_group, n=3, cutoff=0.6)
    did_you_mean = f"; did you mean {close}?" if close else ""
    return f"{did_you_mean}; {group}.* figures: {of_group}"


def parse_threshold(text: str) -> Threshold:
    """Parse ``"figure op value"``; ThresholdError says what is wrong and how to write it."""
    match = _PATTERN.match(text)
    if not match:
        raise ThresholdError(
            text, "not 'figure op value', e.g. 'checkin.p95_ms < 300' "
            f"(operators: {', '.join(_OPS)})"
        )
    group, stat, op, raw = match.groups()
    figure = f"{group}.{stat}"
    if figure in RENAMED:
        raise ThresholdError(text, f"ambiguous figure {figure!r}: {RENAMED[figure]}")
    if figure not in _KNOWN:
        raise ThresholdError(
            text, f"unknown figure {figure!r}{_unknown_hint(figure, group)}")
    try:
        value = float(raw)
    except ValueError:
        raise ThresholdError(text, f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ThresholdError(text, "the value must be finite")
    return Threshold(figure, op, value)


def evaluate(
    thresholds: list[Threshold], figures: Mapping[str, float | None]
) -> list[dict[str, Any]]:
    """A verdict per threshold: met, failed, or failed for lack of data."""
    verdicts: list[dict[str, Any]] = []
    for t in thresholds:
        measured = figures.get(t.figure)
        if measured is None or (isinstance(measured, float) and math.isnan(measured)):
            verdicts.append({"name": t.figure, "rule": t.rule, "value": None,
                             "verdict": "failed", "reason": "no data: the figure was not measured"})
            continue
        ok = t.holds(float(measured))
        verdicts.append({"name": t.figure, "rule": t.rule, "value": measured,
                         "verdict": "met" if ok else "failed"})
    return verdicts
