"""The station calculator's web page: one self-contained HTML document (inline CSS and
script, the plot drawn as SVG), so it works offline and under a strict CSP."""

from __future__ import annotations

import html

from pollday.station_inputs import INPUTS, PROFILES

_CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --rule:#d9d9de; --bad:#b3261e; --good:#1e7b34;
        --accent:#1f5f99; --band:#f5f6f8; }
body { margin:0; color:var(--ink); font:15px/1.45 system-ui, "DejaVu Sans", sans-serif; }
main { max-width:1120px; margin:0 auto; padding:16px 24px; }
h1 { font-size:24px; margin:4px 0 12px; }
.cols { display:flex; flex-wrap:wrap; gap:24px; }
form { flex:0 0 330px; }
form label { display:flex; justify-content:space-between; gap:8px; margin:3px 0; font-size:13.5px; }
form input, form select { width:120px; }
form button { margin-top:10px; padding:6px 16px; font-size:15px; }
#answer { flex:1 1 520px; }
table { border-collapse:collapse; width:100%; }
td { padding:4px 8px 4px 0; border-bottom:1px solid var(--rule); }
td.v { text-align:right; font-variant-numeric:tabular-nums; font-weight:600; }
#verdict { font-size:18px; font-weight:600; margin:0 0 8px; }
#verdict.good { color:var(--good); } #verdict.bad { color:var(--bad); }
#error { color:var(--bad); white-space:pre-wrap; }
.muted { color:var(--muted); font-size:13px; }
svg text { font-size:11px; fill:var(--muted); }
"""

_SCRIPT = """
const form = document.getElementById('inputs');
const NS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function plot(curve) {
  const svg = document.getElementById('plot');
  svg.replaceChildren();
  const W = 640, H = 240, L = 44, B = 26, T = 10, R = 10;
  const n = curve.length, top = Math.max(1, ...curve.map(p => p.people));
  const x = i => L + (W - L - R) * i / Math.max(1, n - 1);
  const y = v => H - B - (H - B - T) * v / top;
  svg.append(el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888'}));
  svg.append(el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#888'}));
  for (const f of [0, 0.5, 1]) {
    svg.append(el('text', {x: L - 6, y: y(top * f) + 4, 'text-anchor': 'end'},
                  (top * f).toFixed(top < 4 ? 1 : 0)));
  }
  for (let i = 0; i < n; i += 12) {
    svg.append(el('text', {x: x(i), y: H - 8, 'text-anchor': 'middle'}, curve[i].time));
  }
  const pts = curve.map((p, i) => `${x(i).toFixed(1)},${y(p.people).toFixed(1)}`).join(' ');
  svg.append(el('polyline', {points: pts, fill: 'none', stroke: '#1f5f99', 'stroke-width': 2,
                             id: 'line-curve'}));
}
function row(label, value) {
  const tr = document.createElement('tr');
  const a = document.createElement('td'), b = document.createElement('td');
  a.textContent = label; b.textContent = value; b.className = 'v';
  tr.append(a, b); return tr;
}
function show(r) {
  const w = r.wait_min, line = r.longest_line, lost = r.lost_votes_per_day;
  const f = r.fewest_terminals, s = r.standard;
  const verdict = document.getElementById('verdict');
  verdict.textContent = (s.holds ? 'The 30-minute standard holds' : 'The 30-minute standard FAILS')
    + (f.applicable === false ? `; fewest terminals: n/a (${f.reason})`
       : ` with ${r.inputs.terminals} terminal(s); fewest meeting it: `
         + (f.reachable ? f.terminals : `not reached with ${f.terminals}`));
  verdict.className = s.holds ? 'good' : 'bad';
  const rows = document.getElementById('figures');
  rows.replaceChildren(
    row('voters per day (arrived / voted)',
        `${r.arrived_per_day.toFixed(0)} / ${r.voted_per_day.toFixed(0)}`),
    row(`${r.wait_measures}, min (median / p95 / max)`,
        `${w.p50.toFixed(1)} / ${w.p95.toFixed(1)} / ${w.max.toFixed(1)}`),
    row(`voters whose ${r.wait_measures} is over 30 min`,
        `${(100 * w.share_over_30).toFixed(2)} %`),
    row('longest line (average day / worst day)',
        `${line.people.toFixed(0)} at ${line.at} / ${line.worst_day_people}`),
    row('lost votes per day (left line / not served / refused)',
        `${lost.left_line} / ${lost.not_served_at_close} / ${lost.refused_biometric}`),
    row('terminal utilisation', `${(100 * r.terminal_utilisation).toFixed(0)} %`),
    row('last voter left (median day)', r.last_voter_left),
    row('days meeting the standard', `${(100 * s.days_meeting).toFixed(0)} %`),
    row('simulated days / seed', `${r.days_simulated} / ${r.seed}`));
  const notes = document.getElementById('notes');
  notes.replaceChildren(...r.notes.map(n => { const p = document.createElement('p');
                                               p.textContent = 'Note: ' + n; return p; }));
  plot(r.line_curve);
}
async function calculate(event) {
  if (event) event.preventDefault();
  const query = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim() !== '') query.set(k, v);
  const error = document.getElementById('error');
  error.textContent = '';
  document.body.dataset.state = 'busy';
  const reply = await fetch('api/station?' + query);
  const body = await reply.json();
  if (reply.ok) { show(body); } else { error.textContent = body.error; }
  document.body.dataset.state = reply.ok ? 'done' : 'error';
}
form.addEventListener('submit', calculate);
calculate();
"""


def _field(name: str, kind: str, help_text: str, value: str, choices: tuple[str, ...]) -> str:
    label = html.escape(name.replace("_", " "))
    title = html.escape(help_text, quote=True)
    if choices:
        options = "".join(
            f'<option value="{html.escape(c)}"{" selected" if c == value else ""}>'
            f"{html.escape(c or 'as given')}</option>"
            for c in choices
        )
        control = f'<select name="{name}" title="{title}">{options}</select>'
    else:
        step = ' step="any"' if kind == "float" else ""
        typ = {"int": "number", "float": "number", "time": "time"}.get(kind, "text")
        control = (f'<input name="{name}" type="{typ}"{step} value="{html.escape(value)}" '
                   f'title="{title}">')
    return f"<label>{label}{control}</label>"


def render_page(start: dict[str, str], days: int) -> str:
    fields = []
    for spec in INPUTS:
        choices = spec.choices
        if spec.name == "profile":
            choices = ("", *PROFILES)  # blank: the scenario's profile (or 'morning')
        fields.append(_field(spec.name, spec.kind, spec.help, start[spec.name], choices))
    fields.append(_field("replications", "int", "simulated days", str(days), ()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pollday — one-station calculator</title><style>{_CSS}</style></head>
<body data-state="idle"><main>
<h1>One polling station's day</h1>
<div class="cols">
<form id="inputs">{"".join(fields)}<button type="submit">Calculate</button>
<p class="muted">Blank fields keep the starting station's values. Same model as
<code>pollday simulate</code>; waits pool every simulated day.</p></form>
<div id="answer"><p id="verdict"></p><p id="error"></p><div id="notes"></div>
<table><tbody id="figures"></tbody></table><h2>People in line (average day, 5-minute means)</h2>
<svg id="plot" viewBox="0 0 640 240" width="640" height="240" role="img"
aria-label="people in line over the day"></svg></div></div>
</main><script>{_SCRIPT}</script></body></html>
"""
