"""The key figures at the top of the page, from ``summary.json``.

A row that shows a catalogue figure names it (``figure``) and takes its colour from the
catalogue's rule (:func:`loadtests.figures.colour.figure_colour`); no row is coloured by hand.
Rows without a figure (stations, people arriving) are plain counts and never coloured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loadtests.figures import BY_NAME
from loadtests.figures.colour import alarm_limit, figure_colour
from loadtests.figures.measured import lookup, standard_of
from loadtests.figures.rules import Colour
from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from pollday.report.verdict import page_verdict
from simulation.national.summary_model import CheckinPeak, WaitFigures
from simulation.standard import part_text


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    figure: str = ""  # the catalogue figure the row shows ("" for a plain count)
    raw: Any = None  # its value as in summary.json (for the page's data-value)
    colour: Colour = "neutral"
    flag: str = ""  # the words beside a coloured value


def _n(value: Any) -> str:
    number = float(value)
    return f"{number:,.0f}" if number == round(number) else f"{number:,.1f}"


def _pct(value: Any) -> str:
    return f"{100 * float(value):.2f} %"


class _Rows:
    """Builds rows for one summary, colouring each figure row by the catalogue's rule."""

    def __init__(self, summary: Mapping[str, Any]) -> None:
        self.summary = summary
        self.thresholds = list(summary.get("thresholds") or [])

    def figure(self, label: str, name: str, shown: str, note: str = "") -> Figure:
        raw = lookup(self.summary, BY_NAME[name].key or name.split(".", 1)[1])
        colour = figure_colour(name, raw, summary=self.summary, thresholds=self.thresholds)
        return Figure(label, shown, note, name, raw, colour, self._flag(name, colour))

    def _flag(self, name: str, colour: Colour) -> str:
        if colour == "neutral":
            return ""
        if any(t.get("name") == name for t in self.thresholds):
            return "threshold met" if colour == "good" else "threshold failed"
        alarm = BY_NAME[name].alarm
        limit = alarm_limit(name, self.summary)
        rule = f"{alarm.op} {limit:g}" if alarm is not None and limit is not None else ""
        return f"alarm: {rule}" if colour == "bad" else f"no alarm (alarms at {rule})"


def _protocols(rows: _Rows, summary: Mapping[str, Any]) -> list[Figure]:
    """When the protocols came in and how many upload attempts that took, or "counted
    elsewhere" for a country without station protocols (not a row of zeros)."""
    if summary.get("counted_elsewhere"):
        return [Figure("Protocols", "counted elsewhere",
                       "ballots are counted centrally: no station protocol, no upload")]
    shares = list(summary.get("protocols_uploaded_by_hour_after_close", []))
    attempts = summary.get("protocol_upload_attempts")
    tries = [] if attempts is None else [Figure(
        "Protocol upload attempts (failed ones included)", _n(attempts),
        f"{_n(summary.get('protocols_never_uploaded', 0))} protocols not uploaded on election "
        "night; every attempt is a request in the schedule")]
    if not shares:
        return [Figure("Protocols uploaded after closing", "–",
                       "no station uploaded a protocol"), *tries]
    all_in = next((h + 1 for h, s in enumerate(shares) if s >= 1), None)
    when = f"all within {all_in} h" if all_in else f"{_pct(shares[-1])} within {len(shares)} h"
    return [rows.figure("Protocols uploaded within 1 h of closing",
                        "stations.protocols_within_1h_share", _pct(shares[0]), when), *tries]


