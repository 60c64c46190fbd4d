"""``docs/figures.md``: the figure catalogue (:mod:`loadtests.figures`) as a page.

Generated, never edited by hand: ``python -m pollday.published`` writes it, and
``tests/pollday/test_published.py`` fails when the page and the catalogue differ.
"""

from __future__ import annotations

from loadtests.figures import CATALOGUE, ENDPOINTS, RENAMED, SOURCES, Figure

_HEAD = """\
# Figures

<!-- Generated from loadtests/figures.py by the module pollday.published; do not edit. -->

Every figure a run measures, defined once (`loadtests/figures.py`): thresholds
(`thresholds = ["checkin.p95_ms < 300", ...]`, see [run.md](run.md#thresholds)), the report,
the console and this page all read it. A threshold is `figure op value` with `<`, `<=`, `>`,
`>=`, `==` or `!=`; naming a figure not listed here is a validation error (exit 2). A figure
that was not measured (an endpoint never called) fails its threshold with "no data".

Units: `ms` milliseconds, `min` minutes, `share` a fraction from 0 to 1, `count` a number of
things, `x` a multiple of real time.
"""


def _row(f: Figure) -> str:
    judged = {"run": "`pollday run`", "capacity": "`pollday capacity`", "": "never (shown only)"}
    return (f"| `{f.name}` | {f.unit} | {f.label} | {f.meaning} | {f.source} | "
            f"{judged[f.judged_by]} |")


def figures_markdown() -> str:
    """The whole page: sources, endpoint groups, then one row per figure."""
    lines = [_HEAD, "## Sources", "", "| source | where the value comes from |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in SOURCES.items()]
    lines += ["", "## Endpoint groups", "",
              "The reference service's endpoints and the group their figures are named by "
              "(a custom adapter's other endpoints have no group: see "
              "[loadtests.md](loadtests.md#what-a-custom-adapter-gets-in-pollday-run)).", "",
              "| group | endpoint |", "|---|---|"]
    lines += [f"| `{group}` | `{endpoint}` |" for endpoint, group in ENDPOINTS.items()]
    lines += ["", "## Every figure", "", "| figure | unit | label | meaning | source | judged by |",
              "|---|---|---|---|---|---|"]
    lines += [_row(f) for f in CATALOGUE]
    lines += ["", "## Refused names", ""]
    lines += [f"- `{name}`: {why}." for name, why in RENAMED.items()]
    return "\n".join(lines) + "\n"
