"""``docs/figures.md``: the figure catalogue (:mod:`loadtests.figures`) as a page.

Generated, never edited by hand: ``python -m pollday.published.pages`` writes it, and
``tests/pollday/test_published.py`` fails when the page and the catalogue differ.
"""

from __future__ import annotations

from loadtests.figures import CATALOGUE, ENDPOINTS, RENAMED, SOURCES, Figure
from loadtests.figures.rules import DIRECTIONS

_HEAD = """\
# Figures

<!-- Generated from loadtests/figures/ by the module pollday.published.pages; do not edit. -->

Every figure a run measures, defined once (`loadtests/figures/catalogue.py`): thresholds
(`thresholds = ["checkin.p95_ms < 300", ...]`, see [run.md](run.md#thresholds)), the report,
the console and this page all read it. A threshold is `figure op value` with `<`, `<=`, `>`,
`>=`, `==` or `!=`; naming a figure not listed here is a validation error (exit 2).

A figure that should have been measured and was not (an endpoint never called) fails its
threshold with "no data". A figure the run chose not to measure is *not measured*: the
`audit.*` figures the audit level leaves out (`--audit answers`: the ones that need the
target's admin contract, said in their meaning below; `--audit none`: every `audit.*`
figure, see [run.md](run.md#audit-levels---audit)). Their thresholds are neither met nor failed:
they do not change the exit code, `junit.xml` skips them and the closing lines, the report
and `summary.json` (`"verdict": "not-measured"` with the reason) list them. One exception:
a lower bound the ledger holds settles what it can (a voter the harness saw accepted twice
fails `audit.double_acceptances == 0` under `--audit answers`).

Units: `ms` milliseconds, `min` minutes, `share` a fraction from 0 to 1, `count` a number of
things, `x` a multiple of real time.

## Colours: which way is good, when a figure alarms

Every figure says which way is good (*lower is better*, *higher is better*, or *neither*:
turnout, request counts) and, when a value alone says something is wrong, when it alarms
(`> 0` for duplicates that voted anyway; `> 30` for a p95 wait, or the wait limit the
scenario's `[standard]` sets). The report colours every figure by that rule and nothing
else (`loadtests/figures/colour.py`): red when it alarms, green when it has an alarm and
does not ring, plain when it has no alarm (latencies: how slow is too slow is the
scenario's call). When the scenario has a threshold on a figure, the threshold's verdict
colours it instead, so a figure is never green in one table and red in another.
"""


def _row(f: Figure) -> str:
    judged = {"run": "`pollday run`", "capacity": "`pollday capacity`", "": "never (shown only)"}
    alarm = f"`{f.alarm.op} {f.alarm.limit:g}`" if f.alarm else "–"
    if f.alarm and f.alarm.limit_key:
        alarm += f" (or the scenario's `{f.alarm.limit_key}`)"
    return (f"| `{f.name}` | {f.unit} | {f.label} | {f.meaning} | {f.source} | "
            f"{DIRECTIONS[f.direction]} | {alarm} | {judged[f.judged_by]} |")


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
    lines += ["", "## Every figure", "",
              "| figure | unit | label | meaning | source | good | alarms at | judged by |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [_row(f) for f in CATALOGUE]
    lines += ["", "## Refused names", ""]
    lines += [f"- `{name}`: {why}." for name, why in RENAMED.items()]
    return "\n".join(lines) + "\n"
