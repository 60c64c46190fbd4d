"""Thresholds, k6-style: ``checkin.p95_ms < 300``, ``audit.lost_checkins == 0``.

A scenario lists them; each names one figure of the catalogue (:mod:`loadtests.figures`)
and a rule in the one grammar of :mod:`simulation.scenario.rules`. A scenario naming an unknown
figure is rejected when it is validated (:func:`check_threshold`), before anything runs.

A verdict is ``met``, ``failed`` or ``not-measured``: the last only for a figure the run chose
not to measure (:class:`Unmeasured`, e.g. an audit figure under ``--audit answers``), never a
pass; a figure that should have been measured and was not fails ("no data").
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from loadtests.figures import BY_NAME, RENAMED, known_figures
from simulation.errors import InputError
from simulation.scenario.rules import Rule, RuleSyntaxError, split_threshold
from simulation.station.outcomes import RENAMED_FIGURES

_KNOWN = frozenset(known_figures())


class Threshold(Rule):
    """A scenario's rule on one catalogue figure."""

    @property
    def figure(self) -> str:
        return self.name

    @property
    def rule(self) -> str:
        return str(self)


class Verdict(BaseModel):
    """One threshold judged: a test case in ``junit.xml``, a row of every table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="the figure, e.g. checkin.p95_ms")
    rule: str = Field(description="the rule as written, e.g. 'checkin.p95_ms < 300'")
    value: int | float | None = Field(description="the measured value; null: not measured")
    verdict: Literal["met", "failed", "not-measured"] = Field(
        description="not-measured: the run did not measure the figure (e.g. --audit answers); "
        "neither met nor failed")
    reason: str | None = Field(default=None, description="why it failed without a comparison, "
                               "or why it was not measured")

    def as_json(self) -> dict[str, Any]:
        """The verdict as written in the output files (``reason`` only when there is one)."""
        out = self.model_dump()
        if out["reason"] is None:
            del out["reason"]
        return out


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


def check_figure(figure: str) -> None:
    """Raise ``ValueError`` (the reason alone) unless a threshold may name ``figure``."""
    if figure in RENAMED:
        raise ValueError(f"ambiguous figure {figure!r}: {RENAMED[figure]}")
    if figure in RENAMED_FIGURES:  # the "did you mean" shape scenario/hints.py turns into a fix
        raise ValueError(
            f"unknown figure {figure!r}; did you mean [{RENAMED_FIGURES[figure]!r}]? (renamed: "
            "refusals and lost votes are named by stage and cause, docs/outputs.md)")
    if figure not in _KNOWN:
        raise ValueError(f"unknown figure {figure!r}{_unknown_hint(figure, figure.split('.')[0])}")


def parse_threshold(text: str) -> Threshold:
    """Parse ``"figure op value"``; ThresholdError says what is wrong and how to write it."""
    try:
        rule = split_threshold(text)
    except RuleSyntaxError as error:
        raise ThresholdError(text, error.reason) from None
    try:
        check_figure(rule.name)
    except ValueError as error:
        raise ThresholdError(text, str(error)) from None
    return Threshold(rule.name, rule.op, rule.value)


def judged_by_run(thresholds: list[Threshold]) -> list[Threshold]:
    """The thresholds ``pollday run`` judges (``capacity.*`` are ``pollday capacity``'s)."""
    return [t for t in thresholds if BY_NAME[t.figure].judged_by == "run"]


@dataclass(frozen=True)
class Unmeasured:
    """A figure this run does not measure, on purpose: ``reason`` says why and how to measure
    it; ``at_least`` is a lower bound known all the same (voters the harness itself saw
    accepted twice), which alone can settle some rules (``== 0`` fails when it is above 0)."""

    reason: str
    at_least: float | None = None


def _bounded(t: Threshold, at_least: float) -> Literal["met", "failed"] | None:
    """The verdict a lower bound of the figure settles, or None when it settles nothing."""
    if t.op in (">", ">="):
        return "met" if t.holds(at_least) else None
    if t.op in ("<", "<="):
        return None if t.holds(at_least) else "failed"
    if t.op == "==":
        return "failed" if at_least > t.value else None
    return "met" if at_least > t.value else None  # "!="


def evaluate(
    thresholds: list[Threshold], figures: Mapping[str, float | None],
    unmeasured: Mapping[str, Unmeasured] | None = None,
) -> list[dict[str, Any]]:
    """:func:`judge_all`'s verdicts as they are written in the output files."""
    return [v.as_json() for v in judge_all(thresholds, figures, unmeasured)]


def judge_all(thresholds: list[Threshold], figures: Mapping[str, float | None],
              unmeasured: Mapping[str, Unmeasured] | None = None) -> list[Verdict]:
    """A verdict per threshold: met, failed, failed for lack of data, or not measured (a
    figure in ``unmeasured`` without a value: the run chose not to measure it)."""
    verdicts: list[Verdict] = []
    for t in thresholds:
        measured = figures.get(t.figure)
        missing = measured is None or (isinstance(measured, float) and math.isnan(measured))
        why = (unmeasured or {}).get(t.figure)
        if missing and why is not None:
            verdicts.append(_unmeasured_verdict(t, why))
            continue
        if measured is None or missing:
            verdicts.append(Verdict(name=t.figure, rule=t.rule, value=None, verdict="failed",
                                    reason="no data: the figure was not measured"))
            continue
        verdicts.append(Verdict(name=t.figure, rule=t.rule, value=measured,
                                verdict="met" if t.holds(float(measured)) else "failed"))
    return verdicts


def _unmeasured_verdict(t: Threshold, why: Unmeasured) -> Verdict:
    settled = None if why.at_least is None else _bounded(t, why.at_least)
    if settled is None:
        return Verdict(name=t.figure, rule=t.rule, value=None, verdict="not-measured",
                       reason=why.reason)
    return Verdict(name=t.figure, rule=t.rule, value=why.at_least, verdict=settled,
                   reason=f"at least {why.at_least:g} (a lower bound, which settles the rule); "
                   f"the whole figure is {why.reason}")
