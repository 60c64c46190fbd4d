"""One verdict per page: the service's (its thresholds) and the stations' (the standard).

A run is judged on two subjects that can disagree: the service (latency, errors, audit,
the load generator: the thresholds on those figures) and the stations (the scenario's
standard, plus any threshold on the stations' figures). The page says each plainly, with
its own colour, under one composed verdict that is red when either part fails, so a green
"all thresholds met" never stands above a red "the standard fails" without saying that the
two are about different things and which one the exit code reflects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from loadtests.figures.measured import standard_of
from loadtests.figures.rules import Colour
from simulation.standard import part_text, verdict_line

Subject = Literal["service", "stations"]
# Figure groups that are about the stations (the simulated day, and again with the
# measured latency); every other threshold is about the service or the load test itself.
STATION_GROUPS = ("stations", "loop")
_JUDGES_EVERY_PART = "stations.stations_failing_standard"
_JUDGES_PART = "stations.stations_failing_"


@dataclass(frozen=True)
class Part:
    subject: Subject
    label: str  # what a reader sees first: "Service", "Stations"
    text: str
    colour: Colour


@dataclass(frozen=True)
class PageVerdict:
    colour: Colour
    title: str
    parts: tuple[Part, ...]
    note: str  # what the exit code reflects (empty without thresholds)


def subject_of(figure: str) -> Subject:
    return "stations" if figure.split(".")[0] in STATION_GROUPS else "service"


def figure_of(threshold: Mapping[str, Any]) -> str:
    """The figure a threshold verdict judges (its ``name``; the rule's first word else)."""
    return str(threshold.get("name") or str(threshold["rule"]).split()[0])


def row_colour(threshold: Mapping[str, Any]) -> Colour:
    """A threshold's row: good (met), bad (failed), neutral (not measured: neither)."""
    colours: dict[str, Colour] = {"met": "good", "not-measured": "neutral"}
    return colours.get(str(threshold["verdict"]), "bad")


def _value(v: Any) -> str:
    return "no data" if v is None else (f"{v:,.4g}" if isinstance(v, float) else f"{v:,}")


def _unmeasured(thresholds: Sequence[Mapping[str, Any]]) -> str:
    """'; 2 not measured: rule, rule' (thresholds on figures the run did not measure)."""
    rules = [str(t["rule"]) for t in thresholds if t["verdict"] == "not-measured"]
    return f"; {len(rules)} not measured: {', '.join(rules)}" if rules else ""


def _judged(thresholds: Sequence[Mapping[str, Any]], what: str) -> str:
    """'all 11 thresholds met' or '2 of 11 thresholds failed: rule (value), ...'; thresholds
    not measured (``--audit answers``) are counted apart: 'all 9 measured thresholds ... met;
    2 not measured: rule, rule'."""
    measured = [t for t in thresholds if t["verdict"] != "not-measured"]
    failed = [t for t in measured if t["verdict"] != "met"]
    n = len(measured)
    noun = ("measured " if len(measured) < len(thresholds) else "") + (
        "threshold" if n == 1 else "thresholds")
    apart = _unmeasured(thresholds)
    if not failed:
        return f"{'the' if n == 1 else 'all'} {n} {noun} {what} met{apart}"
    named = "; ".join(f"{t['rule']} ({_value(t.get('value'))})" for t in failed)
    return f"{len(failed)} of {n} {noun} {what} failed: {named}{apart}"


def _service(thresholds: Sequence[Mapping[str, Any]], failure: str | None) -> Part:
    if failure:
        return Part("service", "Service", f"not judged: the load generator failed ({failure})",
                    "bad")
    if not thresholds:
        return Part("service", "Service", "no threshold judges the service", "neutral")
    colour: Colour = "bad" if any(t["verdict"] == "failed" for t in thresholds) else "good"
    return Part("service", "Service", _judged(thresholds, "on the service"), colour)


def unjudged_parts(standard: Mapping[str, Any], names: set[str]) -> list[str]:
    """The standard's failing parts that no threshold judges (so the exit code misses them)."""
    if _JUDGES_EVERY_PART in names:
        return []
    return [p for p, k in standard.get("failing_by_part", {}).items()
            if k and f"{_JUDGES_PART}{p}" not in names]


def _stations(standard: Mapping[str, Any] | None,
              thresholds: Sequence[Mapping[str, Any]], run: bool) -> Part:
    texts: list[str] = []
    colour: Colour = "neutral"
    if standard is not None:
        line = verdict_line(dict(standard))
        texts.append(line[:1].lower() + line[1:])
        colour = "good" if standard["holds_at_every_station"] else "bad"
    if thresholds:
        texts.append(_judged(thresholds, "on the stations"))
        if any(t["verdict"] == "failed" for t in thresholds):
            colour = "bad"
        elif colour == "neutral":
            colour = "good"
    elif run:
        texts.append("no threshold judges the stations")
    return Part("stations", "Stations", " — ".join(texts) or "not judged", colour)


def _note(summary: Mapping[str, Any], standard: Mapping[str, Any] | None,
          names: set[str]) -> str:
    code = summary.get("exit_code")
    if summary.get("thresholds") is None:
        return ""
    unmeasured = sum(1 for t in summary.get("thresholds") or [] if t.get("verdict")
                     == "not-measured")
    said = {0: "every measured threshold met" if unmeasured else "every threshold met",
            1: "a threshold failed",
            3: "the load generator failed"}.get(code if isinstance(code, int) else -1, "")
    if unmeasured:
        said += (f"; {unmeasured} not measured, neither met nor failed (--audit "
                 f"{(summary.get('audit') or {}).get('level', 'full')})")
    note = f"Exit code {code}" + (f" ({said})" if said else "") if code is not None else ""
    missed = unjudged_parts(standard, names) if standard is not None else []
    if missed:
        parts = ", ".join(part_text(p) for p in missed)
        note += (f"{'. ' if note else ''}The thresholds do not judge the standard's "
                 f"{parts}, which fails: the exit code does not show it (a threshold "
                 f"'{_JUDGES_EVERY_PART} == 0' would).")
    return note + ("." if note and not note.endswith(".") else "")


def page_verdict(summary: Mapping[str, Any]) -> PageVerdict:
    """The page's verdict from ``summary.json``: its thresholds (a run) and its standard."""
    thresholds: list[Mapping[str, Any]] = list(summary.get("thresholds") or [])
    run = summary.get("thresholds") is not None
    standard = standard_of(summary)
    by_subject = {s: [t for t in thresholds if subject_of(figure_of(t)) == s]
                  for s in ("service", "stations")}
    parts: list[Part] = []
    if run:
        parts.append(_service(by_subject["service"], summary.get("failure")))
    parts.append(_stations(standard, by_subject["stations"], run))
    colours = {p.colour for p in parts}
    colour: Colour = "bad" if "bad" in colours else ("good" if colours == {"good"} else
                                                      "neutral")
    failing = [p.label.lower() for p in parts if p.colour == "bad"]
    if failing:
        title = f"Does not hold: {' and '.join(failing)}"
    elif colour == "good":
        title = "Holds: " + " and ".join(p.label.lower() for p in parts)
    else:
        title = "Not judged"
    names = {figure_of(t) for t in thresholds}
    return PageVerdict(colour, title, tuple(parts), _note(summary, standard, names))
