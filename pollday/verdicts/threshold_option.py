"""``--threshold RULE`` (repeatable): add a threshold, or replace the scenario's on a figure.

A CI job often needs a stricter or looser limit than the scenario file's (a nightly job at a
higher load, a staging target that is slower) without a copy of the scenario. Two functions:

* :func:`add_threshold_argument` adds ``--threshold`` to a command's parser; each rule is
  parsed there, so a bad one ends the command with exit 2 and a message saying how to write
  one, before anything is simulated or sent;
* :func:`merge_thresholds` merges the command line's rules into the scenario's: a rule on a
  figure the scenario already judges replaces every scenario rule on that figure (in the
  first one's place); a rule on another figure is added at the end. Several ``--threshold``
  on one figure are all kept (``> 100`` and ``< 500``: a range).

``pollday run`` uses it with ``judged_by="run"``; ``pollday capacity`` may pass ``"capacity"``
to also accept ``capacity.*``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loadtests.figures import BY_NAME
from loadtests.thresholds import Threshold, ThresholdError, parse_threshold

__all__ = ["HOW_TO", "Merged", "add_threshold_argument", "describe", "merge_thresholds",
           "threshold_type"]

HOW_TO = ("write a threshold as 'figure op value', e.g. --threshold 'checkin.p95_ms < 300'; "
          "operators <, <=, >, >=, ==, !=; the figures are listed in docs/figures.md")


def threshold_type(judged_by: str = "run") -> Callable[[str], Threshold]:
    """An argparse ``type``: the rule parsed, or ``ArgumentTypeError`` (exit 2) saying what
    is wrong and how to write one. Figures judged by another command are refused too."""
    def parse(text: str) -> Threshold:
        try:
            threshold = parse_threshold(text)
        except ThresholdError as error:
            # A rule of the wrong shape already got the example; other errors get the how-to.
            shape = error.reason.startswith("not 'figure op value'")
            how = "the figures are listed in docs/figures.md" if shape else HOW_TO
            raise argparse.ArgumentTypeError(f"{error}; {how}") from None
        figure = BY_NAME[threshold.figure]
        # A capacity search judges each level by the run's figures, and its own multiple.
        accepted = ("run", "capacity") if judged_by == "capacity" else (judged_by,)
        if figure.judged_by not in accepted:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {threshold.figure} is judged by pollday {figure.judged_by} only, "
                f"not by pollday {judged_by}")
        return threshold
    return parse


def add_threshold_argument(parser: argparse.ArgumentParser, *, judged_by: str = "run") -> None:
    """``--threshold RULE`` (repeatable) on ``parser``; the parsed rules land in
    ``args.threshold`` (a list of :class:`~loadtests.thresholds.Threshold`, empty if none)."""
    parser.add_argument(
        "--threshold", action="append", default=[], metavar="RULE",
        type=threshold_type(judged_by),
        help="a threshold for this run, e.g. 'checkin.p95_ms < 300' (repeatable): it "
        "replaces the scenario's thresholds on the same figure, or is added",
    )


@dataclass(frozen=True)
class Merged:
    """The thresholds to judge, and what the command line changed (to tell the user)."""

    thresholds: list[Threshold]
    replaced: list[tuple[str, str]]  # (scenario rule, command-line rule(s) in its place)
    added: list[str]  # command-line rules on figures the scenario did not judge


def merge_thresholds(scenario: Sequence[str | Threshold],
                     given: Sequence[Threshold]) -> Merged:
    """The scenario's thresholds with ``given`` (``--threshold``) merged in; see the module."""
    rules = [t if isinstance(t, Threshold) else parse_threshold(t) for t in scenario]
    by_figure: dict[str, list[Threshold]] = {}
    for threshold in given:
        by_figure.setdefault(threshold.figure, []).append(threshold)
    merged: list[Threshold] = []
    replaced: list[tuple[str, str]] = []
    placed: set[str] = set()
    for rule in rules:
        overrides = by_figure.get(rule.figure)
        if overrides is None:
            merged.append(rule)
            continue
        new = " and ".join(t.rule for t in overrides)
        if new != rule.rule:  # the same rule again changes nothing worth saying
            replaced.append((rule.rule, new))
        if rule.figure not in placed:
            merged += overrides
            placed.add(rule.figure)
    added = [t for t in given if t.figure not in placed]
    return Merged(merged + added, replaced, [t.rule for t in added])


def describe(merged: Merged) -> list[str]:
    """What the command line changed, one line each (for the log, not with ``--quiet``)."""
    return ([f"threshold {old!r} replaced by {new!r} (--threshold)"
             for old, new in merged.replaced]
            + [f"threshold {rule!r} added (--threshold)" for rule in merged.added])
