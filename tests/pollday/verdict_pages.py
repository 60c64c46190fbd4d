"""Report pages of the shipped scenarios, rendered cheaply, and what their colours say.

A scenario is simulated downsized (its station groups scaled to a few dozen stations, so a
million-station scenario renders in seconds); its thresholds are judged on that day's own
figures (``stations.*``; ``loop.*`` as the same day, no latency having been measured) and on
a synthetic service whose figures are given (latencies, errors, audit, generator). The page
is rendered from the folder with those verdicts added to its summary, as ``pollday run``
would write them, without a load test.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loadtests.figures import ENDPOINTS, of_group
from loadtests.figures.measured import day_figures, run_figures
from loadtests.thresholds import evaluate, judged_by_run, parse_threshold
from pollday.report.render import render_page
from pollday.report.run_folder import read_run_folder
from pollday.report.sections import build_sections
from pollday.simulate.outputs import simulate_day_into_folder
from simulation import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
# A service that answered well: what the thresholds on the service are judged against.
GOOD_SERVICE = {"p50_ms": 20.0, "p95_ms": 60.0, "p99_ms": 90.0, "max_ms": 200.0,
                "error_rate": 0.0, "error_count": 0, "requests": 1000}


def downsized(text: str, most: int) -> str:
    """The scenario with its station groups' counts scaled to about ``most`` stations."""
    counts = [int(n) for n in re.findall(r"(?m)^count = (\d+)", text)]
    total = sum(counts)
    if total <= most:
        return text
    return re.sub(r"(?m)^count = (\d+)",
                  lambda m: f"count = {max(1, round(int(m[1]) * most / total))}", text)


def simulate_downsized(scenario: Path, out: Path, most: int = 40) -> Path:
    small = out.with_suffix(".toml")
    small.write_text(downsized(scenario.read_text(encoding="utf-8"), most), encoding="utf-8")
    simulate_day_into_folder(out, load_scenario(small), small, workers=1)
    return out


def service_figures(**override: Any) -> dict[str, Any]:
    """``loadtest.json``-like endpoints and generator of a service that answered well."""
    endpoint = {**GOOD_SERVICE, **{f"{q}_intended": v for q, v in GOOD_SERVICE.items()
                                   if q.endswith("_ms")}}
    return {"endpoints": {name: {**endpoint, **override, "figure": alias}
                          for name, alias in ENDPOINTS.items()},
            "generator": {"lag_p50_ms": 1.0, "lag_p99_ms": 5.0, "lag_max_ms": 9.0,
                          "dropped_events": 0, "harness_errors": 0, "missing_workers": 0,
                          "abandoned_in_flight": 0}}


def judged_summary(summary: dict[str, Any], rules: list[str],
                   loadtest: dict[str, Any] | None = None) -> dict[str, Any]:
    """``summary`` with the verdicts of ``rules`` and the exit code, as a run writes them."""
    audit = {f.stat: 0 for f in of_group("audit")}
    loop = {"with_measured_latency": day_figures("loop", summary, judged=False)}
    figures = run_figures(loadtest or service_figures(), audit, summary, loop)
    verdicts = evaluate(judged_by_run([parse_threshold(r) for r in rules]), figures)
    failed = any(v["verdict"] != "met" for v in verdicts)
    return {**summary, "thresholds": verdicts, "exit_code": int(failed),
            "verdict": "failed" if failed else "met"}


def render(folder_path: Path, summary: dict[str, Any] | None = None) -> str:
    """The page of the folder, with ``summary`` in place of its summary.json when given."""
    folder = read_run_folder(folder_path)
    if summary is not None:
        assert folder.simulation is not None
        folder = dataclasses.replace(
            folder, simulation=dataclasses.replace(folder.simulation, summary=summary))
    return render_page(folder, build_sections(folder))


@dataclasses.dataclass
class Marked:
    tag: str
    attrs: dict[str, str]
    classes: set[str]


class Marks(HTMLParser):
    """Every element that says a colour: figures (``data-figure`` with ``data-colour`` or a
    threshold row's ``data-verdict``) and verdicts (``data-subject``)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[Marked] = []
        self.verdicts: list[Marked] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        mark = Marked(tag, found, set(found.get("class", "").split()))
        if "data-figure" in found:
            self.figures.append(mark)
        if "data-subject" in found:
            self.verdicts.append(mark)
