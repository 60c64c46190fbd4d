"""The station calculator's web page: one self-contained HTML document (its CSS and script
inlined from :file:`page.css` and :file:`page.js`, the plot drawn as SVG by
the script), so it works offline and under a strict CSP.

The verdict comes first in the document (on a phone: on top), then the three most-used
inputs with every other input under "More settings", then the key figures, the plot and
every figure; on a wide screen the inputs sit to the left of the answer. Each field has a
place for its own error message.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from importlib import resources

from pollday.station.arrival_profile import PROFILES
from pollday.station.catalog import INPUTS, Input
from pollday.station.page_fields import FIELDS, SECTIONS

_NUMERIC_MODE = {"int": "numeric", "float": "decimal"}  # the phone's number keyboard


def _asset(name: str) -> str:
    return resources.files("pollday.station").joinpath(name).read_text(encoding="utf-8")


def _control(spec: Input, value: str, *, given: bool, fixed: str) -> str:
    name, words = spec.name, FIELDS[spec.name]
    attrs = (f'name="{name}" id="in-{name}" aria-describedby="error-{name} hint-{name}"'
             + (' data-send="always"' if given else "") + (" disabled" if fixed else ""))
    if spec.kind == "choice":
        choices = ("", *PROFILES) if name == "profile" else spec.choices
        options = "".join(
            f'<option value="{html.escape(c)}"{" selected" if c == value else ""}>'
            f"{html.escape(words.options.get(c, c))}</option>" for c in choices)
        control = f"<select {attrs}>{options}</select>"
    else:
        # Text with a number keyboard rather than type=number: the server sees what was
        # typed ("abc" included) and says what is wrong, instead of receiving a blank.
        mode = _NUMERIC_MODE.get(spec.kind)
        typ = "time" if spec.kind == "time" else "text"
        control = (f'<input {attrs} type="{typ}" value="{html.escape(value, quote=True)}"'
                   + (f' inputmode="{mode}"' if mode else "") + ' autocomplete="off">')
    hint = fixed or words.hint
    return (f'<div class="field"><label for="in-{name}">{html.escape(words.label)}</label>'
            f'{control}<p class="hint" id="hint-{name}">{html.escape(hint)}</p>'
            f'<p class="error" id="error-{name}" role="alert" hidden></p></div>')


def _days_control(days: int) -> str:
    words = FIELDS["replications"]
    return (f'<div class="field"><label for="in-replications">{html.escape(words.label)}'
            f'</label><input name="replications" id="in-replications" type="text" '
            f'inputmode="numeric" data-send="always" value="{days}" autocomplete="off" '
            'aria-describedby="error-replications hint-replications">'
            f'<p class="hint" id="hint-replications">{html.escape(words.hint)}</p>'
            '<p class="error" id="error-replications" role="alert" hidden></p></div>')


def _form(start: Mapping[str, str], days: int, given: Collection[str],
          fixed: Mapping[str, str]) -> str:
    def control(spec: Input) -> str:
        return _control(spec, start[spec.name], given=spec.name in given,
                        fixed=fixed.get(spec.name, ""))

    first = "".join(control(s) for s in INPUTS if not FIELDS[s.name].section)
    groups = []
    for section in SECTIONS:
        inside = [control(s) for s in INPUTS if FIELDS[s.name].section == section]
        if section == FIELDS["replications"].section:
            inside.append(_days_control(days))
        groups.append(f"<fieldset><legend>{html.escape(section)}</legend>"
                      f"{''.join(inside)}</fieldset>")
    return (f'<form id="inputs" class="card" novalidate><h2>Your station</h2>{first}'
            f'<details id="more"><summary>More settings</summary>{"".join(groups)}'
            '<p class="muted">Blank fields keep the starting station’s values.</p></details>'
            '<div class="actions"><button type="submit" id="calculate">Calculate</button>'
            '</div></form>')


_ANSWER = """<section id="answer" class="card" aria-live="polite" aria-busy="false">
<div id="busy" role="status" hidden><span class="spinner" aria-hidden="true"></span>
<span id="busy-text">Calculating…</span></div>
<p id="verdict">Calculating the first answer…</p>
<ul id="problems" hidden></ul>
<p id="stale-note" hidden>The inputs changed: press Calculate to update this answer.</p>
<div class="result" hidden><ul id="failed"></ul><p id="hardware"></p></div>
</section>"""
_FIGURES = """<section id="figures-box" class="card result" hidden><h2>Key figures</h2>
<dl id="key-figures"></dl><p id="rule" class="muted"></p><div id="notes"></div></section>"""
_PLOT = """<section id="plot-box" class="card result" hidden>
<h2>People in line over the day</h2>
<svg id="plot" viewBox="0 0 640 240" role="img" aria-label="people in line over the day"></svg>
<p class="muted">Average of the simulated days, 5-minute means, until the last voter is out.
The dashed line is the polls' closing time.</p></section>"""
_DETAILS = """<section id="details" class="card result" hidden><h2>All figures</h2>
<table><tbody id="figures"></tbody></table>
<p class="muted">Same model as <code>pollday simulate</code>; waits pool every simulated
day.</p></section>"""


def render_page(start: Mapping[str, str], days: int, *, given: Collection[str] = (),
                fixed: Mapping[str, str] | None = None) -> str:
    """The page, its form filled with ``start``. ``given``: inputs set when the server
    started (always sent); ``fixed``: inputs this station cannot take, by the reason shown."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pollday — one polling station's day</title><style>{_asset("page.css")}</style>
</head><body data-state="idle">
<header><h1>One polling station's day</h1>
<p class="sub">How long the line gets, who gives up, and when the last voter leaves.</p>
</header>
<main class="layout">{_ANSWER}{_form(start, days, given, fixed or {})}{_FIGURES}{_PLOT}{_DETAILS}
</main>
<noscript><p>The calculator needs JavaScript; the same answer is on the command line:
<code>pollday station --help</code>.</p></noscript>
<script>{_asset("page.js")}</script></body></html>
"""