def _standard_rows(rows: _Rows, s: Mapping[str, Any]) -> list[Figure]:
    standard = standard_of(s)
    if standard is None:  # a run folder written before any per-station verdict existed
        return []
    parts = ", ".join(f"{part_text(p)} at {_n(k)}" for p, k in
                      standard.get("failing_by_part", {}).items() if k)
    worst = standard.get("worst_stations", [])
    named = ("worst: " + ", ".join(f"{w['station']} ({w['group']}) {w['p95_wait_min']:.0f} min"
                                   for w in worst)) if worst else "every station's own p95"
    return [
        rows.figure("Stations failing the standard", "stations.stations_failing_standard",
                    f"{_n(standard['stations_failing'])} of {_n(standard['stations'])}",
                    (f"failing {parts}; " if parts else "") + str(standard.get("rule_text", ""))),
        rows.figure("Time in line, all voters pooled: p95", "stations.national_p95_wait_min",
                    f"{standard['national_p95_wait_min']:.1f} min",
                    "the national distribution: every voter of every station in one"),
        rows.figure("Worst station's own p95 time in line",
                    "stations.worst_station_p95_wait_min",
                    f"{standard['worst_station_p95_wait_min']:.1f} min", named),
    ]


def key_figures(s: Mapping[str, Any]) -> list[Figure]:
    rows = _Rows(s)
    # The plain rows' parts read through the summary's model (older files included); the
    # coloured rows look their figure up by its catalogue key (loadtests.figures.measured.lookup).
    wait = WaitFigures.model_validate(s["wait_min"])
    peak = CheckinPeak.model_validate(s.get("checkins_per_minute", {"peak": 0, "peak_time": None}))
    lost_note = ", ".join(f"{_n(s[k])} {label}" for k, label in (
        ("reneged", "left the line"), ("not_served_at_close", "not served at closing")) if k in s)
    refused = s.get("refused_not_identified")
    outcomes = {k: v for k, v in s.get("outcomes", {}).items() if v}
    return [
        Figure("Stations", _n(s["stations"]), f"{_n(s['registered'])} registered voters"),
        Figure("Voted", _n(s["voted"]), f"turnout {_pct(s.get('turnout', 0))}"),
        Figure("People arriving", _n(s.get("arrived", 0))),
        rows.figure("Lost votes", "stations.lost_votes", _n(s.get("lost_votes", 0)), lost_note),
        *([rows.figure("Refused at identification", "stations.refused_not_identified",
                       _n(refused), "not recognised or not on the roll: apart from lost votes")]
          if refused is not None else []),
        *([Figure("Refused and lost, by stage and cause", _n(sum(outcomes.values())),
                  "; ".join(f"{k} {_n(v)}" for k, v in outcomes.items()))] if outcomes else []),
        *_standard_rows(rows, s),
        Figure("Time in line, all voters pooled: median / p95 / p99 / max",
               f"{wait.p50:.1f} / {wait.p95:.1f} / {wait.p99:.1f} / {wait.max:.0f} min",
               "every voter of every station in one distribution"),
        rows.figure("Voters waiting over 30 minutes", "stations.share_waiting_over_30_min",
                    _pct(s.get("share_voters_waiting_over_30_min", 0)),
                    "shown, not judged: the standard judges each station's own p95"),
        Figure("Peak check-ins per minute (national)", _n(peak.peak),
               f"at {peak.peak_time} home time" if peak.peak_time else ""),
        Figure("Terminal failures", _n(s.get("terminal_failures", 0))),
        Figure("Duplicate attempts", _n(s.get("duplicate_attempts", 0)),
               f"{_n(s.get('refused_duplicates', 0))} refused"),
        rows.figure("Duplicate attempts that voted anyway", "stations.duplicates_voted",
                    _n(s.get("duplicates_voted", 0)),
                    "offline stations cannot refuse them at once"),
        *_protocols(rows, s),
        Figure("Requests in the load-test schedule", _n(s.get("schedule_events", 0))),
    ]


def headline_section(folder: RunFolder) -> Section | None:
    if folder.simulation is None:
        return None
    summary = folder.simulation.summary
    return Section(
        id="key-figures",
        title="Key figures",
        template="sections/headline.html.j2",
        context={
            "figures": key_figures(summary),
            # A run's verdict leads the page in its thresholds section; a simulation alone
            # (no thresholds) shows it here, once.
            "verdict": None if summary.get("thresholds") is not None else page_verdict(summary),
            "replications": int(summary.get("replications", 1)),
        },
    )
