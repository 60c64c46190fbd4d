"""The key figures at the top of the page, from ``summary.json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from simulation.standard import verdict_line
from simulation.summary import WAIT_STANDARD_MIN

Flag = Literal["bad", "good", ""]


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    flag: Flag = ""


def _n(value: Any) -> str:
    number = float(value)
    return f"{number:,.0f}" if number == round(number) else f"{number:,.1f}"


def _pct(value: Any) -> str:
    return f"{100 * float(value):.2f} %"


def _protocols(shares: list[float]) -> Figure:
    if not shares:
        return Figure("Protocols uploaded", "–", "no station uploaded a protocol")
    first = shares[0]
    all_in = next((h + 1 for h, s in enumerate(shares) if s >= 1), None)
    when = f"all within {all_in} h" if all_in else f"{_pct(shares[-1])} within {len(shares)} h"
    return Figure("Protocols uploaded after closing", f"{_pct(first)} within 1 h", when)


def _worst_station(s: dict[str, Any]) -> list[Figure]:
    standard = s.get("wait_standard")
    if not standard:  # a run folder written before the per-station verdict existed
        return []
    worst = standard["worst_stations"]
    note = ("worst: " + ", ".join(f"{w['station']} ({w['group']}) {w['p95_wait_min']:.0f} min"
                                  for w in worst)) if worst else "every station's own p95"
    return [Figure(
        "Worst station's own p95 wait",
        f"{standard['worst_station_p95_wait_min']:.1f} min",
        note,
        "bad" if standard["worst_station_p95_wait_min"] > WAIT_STANDARD_MIN else "good",
    )]


def key_figures(s: dict[str, Any]) -> list[Figure]:
    wait = s["wait_min"]
    over = float(s.get("stations_with_p95_wait_over_30_min", 0))
    share_over = float(s.get("share_voters_waiting_over_30_min", 0))
    peak = s.get("checkins_per_minute", {})
    lost_note = ", ".join(
        f"{_n(s[k])} {label}"
        for k, label in (
            ("reneged", "left the line"),
            ("not_served_at_close", "not served at closing"),
            ("refused_biometric", "refused at the scanner"),
        )
        if k in s
    )
    return [
        Figure("Stations", _n(s["stations"]), f"{_n(s['registered'])} registered voters"),
        Figure("Voted", _n(s["voted"]), f"turnout {_pct(s.get('turnout', 0))}"),
        Figure("People arriving", _n(s.get("arrived", 0))),
        Figure(
            "Lost votes",
            _n(s.get("lost_votes", 0)),
            lost_note,
        ),
        Figure(
            "Wait in line, all voters pooled: median / p95 / p99 / max",
            f"{wait['p50']:.1f} / {wait['p95']:.1f} / {wait['p99']:.1f} / {wait['max']:.0f} min",
            "the national distribution: every voter of every station in one",
            "bad" if wait["p95"] > WAIT_STANDARD_MIN else "good",
        ),
        *_worst_station(s),
        Figure(
            "Voters waiting over 30 minutes",
            _pct(share_over),
            "the PCEA standard: nobody should wait longer than 30 minutes",
            "bad" if share_over > 0 else "good",
        ),
        Figure(
            "Stations with p95 wait over 30 minutes",
            _n(over),
            f"of {_n(s['stations'])}",
            "bad" if over > 0 else "good",
        ),
        Figure(
            "Peak check-ins per minute (national)",
            _n(peak.get("peak", 0)),
            f"at {peak['peak_time']} home time" if peak.get("peak_time") else "",
        ),
        Figure("Terminal failures", _n(s.get("terminal_failures", 0))),
        Figure(
            "Duplicate attempts",
            _n(s.get("duplicate_attempts", 0)),
            f"{_n(s.get('refused_duplicates', 0))} refused, "
            f"{_n(s.get('duplicates_voted', 0))} voted anyway (offline stations)",
        ),
        _protocols(list(s.get("protocols_uploaded_by_hour_after_close", []))),
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
            "verdict": verdict_line(summary["wait_standard"]) if "wait_standard" in summary
            else None,
            "verdict_holds": summary.get("wait_standard", {}).get("holds_at_every_station"),
            "replications": int(summary.get("replications", 1)),
        },
    )
